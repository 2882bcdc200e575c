/**
 * The token endpoint (RFC 6749 sections 4 and 5; RFC 8628 sections 3.4–3.5): every grant, the token-response check, and
 * device-code polling (deadline from initiation, specific denied/expired exceptions).
 */
import { type Sleep, realSleep } from "../../../kernel/index.js";
import {
  DeviceAccessDeniedException,
  DeviceAuthorizationApiException,
  DeviceCodeExpiredException,
  OidcApiClientException,
  TokenApiException,
  TokenApiTimeoutException,
} from "../errors.js";
import { OidcApiClient, checkedJsonResponse, composeParams, joinList, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";
import type { DpopKeyHolder } from "../dpop-key.js";
import type { ClientAuthStrategy } from "./client-auth.js";
import { deviceAuthorizationInitiatedAt, type DeviceAuthorizationResponse } from "./device-authorization.js";

/** A token endpoint response. Only `expires_in` is checked; everything else is passed through. */
export interface TokenResponse extends JsonObject {
  access_token?: string;
  token_type?: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

const DEVICE_CODE_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:device_code";
/** Default device polling interval (seconds) when the server gives none (RFC 8628 section 3.2). */
const DEFAULT_DEVICE_POLL_INTERVAL_SECONDS = 5;
/** Added to the interval, permanently, on every `slow_down` (RFC 8628 section 3.5). */
const SLOW_DOWN_INCREMENT_SECONDS = 5;

export interface TokenApiClientOptions extends ApiClientDeps {
  tokenUri: string;
  /**
   * Reject token responses without a truthy `expires_in` (the reference's behaviour).
   * Default true.
   */
  requireExpiresIn?: boolean;
  /** Send a DPoP proof with every grant (RFC 9449 section 5), signed with this key, so the tokens are bound to it. */
  dpop?: DpopKeyHolder;
}

interface GrantCommon extends CallOptions {
  clientAuth?: ClientAuthStrategy;
}
/** The parameters of an authorization code grant: the code, its redirect URI and PKCE verifier. */
export interface AuthCodeGrantParams extends GrantCommon {
  redirectUri: string;
  code: string;
  codeVerifier: string;
}
/** The parameters of a client credentials grant. */
export interface ClientCredentialsGrantParams extends GrantCommon {
  requestedScopes?: readonly string[];
  requestedAudiences?: readonly string[];
  extra?: Record<string, unknown>;
}
/** The parameters of a resource owner password grant. */
export interface PasswordGrantParams extends ClientCredentialsGrantParams {
  username: string;
  password: string;
}
/** The parameters of a refresh token grant. */
export interface RefreshGrantParams extends GrantCommon {
  refreshToken: string | undefined | null;
  /** Sent only when non-empty: no fallback to configured scopes. */
  requestedScopes?: readonly string[];
  extra?: Record<string, unknown>;
}
/** The parameters of a device authorization request. */
export interface DeviceCodeGrantParams extends GrantCommon {
  deviceCode: string;
}
/** The parameters of polling for a device-code token: the device authorization response and when it was started. */
export interface DevicePollParams extends GrantCommon {
  /** The device authorization response (`device_code`, `expires_in`, optional `interval`). */
  initiated: Pick<DeviceAuthorizationResponse, "device_code" | "expires_in" | "interval">;
  /**
   * When the device authorization was initiated (Clock ms). Default: the time recorded by
   * DeviceAuthorizationApiClient for this response object, else now.
   */
  initiatedAt?: number;
  /** Injected sleep (cancellable). Default: real timers. */
  sleep?: Sleep;
}

export class TokenApiClient extends OidcApiClient {
  readonly requireExpiresIn: boolean;
  readonly dpop?: DpopKeyHolder;

  /** A client of the token endpoint, with the HTTP client, logger and (optionally) DPoP key it uses. */
  constructor(options: TokenApiClientOptions) {
    super(options, options.tokenUri);
    this.requireExpiresIn = options.requireExpiresIn ?? true;
    this.dpop = options.dpop;
  }

  /** Authorization code redemption (RFC 6749 section 4.1.3). `extra` is never sent here. */
  getTokenFromCode(p: AuthCodeGrantParams): Promise<TokenResponse> {
    return this.#grant({ grant_type: "authorization_code", redirect_uri: p.redirectUri, code: p.code, code_verifier: p.codeVerifier }, p);
  }

  /** Client credentials grant (RFC 6749 section 4.4). */
  getTokenFromClientCredentials(p: ClientCredentialsGrantParams = {}): Promise<TokenResponse> {
    return this.#grant(
      composeParams(p.extra, { grant_type: "client_credentials", scope: joinList(p.requestedScopes), audience: joinList(p.requestedAudiences) }),
      p,
    );
  }

  /** Resource owner password credentials grant (RFC 6749 section 4.3). */
  getTokenFromPassword(p: PasswordGrantParams): Promise<TokenResponse> {
    return this.#grant(
      composeParams(p.extra, {
        grant_type: "password",
        username: p.username,
        password: p.password,
        scope: joinList(p.requestedScopes),
        audience: joinList(p.requestedAudiences),
      }),
      p,
    );
  }

  /** Refresh (RFC 6749 section 6). */
  getTokenFromRefresh(p: RefreshGrantParams): Promise<TokenResponse> {
    return this.#grant(
      composeParams(p.extra, { grant_type: "refresh_token", refresh_token: p.refreshToken ?? undefined, scope: joinList(p.requestedScopes) }),
      p,
    );
  }

  /** One device-code poll (RFC 8628 section 3.4). Pending/slow_down surface as OidcApiClientException. */
  getTokenFromDeviceCode(p: DeviceCodeGrantParams): Promise<TokenResponse> {
    return this.#grant({ grant_type: DEVICE_CODE_GRANT_TYPE, device_code: p.deviceCode }, p);
  }

  /**
   * device_login_complete (RFC 8628 sections 3.4–3.5): sleep one interval, poll; `authorization_pending` continues,
   * `slow_down` adds 5 s permanently, `access_denied` ⇒ DeviceAccessDeniedException, `expired_token` ⇒
   * DeviceCodeExpiredException, anything else is rethrown. Before each sleep, if `expires_in` seconds
   * have passed since initiation ⇒ TokenApiTimeoutException. Cancel with `signal` (rejects with its reason).
   */
  async pollForTokenFromDeviceCode(p: DevicePollParams): Promise<TokenResponse> {
    const { initiated, signal } = p;
    const sleep = p.sleep ?? realSleep;
    const expiresIn = Number(initiated.expires_in);
    if (!initiated.device_code) throw new DeviceAuthorizationApiException("Device authorization data has no device_code");
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
      throw new DeviceAuthorizationApiException("Device authorization data has no valid expires_in");
    }
    const givenInterval = Number(initiated.interval);
    let intervalSeconds = Number.isFinite(givenInterval) && givenInterval > 0 ? givenInterval : DEFAULT_DEVICE_POLL_INTERVAL_SECONDS;
    const startedAt = p.initiatedAt ?? deviceAuthorizationInitiatedAt(initiated) ?? this.clock.now();
    const deadline = startedAt + expiresIn * 1000;

    for (;;) {
      signal?.throwIfAborted();
      if (this.clock.now() >= deadline) {
        throw new TokenApiTimeoutException("Timeout exceeded waiting for the device authorization to complete");
      }
      await sleep(intervalSeconds * 1000, signal);
      try {
        return await this.getTokenFromDeviceCode({ deviceCode: initiated.device_code, clientAuth: p.clientAuth, signal, timeoutMs: p.timeoutMs });
      } catch (err) {
        if (!(err instanceof OidcApiClientException)) throw err;
        switch (err.errorCode) {
          case "authorization_pending":
            this.logger?.debug("Device authorization pending; polling again");
            continue;
          case "slow_down":
            intervalSeconds += SLOW_DOWN_INCREMENT_SECONDS;
            this.logger?.debug(`Device polling slowed down to every ${intervalSeconds} s`);
            continue;
          case "access_denied":
            throw new DeviceAccessDeniedException(err.message, { errorCode: err.errorCode, rawResponse: err.rawResponse, cause: err });
          case "expired_token":
            throw new DeviceCodeExpiredException(err.message, { errorCode: err.errorCode, rawResponse: err.rawResponse, cause: err });
          default:
            throw err;
        }
      }
    }
  }

  /**
   * POST a grant with a fresh DPoP proof. A server that answers `use_dpop_nonce` with a `DPoP-Nonce`
   * gets the request once more with that nonce (RFC 9449 section 8): the server refused it before issuing
   * anything, so this is the one resend of a token request. The nonce a response carries is kept
   * for the next request to this server.
   */
  async #postWithDpop(dpop: DpopKeyHolder, form: Record<string, string | undefined>, p: GrantCommon): Promise<JsonObject> {
    await dpop.key();
    for (let attempt = 1; ; attempt++) {
      const headers = { DPoP: dpop.proof({ method: "POST", url: this.endpointUrl }) };
      try {
        const res = await this.postForm(form, p.clientAuth, { ...p, headers });
        dpop.rememberNonce(this.endpointUrl, firstHeader(res.headers["dpop-nonce"]));
        return checkedJsonResponse(res, this.endpointUrl);
      } catch (err) {
        const nonce = err instanceof OidcApiClientException && err.errorCode === "use_dpop_nonce" ? firstHeader(err.rawResponse?.headers["dpop-nonce"]) : undefined;
        if (attempt > 1 || !nonce) throw err;
        dpop.rememberNonce(this.endpointUrl, nonce);
        this.logger?.debug("The token endpoint asked for a DPoP nonce; sending the request again with it");
      }
    }
  }

  async #grant(form: Record<string, string | undefined>, p: GrantCommon): Promise<TokenResponse> {
    const res = this.dpop ? await this.#postWithDpop(this.dpop, form, p) : await this.postFormJson(form, p.clientAuth, p);
    const expiresIn = res.expires_in;
    if (expiresIn === undefined || expiresIn === null) {
      if (this.requireExpiresIn) throw new TokenApiException("Invalid token received. Missing expires_in field.");
    } else if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn <= 0) {
      // RFC 6749 section 5.1: a lifetime in seconds. A string or a non-positive value is not guessed at
      // (a token read as never expiring would never be refreshed).
      throw new TokenApiException(
        `Invalid token received: expires_in must be a positive number of seconds, got ${typeof expiresIn === "number" ? expiresIn : `a value of type ${typeof expiresIn}`}`,
        { field: "expires_in" },
      );
    }
    return res as TokenResponse;
  }
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
