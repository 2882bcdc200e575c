/**
 * `OidcAuthClient`: the base every OIDC client type composes — a flow (auth code, device code, client
 * credentials, resource owner, validator) and a client-authentication strategy. It owns the lazily
 * built protocol-layer clients (discovery cached per client, endpoints), one TokenValidator per
 * client, and the operations every OIDC flow shares. Flows see only a narrow OidcFlowContext.
 */
import { readFile } from "node:fs/promises";
import { resolve as resolvePath } from "node:path";
import {
  AuthClient, AuthClientException,
  type Credential, type JsonObject, type KernelServices, type LoginOptions, type RequestAuthenticator,
} from "../../kernel/index.js";
import type { ApiClientDeps } from "./api/api-client.js";
import type { ClientAuthStrategy } from "./api/client-auth.js";
import { DeviceAuthorizationApiClient } from "./api/device-authorization.js";
import { OidcEndpoints, type DiscoveryApiClient, type OidcDiscoveryDocument } from "./api/discovery.js";
import { IntrospectionApiClient } from "./api/introspection.js";
import { RevocationApiClient } from "./api/revocation.js";
import type { TokenApiClient, TokenResponse } from "./api/token.js";
import { UserinfoApiClient } from "./api/userinfo.js";
import {
  OidcClientValidatorRequestAuthenticator, RefreshOrReloginOidcTokenRequestAuthenticator, RefreshingOidcTokenRequestAuthenticator,
  type OidcAuthenticatorOptions,
} from "./authenticators.js";
import type { OidcAuthClientConfig } from "./configs.js";
import { FileBackedOidcCredential } from "./credential.js";
import { DpopKeyHolder } from "./dpop-key.js";
import { OIDC_AUTHENTICATOR_OPTIONS, oidcService, type OidcAuthenticatorDefaults } from "./services.js";
import type { ClientAuthFactory } from "./strategies.js";
import { TokenValidator } from "./validation/token-validator.js";
import type { JwksKeyCache } from "./validation/jwks-cache.js";

export { OIDC_AUTHENTICATOR_OPTIONS };

/** Clock skew tolerated when checking ID tokens received from the token endpoint. */
export const RECEIVED_ID_TOKEN_LEEWAY_SECONDS = 120;

/** Login options of OIDC clients: the common ones, plus the deadline for the browser callback. */
export interface OidcLoginOptions extends LoginOptions {
  /** Deadline for the browser callback (auth code). Default 60 s. */
  callbackTimeoutMs?: number;
}

/**
 * Login parameters after composition: the requested scopes and audiences default to the config's,
 * and the config's organization / project_id join `extra` unless it names them already.
 */
export interface OidcLoginParams {
  requestedScopes: string[];
  requestedAudiences: string[];
  extra: Record<string, unknown>;
  allowOpenBrowser: boolean;
  allowTtyPrompt: boolean;
  username?: string;
  password?: string;
  displayQrCode?: boolean;
  /** Deadline for the browser callback (auth code). Default 60 s. */
  callbackTimeoutMs?: number;
  signal?: AbortSignal;
}

/** What a flow's login yields: the token response, and the nonce to check the ID token against. */
export interface OidcLoginResult {
  tokens: TokenResponse;
  nonce?: string;
}

/**
 * Which request authenticator a flow defaults to: refreshing (a person logged in), refresh-or-relogin
 * (the client can log in unattended), or none at all (the validator cannot authenticate requests).
 */
export type OidcAuthenticatorKind = "refreshing" | "refresh-or-relogin" | "forbidden";

/** The config values a flow reads (each read at its point of use, so a bad value names its key). */
export type OidcFlowConfig = Pick<OidcAuthClientConfig, "clientType" | "clientId" | "redirectUri" | "localRedirectUri" | "userName" | "userPassword">;

/** What a flow works with: the config values it reads, the endpoint clients, and the seams. */
export interface OidcFlowContext {
  readonly config: OidcFlowConfig;
  /** Endpoint URLs: configured, else discovered. */
  readonly endpoints: OidcEndpoints;
  /** The client of the token endpoint. */
  tokenApi(): Promise<TokenApiClient>;
  /** The client of the device authorization endpoint. */
  deviceAuthorizationApi(options?: { signal?: AbortSignal }): Promise<DeviceAuthorizationApiClient>;
  /** Client authentication for the login grant. */
  loginClientAuth(): ClientAuthStrategy;
  /** The HTML the loopback callback listener answers with (undefined: the built-in page). */
  callbackAcknowledgement(): Promise<string | undefined>;
  readonly seams: Pick<KernelServices, "browserOpener" | "display" | "prompt" | "sleep" | "logger">;
  /** The AuthClientException for an operation this client type does not support. */
  notSupported(operation: string): AuthClientException;
}

/** One OAuth flow: how to obtain tokens, whether that needs a person, and the default authenticator. */
export interface OidcFlow {
  readonly name: string;
  readonly authenticator: OidcAuthenticatorKind;
  /** Whether the flow accepts passwords (others warn when one is given). */
  readonly usesPassword?: boolean;
  /** Run the flow's login grant and return the token response. */
  login(context: OidcFlowContext, params: OidcLoginParams): Promise<OidcLoginResult>;
  /** True when the flow logs in without a person for this config. */
  canLoginUnattended(config: OidcFlowConfig): boolean;
  /** Start a device-code login (device-code flows only). */
  deviceLoginInitiate?(context: OidcFlowContext, params: OidcLoginParams): Promise<JsonObject>;
  /** Finish a device-code login: poll until the user approves. */
  deviceLoginComplete?(context: OidcFlowContext, initiated: JsonObject, options: { signal?: AbortSignal }): Promise<TokenResponse>;
  /** Whether `refresh` is possible (false for the validator). Default true. */
  readonly canRefresh?: boolean;
}

/** A client type = a flow × a client-authentication strategy (+ a different one for the login grant). */
export interface OidcClientComposition {
  flow: OidcFlow;
  /** Client authentication for token, device, introspection and revocation calls. */
  clientAuth: ClientAuthFactory;
  /**
   * Client authentication for the login grant only, when it differs (the reference's client
   * credentials with a secret logs in with client_secret_post and uses HTTP Basic everywhere else).
   */
  loginClientAuth?: ClientAuthFactory;
}

export class OidcAuthClient extends AuthClient {
  /** The composition of a client type, set by the client-type table on each client class named after the Python library's. */
  static readonly composition?: OidcClientComposition;

  declare config: () => OidcAuthClientConfig;
  readonly flow: OidcFlow;
  readonly #composition: OidcClientComposition;
  #clientAuth?: ClientAuthStrategy;
  #loginClientAuth?: ClientAuthStrategy;
  #discovery?: DiscoveryApiClient;
  #endpoints?: OidcEndpoints;
  #tokenValidator?: TokenValidator;
  #idTokenValidator?: TokenValidator;
  #jwksKeyCache?: JwksKeyCache;
  #ackBody?: Promise<string | undefined>;
  #flowContext?: OidcFlowContext;
  #dpop?: DpopKeyHolder | null;
  readonly #tokenApiClient = oidcService(this.services, "tokenApiClient");
  readonly #discoveryApiClient = oidcService(this.services, "discoveryApiClient");
  readonly #jwksApiClient = oidcService(this.services, "jwksApiClient");
  readonly #jwksKeyCacheFactory = oidcService(this.services, "jwksKeyCache");

  /** `composition` defaults to the one the client-type table gave this class. */
  constructor(config: OidcAuthClientConfig, services?: KernelServices, composition?: OidcClientComposition) {
    super(config, services);
    const c = composition ?? (new.target as typeof OidcAuthClient).composition;
    if (!c) throw new TypeError(`${new.target.name} has no OIDC flow: give a composition, or use a class from the client-type table`);
    this.flow = c.flow;
    this.#composition = c;
  }

  /** Dependencies handed to every protocol-layer client. */
  apiDeps(): ApiClientDeps {
    return { http: this.services.http, clock: this.services.clock, logger: this.services.logger, secretNames: this.services.secretNames };
  }

  /** The client-authentication strategy for every endpoint call except the login grant's override. */
  clientAuth(): ClientAuthStrategy {
    return (this.#clientAuth ??= this.#composition.clientAuth(this.config(), this.services.clock));
  }
  /** The strategy used for the login grant. */
  loginClientAuth(): ClientAuthStrategy {
    if (!this.#composition.loginClientAuth) return this.clientAuth();
    return (this.#loginClientAuth ??= this.#composition.loginClientAuth(this.config(), this.services.clock));
  }

  /** The client of this auth server's discovery document, one per client. */
  discoveryClient(): DiscoveryApiClient {
    const c = this.config();
    // The issuer the document must name: the configured one, else the auth server it is fetched from.
    const expectedIssuer = c.issuer() ?? c.authServer();
    return (this.#discovery ??= this.#discoveryApiClient({ ...this.apiDeps(), authServer: c.authServer(), expectedIssuer }));
  }

  /** Endpoint resolution: configured key wins, else lazy discovery (cached for the life of the client). */
  endpoints(): OidcEndpoints {
    if (!this.#endpoints) {
      const c = this.config();
      this.#endpoints = new OidcEndpoints(
        {
          authorization_endpoint: c.authorizationEndpoint(),
          device_authorization_endpoint: c.deviceAuthorizationEndpoint(),
          token_endpoint: c.tokenEndpoint(),
          introspection_endpoint: c.introspectionEndpoint(),
          revocation_endpoint: c.revocationEndpoint(),
          userinfo_endpoint: c.userinfoEndpoint(),
          jwks_endpoint: c.jwksEndpoint(),
          issuer: c.issuer(),
        },
        this.discoveryClient(),
        { clientType: c.clientType(), allowInsecureHttp: c.allowInsecureHttp() },
      );
    }
    return this.#endpoints;
  }

  /**
   * The client of the token endpoint (built by the kernel's `OIDC_TOKEN_API_CLIENT` factory), with this
   * client's authentication and DPoP key.
   */
  async tokenApi(): Promise<TokenApiClient> {
    const dpop = this.dpopKey();
    return this.#tokenApiClient({ ...this.apiDeps(), tokenUri: await this.endpoints().tokenEndpoint(), ...(dpop ? { dpop } : {}) });
  }

  /**
   * The key pair tokens are bound to when the config sets `dpop: true` (else null). In memory until
   * `defaultRequestAuthenticator` names the token's storage location; then stored beside the token.
   */
  dpopKey(): DpopKeyHolder | null {
    if (this.#dpop === undefined) this.#dpop = this.config().dpop() ? new DpopKeyHolder(this.services.clock) : null;
    return this.#dpop;
  }

  /** The issuer tokens are validated against: config `issuer`, else discovery's. */
  issuer(): Promise<string> {
    return this.endpoints().issuer();
  }

  /** The client's TokenValidator, created on first use; JWKS fetched through the protocol layer. */
  tokenValidator(): TokenValidator {
    if (!this.#tokenValidator) {
      const { clock, logger } = this.services;
      const jwks = (this.#jwksKeyCache ??= this.#jwksKeyCacheFactory({
        clock,
        logger,
        fetchJwks: async (signal) => {
          const api = this.#jwksApiClient({ ...this.apiDeps(), jwksUri: await this.endpoints().jwksEndpoint() });
          return api.jwks({ signal });
        },
      }));
      this.#tokenValidator = new TokenValidator(jwks, { clock, logger });
    }
    return this.#tokenValidator;
  }

  /**
   * Validates ID tokens this client receives from the token endpoint (login, refresh). It shares the
   * JWKS cache but tolerates clock skew between this machine and the server, so a few seconds of
   * drift cannot break logins or refreshes. `validateIdTokenLocal` stays strict (leeway 0).
   */
  #receivedIdTokenValidator(): TokenValidator {
    if (!this.#idTokenValidator) {
      this.tokenValidator();
      const { clock, logger } = this.services;
      this.#idTokenValidator = new TokenValidator(this.#jwksKeyCache!, { clock, logger, leewaySeconds: RECEIVED_ID_TOKEN_LEEWAY_SECONDS });
    }
    return this.#idTokenValidator;
  }

  async #validateReceivedIdToken(idToken: string, nonce?: string): Promise<void> {
    await this.#receivedIdTokenValidator().validateIdToken(idToken, { issuer: await this.issuer(), clientId: this.config().clientId(), nonce });
  }

  /** What this client's flow works with. */
  flowContext(): OidcFlowContext {
    return (this.#flowContext ??= {
      config: this.config(),
      endpoints: this.endpoints(),
      tokenApi: () => this.tokenApi(),
      deviceAuthorizationApi: async (options = {}) =>
        new DeviceAuthorizationApiClient({ ...this.apiDeps(), deviceAuthorizationUri: await this.endpoints().deviceAuthorizationEndpoint(options) }),
      loginClientAuth: () => this.loginClientAuth(),
      callbackAcknowledgement: () => this.callbackAcknowledgement(),
      seams: this.services,
      notSupported: (operation) => this.unsupported(operation),
    });
  }

  /** The HTML the loopback listener answers with: config literal > config file (CWD-relative, read once) > built-in. */
  callbackAcknowledgement(): Promise<string | undefined> {
    this.#ackBody ??= (async () => {
      const c = this.config();
      const literal = c.authorizationCallbackAcknowledgement();
      if (literal) return literal;
      const file = c.authorizationCallbackAcknowledgementFile();
      if (!file) return undefined;
      return readFile(resolvePath(process.cwd(), file), "utf8");
    })();
    return this.#ackBody;
  }

  /** Default scopes/audiences from the config; organization/project_id into `extra` unless given there. */
  composeLoginParams(options: OidcLoginOptions = {}): OidcLoginParams {
    const c = this.config();
    const extra: Record<string, unknown> = { ...(options.extra ?? {}) };
    if (!extra.organization && c.organization()) extra.organization = c.organization();
    if (!extra.project_id && c.projectId()) extra.project_id = c.projectId();
    return {
      requestedScopes: options.requestedScopes?.length ? [...options.requestedScopes] : c.scopes(),
      requestedAudiences: options.requestedAudiences?.length ? [...options.requestedAudiences] : c.audiences(),
      extra,
      allowOpenBrowser: Boolean(options.allowOpenBrowser),
      allowTtyPrompt: Boolean(options.allowTtyPrompt),
      username: options.username,
      password: options.password,
      displayQrCode: options.displayQrCode,
      callbackTimeoutMs: typeof options.callbackTimeoutMs === "number" ? options.callbackTimeoutMs : undefined,
      signal: options.signal,
    };
  }

  /** Wrap a token response in a credential bound to this client's storage provider and origin (not saved). */
  newCredential(tokens: JsonObject): FileBackedOidcCredential {
    const credential = new FileBackedOidcCredential(tokens, null, this.credentialStorageProvider(), this.services.clock);
    credential.bindOrigin(this.credentialOrigin());
    return credential;
  }

  /** Tokens are bound to the issuer and client they come from (and the token endpoint, when configured). */
  override credentialOrigin(): JsonObject {
    const config = this.config();
    const tokenEndpoint = config.data()?.token_endpoint;
    return {
      auth_server: config.authServer(),
      client_id: config.clientId(),
      ...(typeof tokenEndpoint === "string" && tokenEndpoint ? { token_endpoint: tokenEndpoint } : {}),
    };
  }

  async login(options: OidcLoginOptions = {}): Promise<Credential> {
    const params = this.composeLoginParams(options);
    if (params.password && !this.flow.usesPassword) {
      this.services.logger.warning(`A password was given to the ${this.flow.name} flow, which does not use passwords; it is ignored`);
    }
    const { tokens, nonce } = await this.flow.login(this.flowContext(), params);
    await this.#checkIdToken(tokens, params.requestedScopes, nonce);
    return this.newCredential(tokens);
  }

  /** An ID token returned at login when `openid` was requested is validated (signature, iss, aud, nonce). */
  async #checkIdToken(tokens: TokenResponse, scopes: string[], nonce: string | undefined): Promise<void> {
    if (!tokens.id_token || !scopes.includes("openid")) return;
    await this.#validateReceivedIdToken(tokens.id_token, nonce);
    this.services.logger.debug("ID token returned at login is valid");
  }

  override async refresh(refreshToken: string | null, requestedScopes?: string[], extra?: JsonObject): Promise<Credential> {
    if (this.flow.canRefresh === false) throw this.unsupported("refresh");
    const api = await this.tokenApi();
    const tokens = await api.getTokenFromRefresh({ refreshToken, requestedScopes, extra, clientAuth: this.clientAuth() });
    // An ID token returned by a refresh is checked like the one from login (signature, iss, aud); it carries no nonce.
    if (typeof tokens.id_token === "string" && tokens.id_token) await this.#validateReceivedIdToken(tokens.id_token);
    // A response without refresh_token keeps the one that was used (the only place this is done).
    const data: JsonObject = !tokens.refresh_token && refreshToken ? { ...tokens, refresh_token: refreshToken } : tokens;
    return this.newCredential(data);
  }

  override async deviceLoginInitiate(options: OidcLoginOptions = {}): Promise<JsonObject> {
    if (!this.flow.deviceLoginInitiate) throw this.unsupported("deviceLoginInitiate");
    return this.flow.deviceLoginInitiate(this.flowContext(), this.composeLoginParams(options));
  }

  override async deviceLoginComplete(initiated: JsonObject, options: { signal?: AbortSignal } = {}): Promise<Credential> {
    if (!this.flow.deviceLoginComplete) throw this.unsupported("deviceLoginComplete");
    return this.newCredential(await this.flow.deviceLoginComplete(this.flowContext(), initiated, options));
  }

  canLoginUnattended(): boolean {
    return this.flow.canLoginUnattended(this.config());
  }

  override async oidcDiscovery(): Promise<OidcDiscoveryDocument> {
    return this.discoveryClient().discovery();
  }

  override async getScopes(): Promise<string[]> {
    return this.endpoints().scopesSupported();
  }

  async #introspection(): Promise<IntrospectionApiClient> {
    return new IntrospectionApiClient({ ...this.apiDeps(), introspectionUri: await this.endpoints().introspectionEndpoint() });
  }
  override async validateAccessTokenRemote(accessToken: string): Promise<JsonObject> {
    return (await this.#introspection()).validateAccessToken(accessToken, { clientAuth: this.clientAuth() });
  }
  override async validateIdTokenRemote(idToken: string): Promise<JsonObject> {
    return (await this.#introspection()).validateIdToken(idToken, { clientAuth: this.clientAuth() });
  }
  override async validateRefreshTokenRemote(refreshToken: string): Promise<JsonObject> {
    return (await this.#introspection()).validateRefreshToken(refreshToken, { clientAuth: this.clientAuth() });
  }

  /**
   * Audience = the argument, else the config's single audience (none or several ⇒
   * AuthClientException); issuer = config or discovery.
   */
  override async validateAccessTokenLocal(accessToken: string, requiredAudience?: string, scopesAnyof?: string[]): Promise<JsonObject> {
    let audience = requiredAudience;
    if (!audience) {
      const audiences = this.config().audiences();
      if (audiences.length !== 1) {
        throw new AuthClientException(
          "Local access token validation needs an audience: pass one, or configure exactly one in audiences",
          { clientType: this.config().clientType(), field: "audiences" },
        );
      }
      audience = audiences[0]!;
    }
    return this.tokenValidator().validateToken(accessToken, { issuer: await this.issuer(), audience, scopesAnyof });
  }

  /** Audience = client_id; `nonce` is checked when given. */
  override async validateIdTokenLocal(idToken: string, nonce?: string): Promise<JsonObject> {
    return this.tokenValidator().validateIdToken(idToken, { issuer: await this.issuer(), clientId: this.config().clientId(), nonce });
  }

  async #revocation(): Promise<RevocationApiClient> {
    return new RevocationApiClient({ ...this.apiDeps(), revocationUri: await this.endpoints().revocationEndpoint() });
  }
  override async revokeAccessToken(accessToken: string): Promise<void> {
    await (await this.#revocation()).revokeAccessToken(accessToken, { clientAuth: this.clientAuth() });
  }
  override async revokeRefreshToken(refreshToken: string): Promise<void> {
    await (await this.#revocation()).revokeRefreshToken(refreshToken, { clientAuth: this.clientAuth() });
  }

  override async userinfoFromAccessToken(accessToken: string): Promise<JsonObject> {
    // A client with `dpop: true` holds DPoP-bound tokens: they are presented with a proof of its key.
    const dpop = this.dpopKey();
    const api = new UserinfoApiClient({ ...this.apiDeps(), userinfoUri: await this.endpoints().userinfoEndpoint(), ...(dpop ? { dpop } : {}) });
    return api.userinfoFromAccessToken(accessToken);
  }

  /** Options for the authenticators: the kernel-registered OIDC_AUTHENTICATOR_OPTIONS, then `overrides`. */
  authenticatorOptions(overrides: OidcAuthenticatorDefaults = {}): OidcAuthenticatorOptions {
    const registered = oidcService(this.services, "authenticatorOptions");
    return { clientType: this.config().clientType(), ...registered, ...overrides, clock: this.services.clock, logger: this.services.logger };
  }

  /**
   * `credential` = a storage key, a FileBackedOidcCredential, or null (in memory).
   * Anything else ⇒ TypeError.
   */
  defaultRequestAuthenticator(credential: string | Credential | null, options: OidcAuthenticatorDefaults = {}): RequestAuthenticator {
    if (this.flow.authenticator === "forbidden") return new OidcClientValidatorRequestAuthenticator();
    let cred: FileBackedOidcCredential;
    if (credential === null || credential === undefined || typeof credential === "string") {
      cred = new FileBackedOidcCredential(null, credential ?? null, this.credentialStorageProvider(), this.services.clock);
      cred.bindOrigin(this.credentialOrigin());
    } else if (credential instanceof FileBackedOidcCredential) cred = credential;
    else throw new TypeError(`${this.config().clientType()} needs a FileBackedOidcCredential, got ${credential?.constructor?.name}`);
    const dpop = this.dpopKey();
    // One client, one token location: the key lives beside the token this authenticator sends.
    dpop?.bindToToken(cred.path(), cred.storageProvider());
    const Authenticator =
      this.flow.authenticator === "refresh-or-relogin" ? RefreshOrReloginOidcTokenRequestAuthenticator : RefreshingOidcTokenRequestAuthenticator;
    return new Authenticator(cred, this, { ...this.authenticatorOptions(options), ...(dpop ? { dpop } : {}) });
  }
}
