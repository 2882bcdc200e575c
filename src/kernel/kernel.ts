/**
 * The kernel: a plugin registry with its own tsyringe child container. It knows no protocol;
 * everything it can build comes from registered plugins. Two kernels share nothing.
 */
import type { DependencyContainer } from "tsyringe";
import { tsyringeRoot } from "./tsyringe-root.js";
import type { Ajv2020, ValidateFunction } from "ajv/dist/2020.js";
import { AuthClientException, PluginException, ProfileException } from "./errors.js";
import { createAjv, assertValid } from "./config-validation.js";
import { precompiledValidator } from "./schema-files.js";
import { definePlugin, type AuthPlugin, type ClientTypeContribution, type ConfigHint } from "./plugin.js";
import type { AuthClientConfig, AuthClientConfigClass } from "./auth-client-config.js";
import type { AuthClient, AuthClientClass } from "./auth-client.js";
import type { KernelServices } from "./services.js";
import type { JsonObject, ObjectStorageProvider, StorageFormat } from "./storage-provider.js";
import { FileStorageProvider } from "./storage/file-storage.js";
import { GotHttpClient } from "./http.js";
import { AuthLogger } from "./logging.js";
import { realSleep, systemBrowserOpener, systemClock, terminalDisplay, terminalPrompt } from "./seams.js";
import {
  BROWSER_OPENER, CLOCK, HTTP_CLIENT, LOGGER, SLEEP, STORAGE_PROVIDER, TTY_DISPLAY, TTY_PROMPT, type Token,
} from "./tokens.js";
import { validateProfileName } from "./profiles.js";

export interface ClientTypeMeta {
  clientType: string;
  displayName: string;
  description: string;
  configHints: ConfigHint[];
  authClientClass: AuthClientClass;
  configClass: AuthClientConfigClass;
}

export interface RegisteredClientType {
  clientType: string;
  plugin: string;
  schema: Record<string, unknown>;
  meta: ClientTypeMeta;
}

export interface DiscoveredProfile {
  name: string;
  config: JsonObject;
}

/** Values for the kernel's seams; anything not given gets the default. */
export type KernelServiceOverrides = Partial<Omit<KernelServices, "container">>;

export interface CreateKernelOptions {
  plugins?: readonly AuthPlugin[];
  services?: KernelServiceOverrides;
  /** Root of relative storage keys for the default filesystem provider (default: the home directory). */
  homeDir?: () => string;
}

interface ClientTypeEntry extends RegisteredClientType {
  validate?: ValidateFunction;
}

export class AuthKernel {
  readonly container: DependencyContainer;
  readonly #clientTypes = new Map<string, ClientTypeEntry>();
  readonly #plugins: AuthPlugin[] = [];
  readonly #formats: StorageFormat[] = [];
  readonly #providers = new Map<string, ObjectStorageProvider>();
  /** For schemas not compiled at build time (third-party plugins'); created on first need. */
  #ajv?: Ajv2020;
  #services?: KernelServices;
  #profiles = new Map<string, JsonObject>();
  #defaultProfile?: string;

  constructor(options: CreateKernelOptions = {}) {
    this.container = tsyringeRoot().createChildContainer();
    const c = this.container;
    c.register(HTTP_CLIENT, { useValue: new GotHttpClient() });
    c.register(CLOCK, { useValue: systemClock });
    c.register(SLEEP, { useValue: realSleep });
    c.register(BROWSER_OPENER, { useValue: systemBrowserOpener });
    c.register(TTY_PROMPT, { useValue: terminalPrompt });
    c.register(TTY_DISPLAY, { useValue: terminalDisplay });
    c.register(LOGGER, { useValue: new AuthLogger(null) });
    c.register(STORAGE_PROVIDER, { useValue: new FileStorageProvider({ formats: this.#formats, homeDir: options.homeDir }) });
    const s = options.services ?? {};
    const overrides: Array<[Token<unknown>, unknown]> = [
      [HTTP_CLIENT, s.http], [CLOCK, s.clock], [SLEEP, s.sleep], [BROWSER_OPENER, s.browserOpener],
      [TTY_PROMPT, s.prompt], [TTY_DISPLAY, s.display], [LOGGER, s.logger], [STORAGE_PROVIDER, s.storage],
    ];
    for (const [tok, value] of overrides) if (value !== undefined) c.register(tok, { useValue: value });
    for (const plugin of options.plugins ?? []) this.use(plugin);
  }

  /** Replace a seam. Objects built afterwards see the new value. */
  register<T>(tok: Token<T>, value: T): this {
    this.container.register(tok, { useValue: value });
    this.#services = undefined;
    return this;
  }

  /** The seams, resolved once (the hot path never touches the container). */
  get services(): KernelServices {
    if (!this.#services) {
      const c = this.container;
      const get = <T>(tok: Token<T>): T => c.resolve<T>(tok);
      this.#services = Object.freeze({
        container: c,
        http: get(HTTP_CLIENT),
        clock: get(CLOCK),
        sleep: get(SLEEP),
        browserOpener: get(BROWSER_OPENER),
        prompt: get(TTY_PROMPT),
        display: get(TTY_DISPLAY),
        logger: get(LOGGER),
        storage: get(STORAGE_PROVIDER),
      });
    }
    return this.#services!;
  }

  /** Register a plugin. Refuses a client_type or storage provider name already registered, naming both plugins. */
  use(plugin: AuthPlugin): this {
    const p = Object.isFrozen(plugin) ? plugin : definePlugin(plugin);
    if (this.#plugins.some((q) => q.name === p.name)) throw new PluginException(`Plugin "${p.name}" is already registered`);
    for (const ct of p.clientTypes ?? []) {
      const existing = this.#clientTypes.get(ct.clientType);
      if (existing) {
        throw new PluginException(
          `Plugin "${p.name}" contributes client_type "${ct.clientType}", already registered by plugin "${existing.plugin}"`,
          { clientType: ct.clientType },
        );
      }
    }
    for (const sp of p.storageProviders ?? []) {
      if (this.#providers.has(sp.name)) throw new PluginException(`Plugin "${p.name}" contributes storage provider "${sp.name}", already registered`);
    }
    for (const ct of p.clientTypes ?? []) this.#clientTypes.set(ct.clientType, this.#entry(p, ct));
    this.#formats.push(...(p.storageFormats ?? []));
    for (const sp of p.storageProviders ?? []) this.#providers.set(sp.name, sp.create(this.services));
    this.#plugins.push(p);
    p.register?.(this.container);
    this.#services = undefined;
    return this;
  }

  #entry(plugin: AuthPlugin, ct: ClientTypeContribution): ClientTypeEntry {
    return {
      clientType: ct.clientType,
      plugin: plugin.name,
      schema: ct.schema,
      meta: {
        clientType: ct.clientType,
        displayName: ct.meta.displayName,
        description: ct.meta.description,
        configHints: [...(ct.meta.configHints ?? [])],
        authClientClass: ct.clientClass,
        configClass: ct.configClass,
      },
    };
  }

  plugins(): readonly AuthPlugin[] {
    return [...this.#plugins];
  }

  /** Registered client types, in registration order, with their meta. */
  clientTypes(): RegisteredClientType[] {
    return [...this.#clientTypes.values()].map(({ validate: _v, ...rest }) => rest);
  }

  clientType(clientType: string): RegisteredClientType {
    const entry = this.#clientTypes.get(clientType);
    if (!entry) throw this.#unknownClientType(clientType);
    return entry;
  }

  #unknownClientType(value: unknown): AuthClientException {
    const known = [...this.#clientTypes.keys()].join(", ") || "(none registered)";
    return new AuthClientException(
      `Auth client config factory does not understand client_type ${JSON.stringify(value) ?? "undefined"}; registered client types: ${known}`,
    );
  }

  /** Validate a config dict against its client type's JSON Schema (all errors, with key paths). */
  validateConfigData(clientType: string, data: JsonObject): void {
    const entry = this.#clientTypes.get(clientType);
    if (!entry) throw this.#unknownClientType(clientType);
    entry.validate ??= precompiledValidator(entry.schema) ?? this.#compile(entry.schema);
    assertValid(entry.validate, clientType, data);
  }

  #compile(schema: Record<string, unknown>): ValidateFunction {
    this.#ajv ??= createAjv();
    return this.#ajv.getSchema(String(schema.$id)) ?? this.#ajv.compile(schema);
  }

  /** The seed's AuthClientConfig.from_dict: only checks non-empty and a known client_type. */
  configFromDict(dict: JsonObject | null | undefined): AuthClientConfig {
    if (!dict || typeof dict !== "object" || Object.keys(dict).length === 0) {
      throw new AuthClientException("Auth client config dictionary must not be empty or None");
    }
    const entry = this.#clientTypes.get(dict.client_type as string);
    if (typeof dict.client_type !== "string" || !entry) throw this.#unknownClientType(dict.client_type);
    return new entry.meta.configClass(dict, { kernel: this });
  }

  /** Read a config through a storage provider; the config remembers the path and provider for save(). */
  async configFromFile(filePath: string, storageProvider?: ObjectStorageProvider): Promise<AuthClientConfig> {
    const provider = storageProvider ?? this.services.storage;
    let config: AuthClientConfig;
    try {
      config = this.configFromDict(await provider.loadObj(filePath));
    } catch (err) {
      if (err instanceof AuthClientException) throw new AuthClientException(`${err.message} (File: ${filePath})`, { cause: err, filePath });
      throw err;
    }
    config.setPath(filePath);
    if (storageProvider) config.setStorageProvider(storageProvider);
    return config;
  }

  /** Build the client for a config (loading a file-backed config first); invalid config ⇒ AuthClientConfigException. */
  async clientFromConfig(config: AuthClientConfig): Promise<AuthClient> {
    await config.lazyLoad();
    const entry = this.#clientTypes.get(config.clientType());
    if (!entry || !(config instanceof entry.meta.configClass)) {
      throw new AuthClientException(`No auth client is registered for config class ${config.constructor.name}`);
    }
    const services = config.kernel() === this ? this.services : config.kernel().services;
    return new entry.meta.authClientClass(config, services);
  }

  /** The default provider, or a named one contributed by a plugin. */
  storageProvider(name?: string): ObjectStorageProvider {
    if (name === undefined) return this.services.storage;
    const provider = this.#providers.get(name);
    if (!provider) {
      const known = [...this.#providers.keys()].join(", ") || "(none)";
      throw new PluginException(`Unknown storage provider "${name}"; registered: ${known}`);
    }
    return provider;
  }

  /** Profiles found by config discovery (name → client config dict). */
  setDiscoveredProfiles(profiles: Record<string, JsonObject>, defaultProfile?: string): void {
    this.#profiles = new Map(Object.entries(profiles).map(([name, config]) => [name.toLowerCase(), config]));
    this.#defaultProfile = defaultProfile?.toLowerCase();
  }

  discoveredProfileNames(): string[] {
    return [...this.#profiles.keys()].sort();
  }

  hasDiscoveredProfile(name?: string): boolean {
    const wanted = (name ?? this.#defaultProfile)?.toLowerCase();
    return wanted !== undefined && this.#profiles.has(wanted);
  }

  discoveredProfile(name?: string): DiscoveredProfile {
    const wanted = (name ?? this.#defaultProfile)?.toLowerCase();
    if (!wanted) throw new ProfileException("No profile name given and no default profile is configured");
    validateProfileName(wanted);
    const config = this.#profiles.get(wanted);
    if (!config) {
      const known = this.discoveredProfileNames().join(", ") || "(none)";
      throw new ProfileException(`Unknown profile "${wanted}"; configured profiles: ${known}`);
    }
    return { name: wanted, config };
  }
}

export function createKernel(options: CreateKernelOptions = {}): AuthKernel {
  return new AuthKernel(options);
}
