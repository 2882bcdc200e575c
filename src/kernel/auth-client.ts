/**
 * Base of every auth client: talks to auth services, never persists anything itself (the Auth context does).
 * Operations a mechanism does not support throw AuthClientException.
 */
import { AuthClientConfigException, AuthClientException } from "./errors.js";
import type { AuthClientConfig } from "./auth-client-config.js";
import type { Credential } from "./credential.js";
import type { RequestAuthenticator } from "./request-authenticator.js";
import type { KernelServices } from "./services.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";
import { defaultKernel } from "./default-kernel.js";

/**
 * Options every login accepts; flows read the keys they understand and ignore the rest. There is no
 * index signature, so a misspelt option fails to compile; a plugin whose logins take more options
 * declares an interface that extends this one.
 */
export interface LoginOptions {
  allowOpenBrowser?: boolean;
  allowTtyPrompt?: boolean;
  requestedScopes?: string[];
  requestedAudiences?: string[];
  extra?: Record<string, string | null | undefined>;
  displayQrCode?: boolean;
  username?: string;
  password?: string;
  /** Cancels a login that waits on a person or a server. */
  signal?: AbortSignal;
}

/**
 * A client class. Each takes its own config class (the kernel pairs them by `client_type`), hence
 * `never`: any config parameter type is accepted here.
 */
export type AuthClientClass<C extends AuthClient = AuthClient> = new (config: never, services?: KernelServices) => C;

/**
 * Base of every auth client (the Python library's `planet_auth.AuthClient`): one per client type, built from
 * its config; it talks to the auth service to obtain, refresh, validate and revoke credentials, and never
 * saves anything itself (the `Auth` context does). Operations a mechanism does not support throw
 * `AuthClientException`. Get one with `AuthClient.fromConfig` or `kernel.clientFromConfig`.
 */
export abstract class AuthClient {
  readonly #config: AuthClientConfig;
  readonly services: KernelServices;

  /**
   * The config must hold data (use `AuthClient.fromConfig`, which lazily loads a file-backed config);
   * it is validated here and an invalid config raises AuthClientConfigException.
   */
  constructor(config: AuthClientConfig, services?: KernelServices) {
    if (!config.isLoaded() && config.path()) {
      throw new AuthClientConfigException("Config has not been loaded; build the client with AuthClient.fromConfig()", {
        filePath: config.path()!,
        clientType: config.clientType(),
      });
    }
    config.check();
    this.#config = config;
    this.services = services ?? config.kernel().services;
  }

  /** Build the client for a config through the default kernel (loads the config if needed). */
  static fromConfig(config: AuthClientConfig): Promise<AuthClient> {
    return defaultKernel().clientFromConfig(config);
  }

  /** The config this client was built from. */
  config(): AuthClientConfig {
    return this.#config;
  }

  /**
   * Where this client's credentials are stored: the config's explicit provider, else the kernel's
   * default. Pass it to every credential the client creates.
   */
  credentialStorageProvider(): ObjectStorageProvider {
    return this.#config.explicitStorageProvider() ?? this.services.storage;
  }

  /**
   * The error an operation this client type does not support throws, naming the operation and the client
   * type.
   */
  protected unsupported(operation: string): AuthClientException {
    return new AuthClientException(
      `${operation} is not supported by the ${this.#config.clientType()} authentication mechanism`,
      { clientType: this.#config.clientType() },
    );
  }

  /**
   * Where this client's credentials may be used: the identity of the auth server (and client) they are
   * obtained from, e.g. `{ auth_server, client_id }`. A stored credential recorded for another origin is
   * refused (see Credential.bindOrigin). null (the default) ⇒ credentials that no auth server issues
   * (static keys), not bound.
   */
  credentialOrigin(): JsonObject | null {
    return null;
  }

  /** Obtain a credential. Returns it unsaved; the Auth context persists it. */
  abstract login(options?: LoginOptions): Promise<Credential>;

  /** The request authenticator this mechanism uses: credential = a storage key, a credential, or null (in memory). */
  abstract defaultRequestAuthenticator(credential: string | Credential | null): RequestAuthenticator;

  /** True when login needs no person (client credentials, static key, none). */
  abstract canLoginUnattended(): boolean;

  /**
   * Obtain a new credential with a refresh token (`AuthClient.refresh` in the Python library), optionally
   * asking for other scopes. Returns it unsaved.
   */
  async refresh(_refreshToken: string | null, _requestedScopes?: string[], _extra?: JsonObject): Promise<Credential> {
    throw this.unsupported("refresh");
  }
  /**
   * Start a device-code login: returns the device authorization response (user code, verification URI,
   * polling interval) to show the user, for `deviceLoginComplete`.
   */
  async deviceLoginInitiate(_options?: LoginOptions): Promise<JsonObject> {
    throw this.unsupported("deviceLoginInitiate");
  }
  /**
   * Finish a device-code login started with `deviceLoginInitiate`: polls the token endpoint until the user
   * approves (or the code expires) and returns the credential, unsaved.
   */
  async deviceLoginComplete(_initiated: JsonObject, _options?: { signal?: AbortSignal }): Promise<Credential> {
    throw this.unsupported("deviceLoginComplete");
  }
  /**
   * Ask the auth server whether an access token is active (token introspection); returns the introspection
   * response.
   */
  async validateAccessTokenRemote(_accessToken: string): Promise<JsonObject> {
    throw this.unsupported("validateAccessTokenRemote");
  }
  /**
   * Verify an access token's signature and claims locally against the issuer's keys, optionally requiring an
   * audience and any of the given scopes; returns the claims.
   */
  async validateAccessTokenLocal(_accessToken: string, _requiredAudience?: string, _scopesAnyof?: string[]): Promise<JsonObject> {
    throw this.unsupported("validateAccessTokenLocal");
  }
  /** Ask the auth server whether an ID token is active (token introspection). */
  async validateIdTokenRemote(_idToken: string): Promise<JsonObject> {
    throw this.unsupported("validateIdTokenRemote");
  }
  /**
   * Verify an ID token's signature and claims locally (audience: this client's client ID); returns the
   * claims.
   */
  async validateIdTokenLocal(_idToken: string): Promise<JsonObject> {
    throw this.unsupported("validateIdTokenLocal");
  }
  /** Ask the auth server whether a refresh token is active (token introspection). */
  async validateRefreshTokenRemote(_refreshToken: string): Promise<JsonObject> {
    throw this.unsupported("validateRefreshTokenRemote");
  }
  /** Revoke an access token at the auth server's revocation endpoint. */
  async revokeAccessToken(_accessToken: string): Promise<void> {
    throw this.unsupported("revokeAccessToken");
  }
  /** Revoke a refresh token at the auth server's revocation endpoint. */
  async revokeRefreshToken(_refreshToken: string): Promise<void> {
    throw this.unsupported("revokeRefreshToken");
  }
  /** The userinfo endpoint's claims about the user an access token was issued to. */
  async userinfoFromAccessToken(_accessToken: string): Promise<JsonObject> {
    throw this.unsupported("userinfoFromAccessToken");
  }
  /**
   * The auth server's OpenID Connect discovery document (`AuthClient.oidc_discovery` in the Python library);
   * client types that are not OIDC throw.
   */
  async oidcDiscovery(): Promise<JsonObject> {
    throw this.unsupported("oidcDiscovery");
  }
  /**
   * The scopes this client asks for by default: the config's `scopes`, else those the auth server advertises.
   */
  async getScopes(): Promise<string[]> {
    throw this.unsupported("getScopes");
  }
}
