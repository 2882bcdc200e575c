/**
 * `PlanetAuthFactory`: which identity an application or `plauth` uses, chosen from explicit
 * arguments, environment variables, `~/.planet.json`, discovered project configuration and built-in
 * profiles — Planet's policy on top of the kernel's public API.
 *
 * Order (first match wins):
 *  1. an explicit profile name (errors propagate);
 *  2. an explicit client id and secret (service account);
 *  3. an explicit API key;
 *  4. the profile named by `PL_AUTH_PROFILE` in the environment, else in `~/.planet.json` — if it
 *     cannot be loaded the factory falls back (recorded on the context as `resolution.fallback`,
 *     logged as a warning) unless `strict` is set, which makes it an error;
 *  5. client id and secret, each from the environment, else `~/.planet.json`;
 *  6. an API key from `PL_API_KEY` in the environment, else `~/.planet.json`;
 *  7. the key `key` of `~/.planet.json` (written by old Planet SDKs);
 *  8. the default profile of a discovered project configuration (`.planetauthrc` …);
 *  9. the built-in default profile.
 *
 * A profile name is looked up by the kernel's profile resolver (`src/profiles`), as `Auth` and
 * `plauth` look it up: a built-in (aliases followed), then on disk
 * (`~/.planet/<name>/auth_client(.sops).json`), then a host's source, then the discovered profiles:
 * a project configuration cannot redefine a profile the user or the application already has.
 */
import {
  Auth, ProfileException, profileConfigFileForWrite, resolveProfileTokenFile, saveProfileConfig, validateProfileName,
  defaultKernel,
  type AuthClientConfig, type AuthKernel, type BuiltinProfileSet, type Environment, type JsonObject, type ObjectStorageProvider,
} from "../kernel/index.js";
import { profilesOf, type BuiltinProfiles, type ProfileResolver } from "../profiles/index.js";
import { ENV, namespacedName, readUserConfig, type EnvKey } from "./user-config.js";

/**
 * The name of the built-in profile that authenticates with a Planet API key (`planet_auth_utils`'
 * `API_KEY_PROFILE`).
 */
export const API_KEY_PROFILE = "_PL_API_KEY";
const CLIENT_CREDENTIALS_TYPE = "oidc_client_credentials_secret";

/**
 * How a `PlanetAuthFactory` is set up: its kernel, the environment variables it reads and the built-in profiles.
 */
export interface PlanetAuthFactoryOptions {
  /** Default: the default kernel (built-in plugins plus whatever the application registered). */
  kernel?: AuthKernel;
  /** Environment variables. Default: the kernel's environment seam. */
  env?: Environment;
  /**
   * Built-in profile sets of the host application; they override those contributed by plugins. They
   * are registered on the kernel's profile resolver, so `Auth.initializeFromProfile` sees them too.
   */
  builtins?: readonly BuiltinProfileSet[];
}

/**
 * The explicit choices `PlanetAuthFactory.initializeAuthClientContext` takes (profile, client ID and secret,
 * API key, token file); what is not given is chosen from the environment and the profiles.
 */
export interface InitializeAuthClientContextOptions {
  authProfileOpt?: string | null | undefined;
  authClientIdOpt?: string | null | undefined;
  authClientSecretOpt?: string | null | undefined;
  authApiKeyOpt?: string | null | undefined;
  /** Storage key of the token file, instead of the profile's. */
  tokenFileOpt?: string | null | undefined;
  /** Default true; false keeps the credential in memory. */
  saveTokenFile?: boolean;
  /** Save a service-account config as its profile's config file. Default false. */
  saveProfileConfig?: boolean;
  /** Default true. */
  useEnv?: boolean;
  /** Read `~/.planet.json`. Default true. */
  useConfigfile?: boolean;
  /** A profile selected by the environment or `~/.planet.json` that cannot be loaded is an error instead of a fallback. */
  strict?: boolean;
}

/**
 * Which choice gave the context: an explicit argument, the environment, `~/.planet.json`, the discovered file
 * or a built-in default.
 */
export type ResolutionSource =
  | "argument-profile" | "argument-client-credentials" | "argument-api-key"
  | "environment-profile" | "user-config-profile"
  | "client-credentials" | "api-key" | "user-config-legacy-key"
  | "discovered-default" | "builtin-default";

/** How a context was chosen. */
export interface ContextResolution {
  source: ResolutionSource;
  /** Set when the profile selected by the environment or `~/.planet.json` could not be used and another identity was. */
  fallback: { requestedProfile: string; selectedBy: "environment" | "user-config"; reason: string } | null;
}

/** An auth context from the factory, with the record of how it was chosen. */
export type PlanetAuthContext = Auth & { readonly resolution: ContextResolution };

/** A profile's config as the factory found it: the profile name, its config and the source it came from. */
export interface ProfileConfig {
  /** The normalised name (built-in canonical name, or the lower-cased name). */
  name: string;
  config: AuthClientConfig;
  /** The source that defines it: `builtin`, `local` (`~/.planet`), `discovered`, or a host source's name. */
  source: string;
}

function withResolution(auth: Auth, resolution: ContextResolution): PlanetAuthContext {
  Object.defineProperty(auth, "resolution", { value: Object.freeze(resolution), enumerable: false });
  return auth as PlanetAuthContext;
}

const nonEmpty = (v: unknown): string | null => (typeof v === "string" && v ? v : null);

/**
 * Chooses the identity an application or `plauth` uses (the Python library's
 * `planet_auth_utils.PlanetAuthFactory`): from an explicit profile, client ID and secret or API key, else
 * `PL_AUTH_PROFILE` (environment, then `~/.planet.json`), else the discovered project file's and the built-in
 * default profiles. `initializeAuthClientContext` returns the `Auth` context and records how it was chosen.
 */
export class PlanetAuthFactory {
  readonly kernel: AuthKernel;
  readonly #env: Environment;

  /**
   * A factory over a kernel (default: the default kernel), reading the given environment (default:
   * `process.env`).
   */
  constructor(options: PlanetAuthFactoryOptions = {}) {
    this.kernel = options.kernel ?? defaultKernel();
    this.#env = options.env ?? this.kernel.services.env;
    for (const set of options.builtins ?? []) this.profiles.registerBuiltinProfiles(set);
  }

  /** The kernel's profile resolver: every lookup of this factory goes through it. */
  get profiles(): ProfileResolver {
    return profilesOf(this.kernel);
  }

  /** Add a host application's built-in profiles (programmatic registration; nothing is loaded by name). */
  registerBuiltinProfiles(set: BuiltinProfileSet): this {
    this.profiles.registerBuiltinProfiles(set);
    return this;
  }

  /** Built-in profiles of the registered plugins, then of the host application. */
  builtins(): BuiltinProfiles {
    return this.profiles.builtins();
  }

  get storage(): ObjectStorageProvider {
    return this.kernel.services.storage;
  }

  /** A variable's name with the built-in namespace applied (also its key in `~/.planet.json`). */
  envName(key: EnvKey): string {
    return namespacedName(this.builtins().namespace, ENV[key]);
  }

  /** A variable's non-empty value. */
  envValue(key: EnvKey): string | null {
    return nonEmpty(this.#env[this.envName(key)]);
  }

  /** The built-in default profile name, if a plugin or host set names one (the none plugin names `none`). */
  builtinDefaultProfileName(): string | undefined {
    return this.builtins().defaultProfile();
  }

  /** A profile's config, from the kernel's profile resolver. Missing ⇒ ProfileException naming the file looked for. */
  async loadAuthClientConfigFromProfile(profileName: string): Promise<ProfileConfig> {
    const { name, config, source } = await this.profiles.resolve(profileName);
    return { name, config, source };
  }

  /**
   * Key a profile's config is written to: its existing config file of the highest priority, else
   * `auth_client.json`, or with `sops` the SOPS file name a registered storage format offers
   * (`auth_client.sops.json`). See `profileConfigFileForWrite`.
   */
  async profileConfigKeyForWrite(profileName: string, options: { sops?: boolean } = {}): Promise<string> {
    const name = profileName.toLowerCase();
    validateProfileName(name);
    let preferred: string | undefined;
    if (options.sops) {
      preferred = this.kernel.profileFileNames().config.find((f) => f.endsWith(".sops.json"));
      if (!preferred) throw new ProfileException("No storage format for SOPS files is registered (the storage-sops plugin)");
    }
    return profileConfigFileForWrite(name, this.storage, this.kernel.profileFileNames(), preferred);
  }

  /** On-disk profile names (directories of `~/.planet` holding a config file), sorted. Needs the filesystem provider. */
  async onDiskProfileNames(): Promise<string[]> {
    const local = this.profiles.sources().find((s) => s.name === "local")!;
    return local.names({ kernel: this.kernel, storage: this.storage, explicitStorage: false });
  }

  async #tokenFile(name: string, options: InitializeAuthClientContextOptions): Promise<string | null> {
    if (options.tokenFileOpt) return options.tokenFileOpt;
    if (options.saveTokenFile === false) return null;
    return resolveProfileTokenFile(name, this.storage, this.kernel.profileFileNames());
  }

  #profileContext(profileName: string, options: InitializeAuthClientContextOptions): Promise<Auth> {
    const tokenFile = options.tokenFileOpt || (options.saveTokenFile === false ? null : undefined);
    return Auth.initializeFromProfile(profileName, { kernel: this.kernel, tokenFile });
  }

  async #serviceAccountContext(clientId: string, clientSecret: string, options: InitializeAuthClientContextOptions): Promise<Auth> {
    const builtins = this.builtins();
    const m2m = builtins.defaultProfileFor(CLIENT_CREDENTIALS_TYPE);
    const base = m2m ? builtins.config(m2m) : null;
    if (!base) {
      throw new ProfileException(
        `A client id and secret were given, but no built-in profile for client_type ${CLIENT_CREDENTIALS_TYPE} is registered ` +
          "(register one with defaultProfileByClientType, or select a profile instead)",
        { clientType: CLIENT_CREDENTIALS_TYPE },
      );
    }
    const config = this.kernel.configFromDict({ ...base.config, client_id: clientId, client_secret: clientSecret });
    if (config.clientType() !== CLIENT_CREDENTIALS_TYPE) {
      throw new ProfileException(`Built-in profile "${base.name}" registered for ${CLIENT_CREDENTIALS_TYPE} has client_type ${config.clientType()}`, {
        clientType: config.clientType(),
      });
    }
    const profileName = `${base.name}-${clientId}`;
    if (options.saveProfileConfig) await saveProfileConfig(profileName, config, this.storage);
    const tokenFile = await this.#tokenFile(profileName, options);
    return Auth.initializeFromConfig(config, { kernel: this.kernel, profileName, tokenFile });
  }

  #apiKeyContext(apiKey: string): Promise<Auth> {
    const config = this.kernel.configFromDict({ client_type: "static_apikey", api_key: apiKey, bearer_token_prefix: "api-key" });
    return Auth.initializeFromConfig(config, { kernel: this.kernel, profileName: API_KEY_PROFILE, tokenFile: null });
  }

  /** The auth context for the given arguments, environment and user configuration (order in the module comment). */
  async initializeAuthClientContext(options: InitializeAuthClientContextOptions = {}): Promise<PlanetAuthContext> {
    const result = (auth: Auth, source: ResolutionSource, fallback: ContextResolution["fallback"] = null) =>
      withResolution(auth, { source, fallback });
    if (options.authProfileOpt) return result(await this.#profileContext(options.authProfileOpt, options), "argument-profile");
    if (options.authClientIdOpt && options.authClientSecretOpt) {
      return result(await this.#serviceAccountContext(options.authClientIdOpt, options.authClientSecretOpt, options), "argument-client-credentials");
    }
    if (options.authApiKeyOpt) return result(await this.#apiKeyContext(options.authApiKeyOpt), "argument-api-key");

    const useEnv = options.useEnv !== false;
    const file = options.useConfigfile === false ? {} : await readUserConfig(this.storage);
    const fromEnv = (key: EnvKey) => (useEnv ? this.envValue(key) : null);
    const fromFile = (key: EnvKey) => nonEmpty(file[this.envName(key)]);
    const logger = this.kernel.services.logger;

    let fallback: ContextResolution["fallback"] = null;
    const selection = this.profiles.userSelection(useEnv ? this.#env : null, file);
    if (selection) {
      const { name: profileName, selectedBy } = selection as { name: string; selectedBy: "environment" | "user-config" };
      try {
        return result(await this.#profileContext(profileName, options), selectedBy === "environment" ? "environment-profile" : "user-config-profile");
      } catch (err) {
        if (options.strict) throw err;
        const reason = (err as Error).message;
        fallback = { requestedProfile: profileName, selectedBy, reason };
        logger.warning(`Auth profile "${profileName}" (from ${selectedBy === "environment" ? this.envName("profile") : "~/.planet.json"}) could not be loaded; falling back: ${reason}`);
      }
    }
    const clientId = options.authClientIdOpt || fromEnv("clientId") || fromFile("clientId");
    const clientSecret = options.authClientSecretOpt || fromEnv("clientSecret") || fromFile("clientSecret");
    if (clientId && clientSecret) return result(await this.#serviceAccountContext(clientId, clientSecret, options), "client-credentials", fallback);
    const apiKey = options.authApiKeyOpt || fromEnv("apiKey") || fromFile("apiKey");
    if (apiKey) return result(await this.#apiKeyContext(apiKey), "api-key", fallback);
    const legacyKey = nonEmpty(file.key);
    if (legacyKey) return result(await this.#apiKeyContext(legacyKey), "user-config-legacy-key", fallback);

    const byDefault = this.profiles.defaultSelection();
    if (!byDefault) {
      throw new ProfileException(`No auth profile, client credentials or API key is selected, and no built-in default profile is registered (set ${this.envName("profile")})`);
    }
    if (byDefault.selectedBy === "builtin-default" && fallback) logger.warning(`Using the built-in default auth profile "${byDefault.name}"`);
    const source = byDefault.selectedBy === "discovered-default" ? "discovered-default" : "builtin-default";
    return result(await this.#profileContext(byDefault.name, options), source, fallback);
  }

  /**
   * A context from a config dict under a profile name. `initialTokenData` is written into the
   * credential (and saved when there is a token file); `saveProfileConfig` (default true) saves the
   * config as the profile's config file.
   */
  async initializeAuthClientContextFromCustomConfig(
    clientConfig: JsonObject,
    profileName: string,
    options: { initialTokenData?: JsonObject | null; saveTokenFile?: boolean; saveProfileConfig?: boolean; storageProvider?: ObjectStorageProvider } = {},
  ): Promise<Auth> {
    validateProfileName(profileName);
    const storage = options.storageProvider ?? this.storage;
    const config = this.kernel.configFromDict(clientConfig);
    if (options.storageProvider) config.setStorageProvider(options.storageProvider);
    const tokenFile = options.saveTokenFile === false ? null : await resolveProfileTokenFile(profileName, storage, this.kernel.profileFileNames());
    if (options.saveProfileConfig !== false) await saveProfileConfig(profileName, config, storage);
    return Auth.initializeFromConfig(config, {
      kernel: this.kernel, profileName, tokenFile, initialTokenData: options.initialTokenData, storageProvider: options.storageProvider,
    });
  }

  /**
   * A multi-issuer validator for a trust environment (case-insensitive). An environment mapped to
   * null (e.g. `CUSTOM`) takes its trusted auth servers from the caller.
   */
  async initializeResourceServerValidator(environment: string, trustedAuthServerConfigs?: JsonObject[] | null) {
    const builtins = this.builtins();
    const name = environment.toUpperCase();
    const configured = builtins.trustEnvironment(name);
    if (configured === undefined) {
      throw new ProfileException(`Unknown trust environment "${environment}"; known: ${builtins.trustEnvironmentNames().join(", ")}`);
    }
    let configs: JsonObject[];
    if (configured === null) {
      if (!trustedAuthServerConfigs?.length) throw new ProfileException(`Trust environment ${name} needs trusted auth server configs`);
      configs = trustedAuthServerConfigs;
    } else {
      if (trustedAuthServerConfigs?.length) this.kernel.services.logger.warning(`Trust environment ${name} is built in; the given auth server configs are ignored`);
      configs = configured;
    }
    const { OidcMultiIssuerValidator } = await import("../plugins/oidc/index.js");
    return OidcMultiIssuerValidator.fromAuthServerConfigs(configs, { kernel: this.kernel });
  }
}
