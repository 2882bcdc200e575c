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

  async refresh(_refreshToken: string | null, _requestedScopes?: string[], _extra?: JsonObject): Promise<Credential> {
    throw this.unsupported("refresh");
  }
  async deviceLoginInitiate(_options?: LoginOptions): Promise<JsonObject> {
    throw this.unsupported("deviceLoginInitiate");
  }
  async deviceLoginComplete(_initiated: JsonObject, _options?: { signal?: AbortSignal }): Promise<Credential> {
    throw this.unsupported("deviceLoginComplete");
  }
  async validateAccessTokenRemote(_accessToken: string): Promise<JsonObject> {
    throw this.unsupported("validateAccessTokenRemote");
  }
  async validateAccessTokenLocal(_accessToken: string, _requiredAudience?: string, _scopesAnyof?: string[]): Promise<JsonObject> {
    throw this.unsupported("validateAccessTokenLocal");
  }
  async validateIdTokenRemote(_idToken: string): Promise<JsonObject> {
    throw this.unsupported("validateIdTokenRemote");
  }
  async validateIdTokenLocal(_idToken: string): Promise<JsonObject> {
    throw this.unsupported("validateIdTokenLocal");
  }
  async validateRefreshTokenRemote(_refreshToken: string): Promise<JsonObject> {
    throw this.unsupported("validateRefreshTokenRemote");
  }
  async revokeAccessToken(_accessToken: string): Promise<void> {
    throw this.unsupported("revokeAccessToken");
  }
  async revokeRefreshToken(_refreshToken: string): Promise<void> {
    throw this.unsupported("revokeRefreshToken");
  }
  async userinfoFromAccessToken(_accessToken: string): Promise<JsonObject> {
    throw this.unsupported("userinfoFromAccessToken");
  }
  async oidcDiscovery(): Promise<JsonObject> {
    throw this.unsupported("oidcDiscovery");
  }
  async getScopes(): Promise<string[]> {
    throw this.unsupported("getScopes");
  }
}
