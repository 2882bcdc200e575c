/**
 * The kernel: a plugin registry with its own tsyringe container (no parent: nothing registered on
 * tsyringe's global container reaches it; made when first asked for). It knows no protocol; everything it can build comes from
 * registered plugins, and every service is a provider in its container. Two kernels share nothing.
 */
import type { DependencyContainer } from "tsyringe";
import type { Ajv2020, ValidateFunction } from "ajv/dist/2020.js";
import {
  AuthClientException, PluginDependencyException, PluginException, PluginVersionException,
} from "./errors.js";
import { createAjv, assertValid } from "./config-validation.js";
import { precompiledValidator } from "./schema-files.js";
import { compilePluginSchema, forgetSchema } from "./plugin-schema.js";
import {
  definePlugin, isDefinedPlugin, type AuthPlugin, type ConfigHint, type DefinedClientTypeContribution, type DefinedPlugin,
  type StorageProviderContribution,
} from "./plugin.js";
import type { AuthClientConfig, AuthClientConfigClass } from "./auth-client-config.js";
import type { AuthClient, AuthClientClass } from "./auth-client.js";
import type { KernelServices } from "./services.js";
import type { JsonObject, ObjectStorageProvider, ProfileFileNames, StorageFormat, StorageOptions } from "./storage-provider.js";
import { SecretNames, secretFieldNames } from "./redact.js";
import { FileStorageProvider } from "./storage/file-storage.js";
import { GotHttpClient } from "./http.js";
import { AuthLogger } from "./logging.js";
import { processEnvironment, realSleep, systemBrowserOpener, systemClock, terminalDisplay, terminalPrompt } from "./seams.js";
import {
  bindProvider, createIsolatedContainer, isServiceProvider, registerBinding, resolveBinding, type Binding, type Disposer, type ServiceProvider,
  type ServiceResolver,
} from "./container.js";
import {
  BROWSER_OPENER, CLOCK, ENVIRONMENT, HTTP_CLIENT, LOGGER, SLEEP, STORAGE_PROVIDER, TTY_DISPLAY, TTY_PROMPT, type Token,
} from "./tokens.js";
import { CONFIG_FILE, TOKEN_FILE } from "./profiles.js";
import { LIBRARY_VERSION } from "./version.js";
import { satisfiesVersionRange } from "./version-range.js";
import { lazyLoader } from "./lazy.js";

/** What a wizard shows of a client type: display name, description and config hints. */
export interface ClientTypeMeta {
  clientType: string;
  displayName: string;
  description: string;
  configHints: ConfigHint[];
  /** The client class: given by the plugin, or once `loadAuthClientClass` has loaded it. */
  authClientClass?: AuthClientClass;
  /** The client class, loaded on the first call when the plugin gives it as `loadClientClass`. */
  loadAuthClientClass: () => Promise<AuthClientClass>;
  configClass: AuthClientConfigClass;
}

/** A client type as registered with a kernel: its name, config and client classes, and meta. */
export interface RegisteredClientType {
  clientType: string;
  plugin: string;
  schema: Record<string, unknown>;
  meta: ClientTypeMeta;
}

/** Values for the kernel's seams; anything not given gets the default. */
export type KernelServiceOverrides = Partial<Omit<KernelServices, "container">>;

/**
 * Options of `createKernel`: the plugins, the services to use instead of the defaults, the home directory
 * relative storage keys resolve against, and the size cap of files it reads.
 */
export interface CreateKernelOptions {
  plugins?: readonly AuthPlugin[];
  services?: KernelServiceOverrides;
  /** Root of relative storage keys for the default filesystem provider (default: the home directory). */
  homeDir?: () => string;
  /** Largest file the default filesystem provider reads, in bytes (default 1 MiB). */
  maxFileBytes?: number;
}

interface ClientTypeEntry extends RegisteredClientType {
  validate: ValidateFunction;
}

type Staged = readonly [Token<unknown>, ServiceProvider<unknown>];

/** A service token's name for messages. */
function tokenName(tok: Token<unknown>): string {
  return tok.description ?? String(tok);
}

export class AuthKernel implements ServiceResolver {
  /** Every service of this kernel, by token: what `resolve` returns until the container exists. */
  readonly #bindings = new Map<Token<unknown>, Binding<unknown>>();
  #container?: DependencyContainer;
  readonly #clientTypes = new Map<string, ClientTypeEntry>();
  readonly #plugins: AuthPlugin[] = [];
  readonly #formats: StorageFormat[] = [];
  /** What logs and errors of this kernel redact: client types' `x-secret` fields and plugins' runtime secret names. */
  readonly secretNames = new SecretNames();
  readonly #providers = new Map<string, ObjectStorageProvider>();
  readonly #configurableProviders = new Map<string, StorageProviderContribution>();
  /** Tokens the host application provided: plugin defaults never replace them. */
  readonly #hostTokens = new Set<Token<unknown>>();
  /** Which plugin provided each plugin service (two plugins may not provide the same token). */
  readonly #serviceOwners = new Map<Token<unknown>, string>();
  /** For schemas not compiled at build time (third-party plugins'); created on first need. */
  #ajv?: Ajv2020;
  #services?: KernelServices;
  /** What `close()` runs, in registration order (run last first). */
  readonly #disposers: Disposer[] = [];
  #closed?: Promise<void>;

  /** Prefer `createKernel` / `createDefaultKernel`. */
  constructor(options: CreateKernelOptions = {}) {
    this.#bind(HTTP_CLIENT, { useFactory: () => new GotHttpClient() });
    this.#bind(CLOCK, { useValue: systemClock });
    this.#bind(SLEEP, { useValue: realSleep });
    this.#bind(BROWSER_OPENER, { useValue: systemBrowserOpener });
    this.#bind(TTY_PROMPT, { useValue: terminalPrompt });
    this.#bind(TTY_DISPLAY, { useValue: terminalDisplay });
    this.#bind(LOGGER, { useFactory: () => new AuthLogger(null) });
    const logger = () => this.resolve(LOGGER);
    this.#bind(ENVIRONMENT, { useValue: processEnvironment });
    // Reads the formats as plugins register them (the array is shared, not copied).
    this.#bind(STORAGE_PROVIDER, {
      useFactory: () => new FileStorageProvider({
        formats: this.#formats, homeDir: options.homeDir, maxFileBytes: options.maxFileBytes, lock: { logger }, env: () => this.resolve(ENVIRONMENT),
      }),
    });
    const s = options.services ?? {};
    const overrides: Array<[Token<unknown>, unknown]> = [
      [HTTP_CLIENT, s.http], [CLOCK, s.clock], [SLEEP, s.sleep], [BROWSER_OPENER, s.browserOpener],
      [TTY_PROMPT, s.prompt], [TTY_DISPLAY, s.display], [LOGGER, s.logger], [STORAGE_PROVIDER, s.storage], [ENVIRONMENT, s.env],
    ];
    for (const [tok, value] of overrides) if (value !== undefined) this.provide(tok, { useValue: value });
    for (const plugin of options.plugins ?? []) this.use(plugin);
  }

  /**
   * Override (or add) a service for this kernel only, before or after plugins are registered; it
   * wins over any plugin's default for the same token. Objects built afterwards see it.
   */
  provide<T>(tok: Token<T>, provider: ServiceProvider<T>): this {
    if (!isServiceProvider(provider)) {
      throw new PluginException(`Invalid provider for ${tokenName(tok)}: give exactly one of useValue, useFactory or useClass`);
    }
    this.#hostTokens.add(tok);
    this.#bind(tok, provider);
    return this;
  }

  /** Override a service with a value (`provide(token, { useValue: value })`). */
  register<T>(tok: Token<T>, value: T): this {
    return this.provide(tok, { useValue: value });
  }

  /**
   * The kernel's own tsyringe container (no parent), holding every service of the kernel. Made (and
   * tsyringe loaded) when first asked for: a process that only uses the kernel's own services never
   * loads tsyringe. From then on `resolve` goes through it, so what an application registers in it
   * directly is resolved too.
   */
  get container(): DependencyContainer {
    if (!this.#container) {
      const container = createIsolatedContainer();
      for (const [tok, binding] of this.#bindings) registerBinding(container, tok, binding);
      this.#container = container;
    }
    return this.#container;
  }

  /** The service registered for `tok` in this kernel. */
  resolve<T>(tok: Token<T>): T {
    if (!this.isProvided(tok)) throw new PluginException(`No service is registered for ${tokenName(tok)}`);
    return this.#container ? this.#container.resolve<T>(tok) : resolveBinding(this.#bindings.get(tok) as Binding<T>);
  }

  isProvided(tok: Token<unknown>): boolean {
    return this.#container ? this.#container.isRegistered(tok) : this.#bindings.has(tok);
  }

  #bind<T>(tok: Token<T>, provider: ServiceProvider<T>): void {
    const binding = bindProvider(provider, this);
    this.#bindings.set(tok, binding);
    if (this.#container) registerBinding(this.#container, tok, binding);
    this.#services = undefined;
  }

  /** The seams, resolved once (the hot path never touches the container). */
  get services(): KernelServices {
    if (!this.#services) {
      const get = <T>(tok: Token<T>): T => this.resolve(tok);
      const logger = get(LOGGER);
      logger.useSecretNames(this.secretNames);
      const container = () => this.container;
      this.#services = Object.freeze({
        // A getter: handing out the services makes no container.
        get container() {
          return container();
        },
        http: get(HTTP_CLIENT),
        clock: get(CLOCK),
        sleep: get(SLEEP),
        browserOpener: get(BROWSER_OPENER),
        prompt: get(TTY_PROMPT),
        display: get(TTY_DISPLAY),
        logger,
        env: get(ENVIRONMENT),
        storage: get(STORAGE_PROVIDER),
        secretNames: this.secretNames,
        resolve: <T>(tok: Token<T>): T => this.resolve(tok),
        isProvided: (tok: Token<unknown>): boolean => this.isProvided(tok),
        onClose: (disposer: Disposer): void => this.onClose(disposer),
      });
    }
    return this.#services;
  }

  onClose(disposer: Disposer): void {
    if (typeof disposer !== "function") throw new PluginException("onClose needs a function");
    if (this.#closed) throw new PluginException("This kernel is closed: nothing more can be opened on it");
    this.#disposers.push(disposer);
  }

  /**
   * Close what the kernel's services and storage providers opened (Redis connections, listeners,
   * timers), running the disposers they registered with `onClose`, last registered first. Every
   * disposer runs even when one fails; then the failure is thrown (an AggregateError for several).
   * Idempotent: later calls return the same promise. The kernel's registry stays readable, but
   * nothing new can be opened on it.
   */
  close(): Promise<void> {
    this.#closed ??= this.#runDisposers();
    return this.#closed;
  }

  /** `await using kernel = await loadKernel()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #runDisposers(): Promise<void> {
    const failures: unknown[] = [];
    for (let disposer = this.#disposers.pop(); disposer; disposer = this.#disposers.pop()) {
      try {
        await disposer();
      } catch (err) {
        failures.push(err);
      }
    }
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1) throw new AggregateError(failures, `${failures.length} disposers failed while closing the kernel`);
  }

  /**
   * Register a plugin. Refuses a plugin whose dependencies are not registered yet
   * (PluginDependencyException), whose planet-auth range this version does not satisfy
   * (PluginVersionException), or that contributes a client_type, storage provider or service
   * already registered by another plugin. Atomic: when anything fails — including the plugin's
   * `register` hook or a storage provider's `create` — nothing of the plugin is registered.
   */
  use(plugin: AuthPlugin): this {
    const p = isDefinedPlugin(plugin) ? plugin : definePlugin(plugin);
    this.#checkAcceptable(p);
    const entries: ClientTypeEntry[] = [];
    try {
      for (const ct of p.clientTypes ?? []) entries.push(this.#entry(p, ct));
      this.#accept(p, entries);
    } catch (err) {
      // Schemas compiled for this plugin go with it, so a corrected plugin can register later.
      for (const entry of entries) if (this.#ajv && !precompiledValidator(entry.schema)) forgetSchema(this.#ajv, entry.schema);
      throw err;
    }
    return this;
  }

  #accept(p: DefinedPlugin, entries: readonly ClientTypeEntry[]): void {
    const staged: Staged[] = [];
    p.register?.({
      provide: (tok, provider) => {
        if (!isServiceProvider(provider)) {
          throw new PluginException(`Plugin "${p.name}" gives an invalid provider for ${tokenName(tok)}: give exactly one of useValue, useFactory or useClass`);
        }
        const owner = this.#serviceOwners.get(tok);
        if (owner) throw new PluginException(`Plugin "${p.name}" provides ${tokenName(tok)}, already provided by plugin "${owner}"`);
        staged.push([tok, provider]);
      },
    });
    const providers = (p.storageProviders ?? []).map((sp) => [sp.name, sp.create?.(this.services)] as const);
    const configurable = (p.storageProviders ?? []).filter((sp) => sp.fromOptions);
    // Nothing above changed the kernel; from here on nothing can fail.
    for (const entry of entries) this.#clientTypes.set(entry.clientType, entry);
    this.#formats.push(...(p.storageFormats ?? []));
    this.secretNames.add(p.secretNames ?? []);
    for (const ct of p.clientTypes ?? []) this.secretNames.add(secretFieldNames(ct.schema));
    for (const [name, provider] of providers) if (provider) this.#providers.set(name, provider);
    for (const sp of configurable) this.#configurableProviders.set(sp.name, sp);
    for (const [tok, provider] of staged) {
      this.#serviceOwners.set(tok, p.name);
      if (!this.#hostTokens.has(tok)) this.#bind(tok, provider);
    }
    this.#plugins.push(p);
    this.#services = undefined;
  }

  #checkAcceptable(p: DefinedPlugin): void {
    if (this.#plugins.some((q) => q.name === p.name)) throw new PluginException(`Plugin "${p.name}" is already registered`);
    const missing = (p.dependencies ?? []).filter((name) => !this.#plugins.some((q) => q.name === name));
    if (missing.length) {
      const registered = this.#plugins.map((q) => q.name).join(", ") || "(none)";
      throw new PluginDependencyException(
        `Plugin "${p.name}" depends on ${missing.map((m) => `"${m}"`).join(", ")}, not registered on this kernel (register it first); registered: ${registered}`,
      );
    }
    if (p.planetAuth !== undefined && !satisfiesVersionRange(LIBRARY_VERSION, p.planetAuth)) {
      throw new PluginVersionException(`Plugin "${p.name}" needs planet-auth ${p.planetAuth}; this is planet-auth ${LIBRARY_VERSION}`);
    }
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
      if (this.#providers.has(sp.name) || this.#configurableProviders.has(sp.name)) throw new PluginException(`Plugin "${p.name}" contributes storage provider "${sp.name}", already registered`);
    }
  }

  /** A client type's registry entry, its schema compiled (PluginSchemaException when it cannot be). */
  #entry(plugin: AuthPlugin, ct: DefinedClientTypeContribution): ClientTypeEntry {
    const meta: ClientTypeMeta = {
      clientType: ct.clientType,
      displayName: ct.meta.displayName,
      description: ct.meta.description,
      configHints: [...(ct.meta.configHints ?? [])],
      authClientClass: ct.clientClass,
      loadAuthClientClass: ct.clientClass
        ? () => Promise.resolve(meta.authClientClass!)
        : lazyLoader(async () => {
          const loaded = await ct.loadClientClass!();
          if (typeof loaded !== "function") {
            throw new PluginException(`Plugin "${plugin.name}": loadClientClass of client_type "${ct.clientType}" gave no class`, { clientType: ct.clientType });
          }
          return (meta.authClientClass = loaded);
        }),
      configClass: ct.configClass,
    };
    return {
      validate: precompiledValidator(ct.schema) ?? this.#compile(plugin.name, ct),
      clientType: ct.clientType,
      plugin: plugin.name,
      schema: ct.schema,
      meta,
    };
  }

  /**
   * The profile file names to look for, in priority order: those the registered storage formats
   * offer (in registration order), then the base format's `auth_client.json` / `token.json`.
   */
  profileFileNames(): ProfileFileNames {
    const offered = (kind: keyof ProfileFileNames) => this.#formats.flatMap((f) => f.profileFiles?.[kind] ?? []);
    return { config: [...offered("config"), CONFIG_FILE], token: [...offered("token"), TOKEN_FILE] };
  }

  /** A deep copy of `value` with this kernel's secret values replaced: safe to log or put in an error. */
  redact(value: unknown): unknown {
    return this.secretNames.redact(value);
  }

  /** The plugins registered with this kernel, in registration order. */
  plugins(): readonly AuthPlugin[] {
    return [...this.#plugins];
  }

  /** Registered client types, in registration order, with their meta. */
  clientTypes(): RegisteredClientType[] {
    return [...this.#clientTypes.values()].map(({ validate: _v, ...rest }) => rest);
  }

  /**
   * A registered client type, with its config and client classes and meta; throws `AuthClientException`
   * naming the registered ones when it is unknown.
   */
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
    assertValid(entry.validate, clientType, data);
  }

  #compile(plugin: string, ct: DefinedClientTypeContribution): ValidateFunction {
    this.#ajv ??= createAjv();
    return compilePluginSchema(this.#ajv, { plugin, clientType: ct.clientType, schema: ct.schema });
  }

  /** As `AuthClientConfig.from_dict` of the Python library (`planet_auth`): only checks non-empty and a known client_type. */
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
    // The instanceof check above pairs the config with the class registered for its client_type.
    const Client = (await entry.meta.loadAuthClientClass()) as unknown as new (config: AuthClientConfig, services: KernelServices) => AuthClient;
    return new Client(config, services);
  }

  /** The default provider, or a named ready-made one contributed by a plugin. */
  storageProvider(name?: string): ObjectStorageProvider {
    if (name === undefined) return this.services.storage;
    const provider = this.#providers.get(name);
    if (!provider) {
      const hint = this.#configurableProviders.has(name) ? ` (it is built from options: use createStorageProvider({ type: "${name}", ... }))` : "";
      throw new PluginException(`Unknown storage provider "${name}"${hint}; registered: ${this.#storageProviderNames()}`);
    }
    return provider;
  }

  /**
   * A new storage provider of a type a plugin contributes with `fromOptions`, e.g. from a discovered
   * config's `storage` entry. Unknown type ⇒ PluginException listing the registered ones.
   */
  createStorageProvider(options: StorageOptions): ObjectStorageProvider {
    const { type, ...rest } = options;
    const contribution = typeof type === "string" ? this.#configurableProviders.get(type) : undefined;
    if (!contribution?.fromOptions) {
      throw new PluginException(`Unknown storage type ${JSON.stringify(type)}; types built from options: ${[...this.#configurableProviders.keys()].join(", ") || "(none)"}`);
    }
    return contribution.fromOptions(rest, this.services);
  }

  #storageProviderNames(): string {
    return [...new Set([...this.#providers.keys(), ...this.#configurableProviders.keys()])].join(", ") || "(none)";
  }
}

/**
 * A kernel with exactly the plugins given in `options.plugins` (none by default), its own service container,
 * storage and logger. `createDefaultKernel` adds the built-in plugins.
 */
export function createKernel(options: CreateKernelOptions = {}): AuthKernel {
  return new AuthKernel(options);
}
