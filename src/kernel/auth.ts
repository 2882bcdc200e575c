/**
 * The auth context: one client, one request authenticator, a token path and a
 * profile name. Construction does no I/O beyond saving `initialTokenData`, loading a file-backed config,
 * and checking that the token and config files are not readable by others (see `warnings()`).
 */
import { AuthClientContextException } from "./errors.js";
import type { AuthClient, LoginOptions } from "./auth-client.js";
import type { AuthClientConfig } from "./auth-client-config.js";
import type { Credential } from "./credential.js";
import type { RequestAuthenticator } from "./request-authenticator.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";
import type { AuthKernel } from "./kernel.js";
import type { CheckedConfigDict } from "./config-types.js";
import { nowSeconds } from "./seams.js";
import { defaultKernel } from "./default-kernel.js";
import { profilesOf } from "../profiles/resolver.js";

/**
 * Options of the `Auth.initializeFrom…` factories (the keyword arguments of the Python library's
 * `Auth.initialize_from_…`).
 */
export interface AuthInitOptions {
  initialTokenData?: JsonObject | null;
  /** Storage key of the token file; none ⇒ the credential lives in memory only. */
  tokenFile?: string | null;
  profileName?: string | null;
  storageProvider?: ObjectStorageProvider | null;
  /** Kernel for the dict/config factories; default: the default kernel. */
  kernel?: AuthKernel;
}

/**
 * The auth context (the Python library's `planet_auth.Auth`): one auth client, the request authenticator that
 * signs your HTTP requests with its credential, where that credential is saved, and the profile it came from.
 * Build it with `Auth.initializeFromProfile`, `initializeFromConfigDict`, `initializeFromConfig` or
 * `initializeFromClient`; then `login()` once if the client needs a person, and use `requestAuthenticator()`
 * (`.fetch()`, `.gotHooks()`, `.axiosInterceptor()`) for your requests.
 */
export class Auth {
  readonly #client: AuthClient;
  readonly #authenticator: RequestAuthenticator;
  readonly #tokenFile: string | null;
  readonly #profileName: string | null;
  readonly #warnings: readonly string[];

  private constructor(
    client: AuthClient,
    authenticator: RequestAuthenticator,
    tokenFile: string | null,
    profileName: string | null,
    warnings: readonly string[],
  ) {
    this.#client = client;
    this.#authenticator = authenticator;
    this.#tokenFile = tokenFile;
    this.#profileName = profileName;
    this.#warnings = warnings;
  }

  /** Files of this context readable by group or others (as ssh warns of a private key), found at construction. */
  static async #fileWarnings(client: AuthClient, tokenFile: string | null): Promise<string[]> {
    const files: Array<[string | null, ObjectStorageProvider]> = [
      [client.config().path(), client.config().storageProvider()],
      [tokenFile, client.credentialStorageProvider()],
    ];
    const warnings: string[] = [];
    for (const [key, storage] of files) {
      const warning = key && storage.accessWarning ? await storage.accessWarning(key) : null;
      if (warning) warnings.push(warning);
    }
    for (const warning of warnings) client.services.logger.warning(warning);
    return warnings;
  }

  /**
   * A context around an auth client you already built (`Auth.initialize_from_client`). The credential is read
   * from `tokenFile` when given (else it lives in memory only); `initialTokenData` is saved as that
   * credential first.
   */
  static async initializeFromClient(client: AuthClient, options: AuthInitOptions = {}): Promise<Auth> {
    const tokenFile = options.tokenFile ?? null;
    const authenticator = client.defaultRequestAuthenticator(tokenFile);
    const credential = await authenticator.credential(false);
    if (credential && !credential.origin()) credential.bindOrigin(client.credentialOrigin());
    if (options.initialTokenData && Object.keys(options.initialTokenData).length > 0) {
      await authenticator.updateCredentialData(options.initialTokenData);
    }
    const warnings = await Auth.#fileWarnings(client, tokenFile);
    return new Auth(client, authenticator, tokenFile, options.profileName ?? null, warnings);
  }

  /**
   * A context from an auth client config (`Auth.initialize_from_config`): builds the config's client through
   * its kernel (or `options.kernel`).
   */
  static async initializeFromConfig(config: AuthClientConfig, options: AuthInitOptions = {}): Promise<Auth> {
    const kernel = options.kernel ?? config.kernel();
    return Auth.initializeFromClient(await kernel.clientFromConfig(config), options);
  }

  /**
   * A context from a config dict. A dict literal whose `client_type` is registered in `ConfigDicts`
   * (every built-in, and plugins that add theirs) is type-checked against that type's schema: a
   * misspelt or unknown key, a missing required key or a value of the wrong type fails to compile.
   * A dict typed `JsonObject` (read from a file, built at run time) is checked at run time only.
   */
  static async initializeFromConfigDict<const D extends JsonObject>(clientConfig: D & CheckedConfigDict<D>, options: AuthInitOptions = {}): Promise<Auth> {
    const kernel = options.kernel ?? defaultKernel();
    const config = kernel.configFromDict(clientConfig);
    if (options.storageProvider) config.setStorageProvider(options.storageProvider);
    return Auth.initializeFromConfig(config, { ...options, kernel });
  }

  /**
   * A context from a profile, looked up by the kernel's profile resolver (`profilesOf(kernel)`): a
   * built-in profile, else the user's `~/.planet/<name>/<config file>`, else a profile a host
   * registered, else one of the discovered project file — the same answer the factory and `plauth`
   * get. The token file is the profile's (a discovered profile's lives under
   * `~/.planet/.discovered/<config file id>/<name>/`), unless one is given.
   *
   * With no name, the profile is chosen as the Python library chooses it: the `PL_AUTH_PROFILE`
   * environment variable, then `PL_AUTH_PROFILE` in `~/.planet.json`, then the discovered default
   * profile, then the built-in default profile (the none plugin's `none`: no authentication).
   */
  static async initializeFromProfile(profileName?: string, options: Omit<AuthInitOptions, "profileName"> = {}): Promise<Auth> {
    const kernel = options.kernel ?? defaultKernel();
    const profiles = profilesOf(kernel);
    const storage = options.storageProvider ?? null;
    profileName ||= (await profiles.selectedProfile({ storage })).name;
    const found = await profiles.resolve(profileName, { storage });
    const tokenFile = options.tokenFile === undefined ? found.tokenFile : options.tokenFile;
    return Auth.initializeFromConfig(found.config, { ...options, kernel, profileName: found.name, tokenFile });
  }

  /** The auth client this context uses. */
  authClient(): AuthClient {
    return this.#client;
  }
  /**
   * The request authenticator: adds this context's credential to your HTTP requests (got hooks, fetch, axios)
   * and refreshes it when it expires.
   */
  requestAuthenticator(): RequestAuthenticator {
    return this.#authenticator;
  }
  /** The storage key the credential is saved under; null when it lives in memory only. */
  tokenFilePath(): string | null {
    return this.#tokenFile;
  }
  /** The profile this context was built from; null when it was built from a config or client. */
  profileName(): string | null {
    return this.#profileName;
  }
  /** Warnings about this context's files found at construction (also logged), e.g. a token file readable by others. */
  warnings(): readonly string[] {
    return this.#warnings;
  }


  async #adoptCredential(credential: Credential | null | undefined): Promise<Credential> {
    if (!credential) throw new AuthClientContextException("Unknown login failure: no credential was returned");
    credential.setPath(this.#tokenFile);
    credential.setStorageProvider(this.#client.credentialStorageProvider());
    credential.bindOrigin(this.#client.credentialOrigin());
    await credential.save();
    this.#authenticator.updateCredential(credential);
    return credential;
  }

  /**
   * Log in (`Auth.login` in the Python library): the client obtains a new credential, which is saved to the
   * token file and used for requests from then on. The browser and terminal prompts are off unless `options`
   * allow them (`allowOpenBrowser`, `allowTtyPrompt`).
   */
  async login(options: LoginOptions = {}): Promise<Credential> {
    const credential = await this.#client.login({ allowOpenBrowser: false, allowTtyPrompt: false, ...options });
    return this.#adoptCredential(credential);
  }

  /**
   * Start a device-code login; show the returned user code and verification URI to the user, then call
   * `deviceLoginComplete` with it.
   */
  async deviceLoginInitiate(options: LoginOptions = {}): Promise<JsonObject> {
    return this.#client.deviceLoginInitiate(options);
  }

  /**
   * Finish a device-code login: waits for the user's approval, then saves and uses the credential as
   * `login()` does.
   */
  async deviceLoginComplete(initiated: JsonObject, options: { signal?: AbortSignal } = {}): Promise<Credential> {
    return this.#adoptCredential(await this.#client.deviceLoginComplete(initiated, options));
  }

  /** A credential is at hand, or the client can obtain one without a person. Detects neither expiry nor validity. */
  async requestAuthenticatorIsReady(): Promise<boolean> {
    return (await this.#authenticator.isInitialized()) || this.#client.canLoginUnattended();
  }

  /**
   * Make sure requests can be authenticated, refreshing or logging in when needed. A credential that
   * cannot be read counts as absent. A client that can log in unattended and holds no credential logs
   * in now, so a misconfiguration (wrong secret, unreachable issuer, no key) fails here, at start-up,
   * rather than at the first request.
   */
  async ensureRequestAuthenticatorIsReady(options: { allowOpenBrowser?: boolean; allowTtyPrompt?: boolean } = {}): Promise<void> {
    const logger = this.#client.services.logger;
    const hasCredential = await this.#authenticator.isInitialized();
    const expired = hasCredential ? await this.#isExpired(false) : true;
    if (hasCredential && !expired) return;
    if (this.#client.canLoginUnattended()) {
      if (!hasCredential) await this.login();
      return;
    }
    if (hasCredential && expired) {
      try {
        if (!(await this.#isExpired(true))) return;
        logger.warning("Failed to refresh expired credentials; attempting interactive login");
      } catch (err) {
        logger.warning("Failed to refresh expired credentials; attempting interactive login", { exception: err });
      }
    }
    await this.login({ allowOpenBrowser: options.allowOpenBrowser ?? false, allowTtyPrompt: options.allowTtyPrompt ?? false });
  }

  async #isExpired(refreshIfNeeded: boolean): Promise<boolean> {
    let credential: Credential | null;
    try {
      credential = await this.#authenticator.credential(refreshIfNeeded);
      if (!credential) return true;
      return await credential.isExpired(nowSeconds(this.#client.services.clock));
    } catch (err) {
      if (refreshIfNeeded) throw err;
      return true;
    }
  }
}
