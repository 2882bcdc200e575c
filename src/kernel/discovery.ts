/**
 * Config discovery (module name `planetauth`), with cosmiconfig's file names and loaders:
 * `package.json#planetauth`, `.planetauthrc` (JSON or YAML), `.planetauthrc.{json,yaml,yml,js,ts,cjs,mjs}`,
 * the same under `.config/`, and `planetauth.config.{js,ts,cjs,mjs}`.
 *
 * Where: the directories from the start directory up to the project root — the nearest one holding a
 * `package.json` (or `package.yaml`), or `stopDir` — and, when none of them holds a config, the user's
 * config directory `$XDG_CONFIG_HOME/planetauth/` (default `~/.config/planetauth/`: `config`,
 * `config.{json,yaml,yml,js,ts,cjs,mjs}`). Without a project root above, only the start directory is
 * searched: nothing above a project is ever read.
 *
 * A config file runs code (a JS/TS config, its `plugins`) or chooses credentials, endpoints and
 * storage, so every config file used — and every plugin module, the files it imports by relative path
 * and its package.json — must pass the file trust rule (owned by the current user or root, writable by
 * nobody else, in directories nobody else can write; see file-trust.ts), or discovery fails with
 * UntrustedFileException. A package.json another user owns does not mark a project root.
 */
import { lstatSync } from "node:fs";
import { homedir } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  AuthClientConfigException, AuthClientException, AuthException, PluginException, PluginFailureException, ProfileException,
  type ErrorCode,
} from "./errors.js";
import { describeErrors } from "./config-validation.js";
import { shippedValidator } from "./schema-files.js";
import { createKernel, type AuthKernel, type KernelServiceOverrides } from "./kernel.js";
import {
  assertTrustedOpenedFile, DEFAULT_MAX_FILE_BYTES, openNoFollow, ownedByUserOrRoot, UntrustedFileException, type OpenedFile,
} from "./file-trust.js";
import { assertTrustedModule, assertTrustedPackageOf } from "./module-trust.js";
import type { AuthPlugin } from "./plugin.js";
import { DISCOVERED_PROFILES, discoveredStorage } from "./discovered-profiles.js";
import { validateProfileName } from "./profiles.js";
import type { JsonObject, ObjectStorageProvider, StorageOptions } from "./storage-provider.js";

const CONFIG_MODULE_NAME = "planetauth";

/** The keys a discovered config may have (`$schema` is allowed for editors); its schemas are generated from this list. */
export const CONFIG_FILE_KEYS: readonly string[] = ["plugins", "profiles", "defaultProfile", "storage"];

/** Extensions whose loading runs the file as code. */
const CODE_EXTENSIONS = new Set([".js", ".mjs", ".cjs", ".ts", ".mts", ".cts"]);

/**
 * A `planetauth` config file found by `discoverConfig`: its path and what it declares (plugins, profiles, the
 * default profile, storage).
 */
export interface DiscoveredConfig {
  filepath: string;
  plugins: string[];
  profiles: Record<string, JsonObject>;
  defaultProfile?: string;
  /** Where this file's own profiles keep their tokens: a type a plugin contributes, with its options (needs an opt-in). */
  storage?: StorageOptions;
}

/**
 * Where `discoverConfig` looks for a `planetauth` config file: from which directory, up to which, and with
 * which home directory.
 */
export interface DiscoveryOptions {
  /** Directory to start searching from (default: the process CWD). */
  searchFrom?: string;
  /** Search upwards until this directory at most; default: up to the nearest package.json. */
  stopDir?: string;
  /** The home directory: root of the user config directory (and, for loadKernel, of relative storage keys). Default: `$HOME`, else os.homedir(). */
  homeDir?: () => string;
  /** Environment for `XDG_CONFIG_HOME` (default: process.env). */
  env?: Record<string, string | undefined>;
  /** Largest config file read, in bytes (default 1 MiB); loadKernel's storage uses it for token and config files too. */
  maxFileBytes?: number;
}

/** A discovered config file could not be loaded or is malformed. Names the file. */
export class ConfigDiscoveryException extends ProfileException {
  static override readonly code: ErrorCode = "ERR_CONFIG_DISCOVERY";
}

/** The user's planet-auth config directory: `$XDG_CONFIG_HOME/planetauth`, default `<home>/.config/planetauth`. */
function planetAuthConfigDir(options: Pick<DiscoveryOptions, "homeDir" | "env"> = {}): string {
  const env = options.env ?? process.env;
  const home = options.homeDir?.() ?? (process.env.HOME || homedir());
  const xdg = env.XDG_CONFIG_HOME;
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".config"), CONFIG_MODULE_NAME);
}

/** Whether `dir` holds a package.json/yaml that marks a project root: a regular file owned by the user or root. */
function isProjectRoot(dir: string): boolean {
  return ["package.json", "package.yaml"].some((name) => {
    const st = lstatSync(path.join(dir, name), { throwIfNoEntry: false });
    return st !== undefined && st.isFile() && ownedByUserOrRoot(st);
  });
}

/**
 * The project's directories, innermost first: up to the nearest package.json/yaml (one another user
 * owns marks nothing: it could be planted in a shared directory) or `stopDir`, else the start alone.
 */
function projectDirs(start: string, stopDir?: string): string[] {
  const stop = stopDir ? path.resolve(stopDir) : undefined;
  const dirs: string[] = [];
  for (let dir = start; ; dir = path.dirname(dir)) {
    dirs.push(dir);
    if (dir === stop || isProjectRoot(dir)) return dirs;
    if (path.dirname(dir) === dir) return [start];
  }
}

const LOADABLE_EXTENSIONS = ["json", "yaml", "yml", "js", "ts", "cjs", "mjs"];
/** A name without extension, then with each extension cosmiconfig loads. */
const withExtensions = (base: string) => [base, ...LOADABLE_EXTENSIONS.map((ext) => `${base}.${ext}`)];

/**
 * The file names cosmiconfig searches a project directory for (its `getDefaultSearchPlaces`), in its
 * order. Listed here so that looking for a config loads no cosmiconfig: it is loaded only to load a
 * file that exists (a test checks the lists agree).
 */
export const PROJECT_SEARCH_PLACES: readonly string[] = [
  "package.json",
  ...withExtensions(`.${CONFIG_MODULE_NAME}rc`),
  ...withExtensions(`.config/${CONFIG_MODULE_NAME}rc`),
  ...["js", "ts", "cjs", "mjs"].map((ext) => `${CONFIG_MODULE_NAME}.config.${ext}`),
];

/** The file names cosmiconfig searches the user's config directory for (its `globalConfigSearchPlaces`). */
export const USER_SEARCH_PLACES: readonly string[] = withExtensions("config");

/** What a config file does, for messages: why it must pass the file trust rule. */
const CONFIGURES = "configures planet-auth (its plugins, profiles, credentials, endpoints and storage)";

/**
 * Load one candidate file: null when absent (or a package.json without a `planetauth` key) or empty.
 * The file is read once, through a descriptor opened without following a symbolic link; that
 * descriptor is what the trust rule checks before anything of the file is used (a package.json only
 * when it has a `planetauth` key), and a JS/TS config is imported from the directories checked.
 */
async function loadCandidate(file: string, maxBytes: number): Promise<unknown> {
  let opened: OpenedFile;
  try {
    opened = await openNoFollow(file, maxBytes);
  } catch (err) {
    if (err instanceof AuthException) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return null;
    throw new ConfigDiscoveryException(`Could not read planet-auth configuration: ${code}`, { cause: err, filePath: file });
  }
  if (opened.text.trim() === "" && opened.stat.isFile()) return null;
  const ext = path.extname(file);
  const isPackage = path.basename(file) === "package.json" || path.basename(file) === "package.yaml";
  if (CODE_EXTENSIONS.has(ext)) await assertTrustedOpenedFile(opened, "runs as code when loaded (a JS/TS config)");
  else if (!isPackage) await assertTrustedOpenedFile(opened, CONFIGURES);
  const cosmi = await import("cosmiconfig");
  const loaders = cosmi.defaultLoaders as Record<string, (file: string, text: string) => unknown>;
  const loader = loaders[ext || "noExt"];
  if (!loader) return null;
  let loaded: unknown;
  try {
    loaded = await loader(CODE_EXTENSIONS.has(ext) ? opened.realPath : file, opened.text);
  } catch (err) {
    throw new ConfigDiscoveryException(`Could not load planet-auth configuration: ${(err as Error).message}`, { cause: err, filePath: file });
  }
  if (!isPackage) return loaded ?? null;
  const section = (loaded as Record<string, unknown> | null)?.[CONFIG_MODULE_NAME] ?? null;
  if (section !== null) await assertTrustedOpenedFile(opened, CONFIGURES);
  return section;
}

/**
 * Whether anything is at a candidate's name (a link or a directory too: loading it reports those).
 * Nearly every candidate is absent, and a synchronous lstat costs less than an open that fails, so
 * the search looks before it opens. An error other than "absent" is left for the open to report.
 */
function present(file: string): boolean {
  try {
    return lstatSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ENOTDIR";
  }
}

/** The first config file with content: in the project, else in the user's config directory. */
async function findConfig(options: DiscoveryOptions): Promise<{ filepath: string; config: unknown } | null> {
  const maxBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const start = path.resolve(options.searchFrom ?? process.cwd());
  const candidates = projectDirs(start, options.stopDir).flatMap((dir) => PROJECT_SEARCH_PLACES.map((place) => path.join(dir, place)));
  const userDir = planetAuthConfigDir(options);
  candidates.push(...USER_SEARCH_PLACES.map((place) => path.join(userDir, place)));
  for (const filepath of candidates) {
    if (!present(filepath)) continue;
    const config = await loadCandidate(filepath, maxBytes);
    if (config !== null && config !== undefined) return { filepath, config };
  }
  return null;
}

/** Find and validate the nearest planetauth config; null when there is none. */
export async function discoverConfig(options: DiscoveryOptions = {}): Promise<DiscoveredConfig | null> {
  const result = await findConfig(options);
  if (!result) return null;
  const unknown = result.config && typeof result.config === "object" && !Array.isArray(result.config)
    ? Object.keys(result.config).filter((k) => !CONFIG_FILE_KEYS.includes(k) && k !== "$schema")
    : [];
  if (unknown.length > 0) {
    throw new ConfigDiscoveryException(
      `Unknown key${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => JSON.stringify(k)).join(", ")} in planet-auth configuration; known keys: ${CONFIG_FILE_KEYS.join(", ")}`,
      { filePath: result.filepath },
    );
  }
  // Each profile is checked for its shape only here: its keys are checked by its client type's
  // schema once the plugins are registered.
  const validate = shippedValidator("runtime/planetauth-config.schema.json");
  if (!validate(result.config)) {
    throw new ConfigDiscoveryException(`Invalid planet-auth configuration: ${describeErrors(validate.errors ?? []).join("; ")}`, {
      filePath: result.filepath,
    });
  }
  const config = result.config as Partial<DiscoveredConfig>;
  const plugins = config.plugins ?? [];
  return {
    filepath: result.filepath,
    plugins,
    profiles: config.profiles ?? {},
    defaultProfile: config.defaultProfile,
    ...(config.storage ? { storage: config.storage } : {}),
  };
}

/**
 * The file a plugin specifier names: a path relative to the config file, or a package resolved from
 * the config file's directory (so the file checked is the file imported).
 */
function resolvePluginFile(specifier: string, configFile: string): string {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) return path.resolve(path.dirname(configFile), specifier);
  return createRequire(configFile).resolve(specifier);
}


/** Import a plugin module named in a config file: its `default` or `plugin` export (a plugin, or an array of them). */
async function importPlugins(specifier: string, configFile: string): Promise<AuthPlugin[]> {
  let mod: Record<string, unknown>;
  try {
    const label = `the plugin module "${specifier}" named by ${configFile}`;
    await assertTrustedPackageOf(specifier, configFile, label);
    const file = await assertTrustedModule(resolvePluginFile(specifier, configFile), label);
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    if (err instanceof UntrustedFileException) throw err;
    throw new PluginException(`Could not import plugin "${specifier}": ${(err as Error).message}`, { cause: err, filePath: configFile });
  }
  const exported = mod.default ?? mod.plugin;
  const plugins = Array.isArray(exported) ? exported : [exported];
  if (!exported || plugins.some((p) => !p || typeof p !== "object" || typeof (p as AuthPlugin).name !== "string")) {
    throw new PluginException(`Module "${specifier}" has no plugin as its default or "plugin" export`, { filePath: configFile });
  }
  return plugins as AuthPlugin[];
}

/** An error thrown by a client type's code while checking a profile, blamed on the plugin that contributes it. */
function pluginFailure(
  kernel: AuthKernel, dict: JsonObject, profile: string, err: unknown, filePath: string, pluginOf: ReadonlyMap<AuthPlugin, string>,
): PluginFailureException {
  const plugin = kernel.clientType(String(dict.client_type)).plugin;
  const specifier = [...pluginOf].find(([p]) => p.name === plugin)?.[1];
  const from = specifier ? ` (module "${specifier}")` : "";
  return new PluginFailureException(
    `Plugin "${plugin}"${from} failed while checking profile "${profile}" (client_type "${String(dict.client_type)}"): ${(err as Error)?.message ?? String(err)}`,
    { cause: err, filePath, clientType: String(dict.client_type) },
  );
}

/** Options of `loadKernel`: where to look for the config file, plus the kernel's own options. */
export interface LoadKernelOptions extends DiscoveryOptions {
  /** Plugins registered before the discovered ones (the package entry point passes the built-ins). */
  basePlugins?: readonly AuthPlugin[];
  services?: KernelServiceOverrides;
  /**
   * Let the discovered file's `storage` keep its own profiles' tokens (it never holds anything
   * else); the file must still be owned by the user and writable by nobody else. Without this, the
   * user allows it by listing the file in `PL_AUTH_ALLOW_STORAGE_FROM` of `~/.planet.json`; a file in
   * the user's config directory (`~/.config/planetauth/`) is the user's own and needs no opt-in.
   */
  allowDiscoveredStorage?: boolean;
}

/** A kernel with the base plugins, then the plugins and profiles of the discovered config file. */
export async function loadKernel(options: LoadKernelOptions = {}): Promise<AuthKernel> {
  const kernel = createKernel({
    plugins: options.basePlugins, services: options.services, homeDir: options.homeDir, maxFileBytes: options.maxFileBytes,
  });
  const found = await discoverConfig(options);
  if (!found) return kernel;
  // Which plugin each client type comes from, for the plugins this file names.
  const pluginOf = new Map<AuthPlugin, string>();
  for (const specifier of found.plugins) {
    for (const plugin of await importPlugins(specifier, found.filepath)) {
      try {
        kernel.use(plugin);
      } catch (err) {
        if (err instanceof PluginException) {
          if (!err.filePath) err.setFilePath(found.filepath);
          throw err;
        }
        throw new PluginFailureException(`Plugin "${plugin.name}" (module "${specifier}") failed to register: ${(err as Error).message}`, {
          cause: err, filePath: found.filepath,
        });
      }
      pluginOf.set(plugin, specifier);
    }
  }
  for (const [name, dict] of Object.entries(found.profiles)) {
    try {
      validateProfileName(name);
    } catch (err) {
      throw new ConfigDiscoveryException((err as Error).message, { cause: err, filePath: found.filepath });
    }
    try {
      kernel.configFromDict(dict).check();
    } catch (err) {
      // Data the client type refuses makes an invalid profile; anything else the plugin's code threw is the plugin's failure.
      if (err instanceof AuthClientConfigException || err instanceof AuthClientException) {
        throw new ConfigDiscoveryException(`Invalid profile "${name}": ${(err as Error).message}`, { cause: err, filePath: found.filepath });
      }
      throw pluginFailure(kernel, dict, name, err, found.filepath, pluginOf);
    }
  }
  const names = Object.keys(found.profiles).map((n) => n.toLowerCase());
  if (found.defaultProfile && !names.includes(found.defaultProfile.toLowerCase())) {
    const known = names.sort().join(", ") || "(none)";
    throw new ConfigDiscoveryException(`defaultProfile "${found.defaultProfile}" is not one of the configured profiles: ${known}`, {
      filePath: found.filepath,
    });
  }
  // Last, so that nothing fails once the store is open (the kernel's close() closes it).
  let storage: ObjectStorageProvider | undefined;
  if (found.storage) {
    try {
      // A file in the user's own config directory is the user's configuration: its choice is their opt-in.
      const usersOwn = path.dirname(found.filepath) === planetAuthConfigDir(options);
      storage = await discoveredStorage(kernel, found.filepath, found.storage, options.allowDiscoveredStorage === true || usersOwn);
    } catch (err) {
      if (err instanceof ProfileException || err instanceof UntrustedFileException) throw err;
      throw new ConfigDiscoveryException(`Invalid storage: ${(err as Error).message}`, { cause: err, filePath: found.filepath });
    }
  }
  kernel.provide(DISCOVERED_PROFILES, {
    useValue: { filepath: found.filepath, profiles: found.profiles, defaultProfile: found.defaultProfile, ...(storage ? { storage } : {}) },
  });
  return kernel;
}
