/**
 * Plugins are typed values: a name, a version, what they need (other plugins, a planet-auth version
 * range) and what they contribute. `definePlugin` checks the manifest against
 * `schemas/plugin-manifest.schema.json` plus the function/class members a schema cannot see, and
 * freezes it. Registration happens only when a kernel `use`s the plugin — importing a plugin module
 * has no side effects.
 */
import type { ServiceRegistry } from "./container.js";
import { parseVersionRange } from "./version-range.js";
import type { AuthClientConfigClass } from "./auth-client-config.js";
import type { AuthClientClass } from "./auth-client.js";
import type { KernelServices } from "./services.js";
import type { JsonObject, ObjectStorageProvider, StorageFormat } from "./storage-provider.js";
import type { BuiltinProfileSet } from "./builtin-profiles.js";
import { PluginException } from "./errors.js";
import { describeErrors } from "./config-validation.js";
import { shippedValidator } from "./schema-files.js";

/** A hint for wizards about one config key: the key, a display name, a description and a default. */
export interface ConfigHint {
  configKey: string;
  configKeyName: string;
  configKeyDescription: string;
  configKeyDefault?: unknown;
}

/** The meta a plugin gives for a client type (display name, description, config hints). */
export interface ClientTypeMetaInput {
  displayName: string;
  description: string;
  configHints?: ConfigHint[];
}

/**
 * A client type a plugin contributes: the `client_type`, its config and client classes, its JSON Schema and
 * meta.
 */
export interface ClientTypeContribution {
  /**
   * The `client_type` string configs use to select this implementation. Declared once, as the
   * config class's static `clientType`: this defaults to it (and must equal it when given).
   */
  clientType?: string;
  /** JSON Schema (draft 2020-12, with `$id`) of the config dict. */
  schema: Record<string, unknown>;
  configClass: AuthClientConfigClass;
  /** The client class. Give it, or `loadClientClass`. */
  clientClass?: AuthClientClass;
  /**
   * Loads the client class when the kernel builds the first client of this type, e.g.
   * `() => import("./my-client.js").then((m) => m.MyClient)`: a process that only reads, lists or
   * validates configs then never loads the client's code. Give it, or `clientClass`.
   */
  loadClientClass?: () => Promise<AuthClientClass>;
  meta: ClientTypeMetaInput;
}

/** A client type contribution as `definePlugin` returns it: `clientType` filled in. */
export type DefinedClientTypeContribution = ClientTypeContribution & { readonly clientType: string };

/**
 * A storage provider type a plugin contributes, built from a config file's storage options (`{ "type": …, …
 * }`).
 */
export interface StorageProviderContribution {
  name: string;
  /**
   * A ready-made instance: called once when the plugin is registered, with the kernel's services.
   * A provider that needs the plugin's own services resolves them through `services.resolve` when
   * first used (they are registered once the whole plugin has been accepted).
   */
  create?(services: KernelServices): ObjectStorageProvider;
  /**
   * A provider built from options (e.g. a discovered config's `storage: { type: "<name>", ... }`;
   * `type` removed). Throw an error naming the bad option when the options are invalid. Give
   * `create`, `fromOptions` or both.
   */
  fromOptions?(options: JsonObject, services: KernelServices): ObjectStorageProvider;
}

/**
 * A plugin: its name and version, the client types, storage formats and providers, services, secret names and
 * built-in profiles it contributes. Make one with `definePlugin` (`planet-auth/plugin-kit`) and register it
 * with `createKernel({ plugins })` or `kernel.use`.
 */
export interface AuthPlugin {
  readonly name: string;
  readonly version: string;
  /** Names of plugins that must be registered on the kernel before this one. */
  readonly dependencies?: readonly string[];
  /** The planet-auth versions this plugin works with, as a semver range (e.g. `"^0.1.0"`). */
  readonly planetAuth?: string;
  readonly clientTypes?: readonly ClientTypeContribution[];
  /** File formats for the default filesystem provider, with the profile file names each offers. */
  readonly storageFormats?: readonly StorageFormat[];
  /**
   * Names of keys whose values are secret at run time (request parameters, stored fields) beyond
   * the `"x-secret": true` fields of the plugin's client type schemas; logs and errors redact both.
   */
  readonly secretNames?: readonly string[];
  /** Named storage providers, available as `kernel.storageProvider(name)`. */
  readonly storageProviders?: readonly StorageProviderContribution[];
  /** Named profiles this plugin ships (selected by name like profiles on disk; built-ins are looked up first). */
  readonly builtinProfiles?: BuiltinProfileSet;
  /**
   * Provide the plugin's own services (API clients, caches, options) in the kernel's container.
   * Its code resolves them from the kernel a config or client belongs to (`client.services.resolve`,
   * `config.kernel().resolve`), so a host can override any of them for one kernel.
   */
  register?(services: ServiceRegistry): void;
}

/** A plugin as `definePlugin` returns it: checked, frozen, every client type's `clientType` filled in. */
export type DefinedPlugin<P extends AuthPlugin = AuthPlugin> = Readonly<Omit<P, "clientTypes">> & {
  readonly clientTypes?: readonly DefinedClientTypeContribution[];
};

const definedPlugins = new WeakSet<object>();

/** True for a value `definePlugin` returned. */
export function isDefinedPlugin(plugin: AuthPlugin): plugin is DefinedPlugin {
  return definedPlugins.has(plugin);
}

function isClass(value: unknown): boolean {
  return typeof value === "function";
}

/** Each contribution's `clientType`, defaulting to its config class's static `clientType`. */
function withClientTypes<P extends AuthPlugin>(plugin: P): P {
  if (!plugin || typeof plugin !== "object" || !Array.isArray(plugin.clientTypes)) return plugin;
  const clientTypes = plugin.clientTypes.map((ct: ClientTypeContribution) =>
    ct && typeof ct === "object" && ct.clientType === undefined && isClass(ct.configClass) ? { ...ct, clientType: ct.configClass.clientType } : ct);
  return { ...plugin, clientTypes };
}

/**
 * Validate a plugin value and return it frozen, each client type's `clientType` taken from its config
 * class when not given. Throws PluginException naming the plugin and every problem.
 */
export function definePlugin<P extends AuthPlugin>(input: P): DefinedPlugin<P> {
  const plugin = withClientTypes(input);
  const manifestValidator = shippedValidator("plugin-manifest.schema.json");
  const name = typeof plugin?.name === "string" ? plugin.name : "<unnamed>";
  const problems: string[] = [];
  if (!manifestValidator(plugin)) problems.push(...describeErrors(manifestValidator.errors ?? []));
  plugin?.clientTypes?.forEach((ct, i) => {
    if (!isClass(ct.configClass)) problems.push(`clientTypes.${i}.configClass: must be a class`);
    else if (ct.configClass.clientType !== ct.clientType) {
      problems.push(`clientTypes.${i}.configClass: its static clientType "${ct.configClass.clientType}" differs from "${ct.clientType}"`);
    }
    if (ct.clientClass === undefined && ct.loadClientClass === undefined) problems.push(`clientTypes.${i}: needs a clientClass or a loadClientClass`);
    else if (ct.clientClass !== undefined && ct.loadClientClass !== undefined) problems.push(`clientTypes.${i}: give clientClass or loadClientClass, not both`);
    else if (ct.clientClass !== undefined && !isClass(ct.clientClass)) problems.push(`clientTypes.${i}.clientClass: must be a class`);
    else if (ct.loadClientClass !== undefined && typeof ct.loadClientClass !== "function") problems.push(`clientTypes.${i}.loadClientClass: must be a function`);
  });
  plugin?.storageFormats?.forEach((f, i) => {
    if (!f || typeof f.matches !== "function" || typeof f.decode !== "function" || typeof f.encode !== "function") {
      problems.push(`storageFormats.${i}: must have matches, decode and encode functions`);
      return;
    }
    for (const name of [...(f.profileFiles?.config ?? []), ...(f.profileFiles?.token ?? [])]) {
      if (typeof name !== "string" || !name || /[/\\]/.test(name) || !f.matches(name)) {
        problems.push(`storageFormats.${i}.profileFiles: ${JSON.stringify(name)} must be a file name the format matches`);
      }
    }
  });
  plugin?.storageProviders?.forEach((p, i) => {
    const hasCreate = typeof p?.create === "function";
    const hasFromOptions = typeof p?.fromOptions === "function";
    if (!hasCreate && !hasFromOptions) problems.push(`storageProviders.${i}: needs a create or a fromOptions function`);
    if (p?.create !== undefined && !hasCreate) problems.push(`storageProviders.${i}.create: must be a function`);
    if (p?.fromOptions !== undefined && !hasFromOptions) problems.push(`storageProviders.${i}.fromOptions: must be a function`);
  });
  if (typeof plugin?.planetAuth === "string" && !parseVersionRange(plugin.planetAuth)) {
    problems.push(`planetAuth: "${plugin.planetAuth}" is not a supported version range (e.g. "^0.1.0", ">=0.1.0 <2.0.0")`);
  }
  if (plugin?.register !== undefined && typeof plugin.register !== "function") problems.push("register: must be a function");
  if (problems.length) throw new PluginException(`Invalid plugin "${name}": ${problems.join("; ")}`);
  const defined = Object.freeze(plugin) as DefinedPlugin<P>;
  definedPlugins.add(defined);
  return defined;
}
