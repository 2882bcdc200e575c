/**
 * `OidcMultiIssuerValidator` (`planet_auth.OidcMultiIssuerValidator` in the Python library): validate access tokens from several trusted issuers
 * (migrations). Never use it to bridge trust environments. Improvements over the reference: an unknown
 * issuer is an `UnknownIssuerTokenException` (an InvalidTokenException, so callers catching that see
 * it); the factories never mutate the caller's config objects.
 */
import {
  Auth, AuthClientException, AuthException, defaultKernel, type AuthKernel, type AuthLogger, type JsonObject,
} from "../../kernel/index.js";
import { InvalidArgumentException, InvalidTokenException, TokenEvent, UnknownIssuerTokenException, jwtLogFields } from "./token-errors.js";
import { OidcAuthClient } from "./client.js";
import { OidcClientValidatorAuthClientConfig } from "./client-types.js";
import { decodeJwtPayloadUnverified } from "./validation/jwt-decode.js";

export interface MultiIssuerValidatorOptions {
  /** Log accepted tokens at INFO (event TOKEN_VALID). Default true. */
  logResult?: boolean;
  /** Default: the logger of the first trusted context's client. */
  logger?: AuthLogger;
}

export interface MultiIssuerFactoryOptions extends MultiIssuerValidatorOptions {
  /** Kernel that builds the validator clients (it must have the OIDC plugin). Default: the default kernel. */
  kernel?: AuthKernel;
}

export interface ValidateAccessTokenOptions {
  doRemoteRevocationCheck?: boolean;
  scopesAnyof?: string[];
}

interface TrustedIssuer {
  issuer: string;
  client: OidcAuthClient;
}

export class OidcMultiIssuerValidator {
  readonly #contexts: Auth[];
  readonly #logResult: boolean;
  readonly #logger?: AuthLogger;
  #trusted?: Promise<Map<string, TrustedIssuer>>;

  /**
   * Checks the contexts now (OIDC clients with a configured audience; AuthException otherwise).
   * Issuers are resolved on first use or by `init()` (config `issuer`, else discovery over the
   * network); `OidcMultiIssuerValidator.create` does both.
   */
  constructor(trusted: ReadonlyArray<Auth | null | undefined>, options: MultiIssuerValidatorOptions = {}) {
    this.#contexts = trusted.filter((a): a is Auth => Boolean(a));
    for (const ctx of this.#contexts) {
      const client = ctx.authClient();
      if (!(client instanceof OidcAuthClient)) {
        throw new AuthException(`Auth context of client type ${client.config().clientType()} is not an OIDC client; it cannot validate tokens`);
      }
      if (client.config().audiences().length === 0) {
        throw new AuthException(`Auth context for ${client.config().authServer()} has no audiences configured; the multi-issuer validator needs one`, {
          clientType: client.config().clientType(),
          field: "audiences",
        });
      }
    }
    this.#logResult = options.logResult ?? true;
    this.#logger = options.logger ?? this.#contexts[0]?.authClient().services.logger;
  }

  /** A validator whose issuers are resolved (duplicate issuers ⇒ AuthException). */
  static async create(trusted: ReadonlyArray<Auth | null | undefined>, options: MultiIssuerValidatorOptions = {}): Promise<OidcMultiIssuerValidator> {
    const v = new OidcMultiIssuerValidator(trusted, options);
    await v.init();
    return v;
  }

  /**
   * One `oidc_client_validator` per URL, with `issuer` = `auth_server` = the URL and `audiences` =
   * `[audience]`: no network at construction.
   */
  static async fromAuthServerUrls(urls: ReadonlyArray<string>, options: MultiIssuerFactoryOptions & { audience?: string } = {}): Promise<OidcMultiIssuerValidator> {
    const configs = urls.map((url) => ({ auth_server: url, issuer: url, audiences: options.audience ? [options.audience] : [] }));
    return OidcMultiIssuerValidator.fromAuthServerConfigs(configs, options);
  }

  /**
   * From config dicts as sparse as `{auth_server, audiences}`: `client_type` defaults to
   * `oidc_client_validator` and `issuer` to `auth_server`. The caller's objects are not modified.
   */
  static async fromAuthServerConfigs(configs: ReadonlyArray<JsonObject | null | undefined>, options: MultiIssuerFactoryOptions = {}): Promise<OidcMultiIssuerValidator> {
    const kernel = options.kernel ?? defaultKernel();
    const contexts: Auth[] = [];
    for (const given of configs) {
      if (!given) continue;
      const dict: JsonObject = { ...given };
      dict.client_type ??= OidcClientValidatorAuthClientConfig.clientType;
      dict.issuer ??= dict.auth_server;
      contexts.push(await Auth.initializeFromConfigDict(dict, { kernel }));
    }
    return OidcMultiIssuerValidator.create(contexts, options);
  }

  /** Resolve every trusted issuer (idempotent). */
  init(): Promise<void> {
    return this.#resolveTrusted().then(() => undefined);
  }

  #resolveTrusted(): Promise<Map<string, TrustedIssuer>> {
    this.#trusted ??= (async () => {
      const map = new Map<string, TrustedIssuer>();
      for (const ctx of this.#contexts) {
        const client = ctx.authClient() as OidcAuthClient;
        const issuer = await client.issuer();
        if (map.has(issuer)) throw new AuthException(`Issuer ${issuer} is configured more than once in the multi-issuer validator`);
        map.set(issuer, { issuer, client });
      }
      return map;
    })();
    this.#trusted.catch(() => (this.#trusted = undefined));
    return this.#trusted;
  }

  /** The trusted issuer strings (resolves them if needed). */
  async trustedIssuers(): Promise<string[]> {
    return [...(await this.#resolveTrusted()).keys()];
  }

  /**
   * Validate locally with the client of the token's issuer, optionally introspect it, and return
   * `[localClaims, introspectionResultOrNull]`. Every InvalidTokenException is logged at WARNING and rethrown.
   */
  async validateAccessToken(token: string, options: ValidateAccessTokenOptions = {}): Promise<[JsonObject, JsonObject | null]> {
    try {
      return await this.#validate(token, options);
    } catch (err) {
      if (err instanceof InvalidTokenException) {
        this.#logger?.warning(undefined, { exception: err, event: err.event() ?? TokenEvent.TOKEN_INVALID });
      }
      throw err;
    }
  }

  async #validate(token: string, options: ValidateAccessTokenOptions): Promise<[JsonObject, JsonObject | null]> {
    if (typeof token !== "string" || !token) throw new InvalidArgumentException("Cannot validate an empty access token");
    let unverified: JsonObject;
    try {
      unverified = decodeJwtPayloadUnverified(token);
    } catch (err) {
      throw new InvalidTokenException("Access token is not a well-formed JWT", { cause: err });
    }
    const iss = unverified.iss;
    if (typeof iss !== "string" || !iss) throw new InvalidTokenException('Access token has no "iss" claim', { jwtBody: unverified });
    const trusted = (await this.#resolveTrusted()).get(iss);
    if (!trusted) {
      throw new UnknownIssuerTokenException(`Access token issuer ${JSON.stringify(iss.slice(0, 200))} is not trusted`, { jwtBody: unverified });
    }
    const claims = await trusted.client.validateAccessTokenLocal(token, undefined, options.scopesAnyof);
    if (!claims || Object.keys(claims).length === 0) throw new AuthException("Local access token validation returned no claims");
    let remote: JsonObject | null = null;
    if (options.doRemoteRevocationCheck) {
      remote = await trusted.client.validateAccessTokenRemote(token);
      if (!remote || remote.active !== true) throw new AuthClientException("Introspection did not confirm the access token is active");
    }
    if (this.#logResult) {
      this.#logger?.info("Accepting access token from a trusted issuing authority", { event: TokenEvent.TOKEN_VALID, fields: jwtLogFields(undefined, claims) });
    }
    return [claims, remote];
  }
}
