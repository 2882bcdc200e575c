/**
 * Config discovery with cosmiconfig (module name `planetauth`): `.planetauthrc`, `.planetauthrc.json`,
 * `.planetauthrc.yaml`/`.yml`, `planetauth.config.{js,mjs,cjs}`, `package.json#planetauth`.
 * A discovered file may name plugins to import and register, profiles, and a default profile.
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ProfileException, PluginException } from "./errors.js";
import { describeErrors } from "./config-validation.js";
import { shippedValidator } from "./schema-files.js";
import { createKernel, type AuthKernel, type KernelServiceOverrides } from "./kernel.js";
import type { AuthPlugin } from "./plugin.js";
import type { JsonObject } from "./storage-provider.js";

export const CONFIG_MODULE_NAME = "planetauth";

export interface DiscoveredConfig {
  filepath: string;
  plugins: string[];
  profiles: Record<string, JsonObject>;
  defaultProfile?: string;
}

export interface DiscoveryOptions {
  /** Directory to start searching from (default: the process CWD). */
  searchFrom?: string;
  /** Search upwards until this directory; default: up to the nearest package.json. */
  stopDir?: string;
}

/** A discovered config file could not be loaded or is malformed. Names the file. */
export class ConfigDiscoveryException extends ProfileException {
  static override readonly code: string = "ERR_CONFIG_DISCOVERY";
}

/** Find and validate the nearest planetauth config; null when there is none. */
export async function discoverConfig(options: DiscoveryOptions = {}): Promise<DiscoveredConfig | null> {
  const { cosmiconfig } = await import("cosmiconfig");
  const explorer = cosmiconfig(CONFIG_MODULE_NAME, {
    searchStrategy: options.stopDir ? "global" : "project",
    stopDir: options.stopDir,
    cache: false,
  });
  let result: Awaited<ReturnType<typeof explorer.search>>;
  try {
    result = await explorer.search(options.searchFrom);
  } catch (err) {
    const filepath = (err as { filepath?: string }).filepath;
    throw new ConfigDiscoveryException(`Could not load planet-auth configuration: ${(err as Error).message}`, { cause: err, filePath: filepath });
  }
  if (!result || result.isEmpty) return null;
  const validate = shippedValidator("planetauth-config.schema.json");
  if (!validate(result.config)) {
    throw new ConfigDiscoveryException(`Invalid planet-auth configuration: ${describeErrors(validate.errors ?? []).join("; ")}`, {
      filePath: result.filepath,
    });
  }
  const config = result.config as Partial<DiscoveredConfig>;
  return {
    filepath: result.filepath,
    plugins: config.plugins ?? [],
    profiles: config.profiles ?? {},
    defaultProfile: config.defaultProfile,
  };
}

/** Import a plugin module named in a config file: its `default` or `plugin` export (a plugin, or an array of them). */
export async function importPlugins(specifier: string, configFile: string): Promise<AuthPlugin[]> {
  const isPath = specifier.startsWith(".") || path.isAbsolute(specifier);
  const target = isPath ? pathToFileURL(path.resolve(path.dirname(configFile), specifier)).href : specifier;
  let mod: Record<string, unknown>;
  try {
    mod = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    throw new PluginException(`Could not import plugin "${specifier}": ${(err as Error).message}`, { cause: err, filePath: configFile });
  }
  const exported = mod.default ?? mod.plugin;
  const plugins = Array.isArray(exported) ? exported : [exported];
  if (!exported || plugins.some((p) => !p || typeof p !== "object" || typeof (p as AuthPlugin).name !== "string")) {
    throw new PluginException(`Module "${specifier}" has no plugin as its default or "plugin" export`, { filePath: configFile });
  }
  return plugins as AuthPlugin[];
}

export interface LoadKernelOptions extends DiscoveryOptions {
  /** Plugins registered before the discovered ones (the package entry point passes the built-ins). */
  basePlugins?: readonly AuthPlugin[];
  services?: KernelServiceOverrides;
  /** Root of relative storage keys (default: the home directory). */
  homeDir?: () => string;
}

/** A kernel with the base plugins, then the plugins and profiles of the discovered config file. */
export async function loadKernel(options: LoadKernelOptions = {}): Promise<AuthKernel> {
  const kernel = createKernel({ plugins: options.basePlugins, services: options.services, homeDir: options.homeDir });
  const found = await discoverConfig(options);
  if (!found) return kernel;
  for (const specifier of found.plugins) {
    for (const plugin of await importPlugins(specifier, found.filepath)) {
      try {
        kernel.use(plugin);
      } catch (err) {
        if (err instanceof PluginException && !err.filePath) err.setFilePath(found.filepath);
        throw err;
      }
    }
  }
  for (const [name, dict] of Object.entries(found.profiles)) {
    try {
      kernel.configFromDict(dict).check();
    } catch (err) {
      throw new ConfigDiscoveryException(`Invalid profile "${name}": ${(err as Error).message}`, { cause: err, filePath: found.filepath });
    }
  }
  kernel.setDiscoveredProfiles(found.profiles, found.defaultProfile);
  if (found.defaultProfile && !kernel.hasDiscoveredProfile(found.defaultProfile)) {
    const known = kernel.discoveredProfileNames().join(", ") || "(none)";
    throw new ConfigDiscoveryException(`defaultProfile "${found.defaultProfile}" is not one of the configured profiles: ${known}`, {
      filePath: found.filepath,
    });
  }
  return kernel;
}
