/**
 * The one profile resolver: every entry point (the `Auth` statics, `PlanetAuthFactory`, `plauth`)
 * looks profiles up here, in one order — the built-in sets, then the user's `~/.planet`, then the
 * sources a host registered, then the discovered project file. The first source that defines a name
 * answers, so a cloned repository's config can never shadow a profile the user or the application
 * already has. One resolver per kernel, kept in the kernel's container.
 */
import { ProfileException } from "../kernel/errors.js";
import type { AuthKernel } from "../kernel/kernel.js";
import type { BuiltinProfileSet } from "../kernel/builtin-profiles.js";
import type { Environment } from "../kernel/seams.js";
import type { JsonObject, ObjectStorageProvider } from "../kernel/storage-provider.js";
import { CONFIG_FILE, PROFILE_DIR } from "../kernel/profiles.js";
import { token } from "../kernel/tokens.js";
import { BuiltinProfileSource, BuiltinProfiles } from "./builtins.js";
import { DiscoveredProfileSource } from "./discovered.js";
import { LocalProfileSource } from "./local.js";
import { namespacedName, readUserConfig } from "./user-config.js";
import type { FoundProfile, ProfileLookup, ProfileSource } from "./source.js";

/** Environment variable (and `~/.planet.json` key), namespaced by the built-in sets, naming the profile to use. */
export const PROFILE_ENV_VAR = "PL_AUTH_PROFILE";

/** How the profile to use was chosen when none was named. */
export interface ProfileSelection {
  name: string;
  selectedBy: "environment" | "user-config" | "discovered-default" | "builtin-default";
}

/** One row of a listing: every profile of every source, with the source that answers for its name. */
export interface ListedProfile {
  name: string;
  source: string;
  /** The earlier source that answers for this name instead, when one does. */
  shadowedBy: string | null;
}

const RESERVED_SOURCE_NAMES = ["builtin", "local", "discovered"];

/**
 * Looks profiles up for every entry point (`Auth.initializeFromProfile`, `PlanetAuthFactory`, `plauth`) in
 * one order: the built-in sets, the user's `~/.planet`, sources a host registered, then the discovered
 * project file; the first source that defines a name answers. One per kernel: get it with
 * `profilesOf(kernel)`.
 */
export class ProfileResolver {
  readonly kernel: AuthKernel;
  readonly #hostSets: BuiltinProfileSet[] = [];
  readonly #hostSources: ProfileSource[] = [];
  readonly #builtin = new BuiltinProfileSource(() => this.builtins());
  readonly #local = new LocalProfileSource();
  readonly #discovered: DiscoveredProfileSource;

  /** Prefer `profilesOf(kernel)`, which keeps one resolver per kernel. */
  constructor(kernel: AuthKernel) {
    this.kernel = kernel;
    this.#discovered = new DiscoveredProfileSource(kernel);
  }

  /** Add a host application's built-in profiles; they override the plugins' name by name. */
  registerBuiltinProfiles(set: BuiltinProfileSet): this {
    if (!this.#hostSets.includes(set)) this.#hostSets.push(set);
    return this;
  }

  /** Add a host's own source, asked after the user's profiles and before the discovered file. */
  registerSource(source: ProfileSource): this {
    if (RESERVED_SOURCE_NAMES.includes(source.name) || this.#hostSources.some((s) => s.name === source.name)) {
      throw new ProfileException(`A profile source named "${source.name}" is already registered`);
    }
    this.#hostSources.push(source);
    return this;
  }

  /** Built-in profiles of the registered plugins, then of the host application. */
  builtins(): BuiltinProfiles {
    const fromPlugins = this.kernel.plugins().flatMap((p) => (p.builtinProfiles ? [p.builtinProfiles] : []));
    return new BuiltinProfiles([...fromPlugins, ...this.#hostSets]);
  }

  /** The sources in the order they are asked. */
  sources(): readonly ProfileSource[] {
    return [this.#builtin, this.#local, ...this.#hostSources, this.#discovered];
  }

  /** What a source's `find`/`names` run against: `storage` (the caller's), else the kernel's. */
  lookup(storage?: ObjectStorageProvider | null): ProfileLookup {
    return { kernel: this.kernel, storage: storage ?? this.kernel.services.storage, explicitStorage: Boolean(storage) };
  }

  /** The profile of that name from the first source that defines it, or null. `storage` replaces the kernel's for the user's files and every token. */
  async find(name: string, options: { storage?: ObjectStorageProvider | null } = {}): Promise<FoundProfile | null> {
    const lookup = this.lookup(options.storage);
    for (const source of this.sources()) {
      const found = await source.find(name, lookup);
      if (found) return found;
    }
    return null;
  }

  /** The name of the first source that defines `name`, without loading any config; null when none does. */
  async sourceOf(name: string, options: { storage?: ObjectStorageProvider | null } = {}): Promise<string | null> {
    const lookup = this.lookup(options.storage);
    for (const source of this.sources()) {
      const has = source.has ? await source.has(name, lookup) : (await source.names(lookup)).includes(name.toLowerCase());
      if (has) return source.name;
    }
    return null;
  }

  /** As `find`, but a missing profile is a ProfileException naming the file looked for. */
  async resolve(name: string, options: { storage?: ObjectStorageProvider | null } = {}): Promise<FoundProfile> {
    const found = await this.find(name, options);
    if (found) return found;
    const configFile = `${PROFILE_DIR}/${name.toLowerCase()}/${CONFIG_FILE}`;
    throw new ProfileException(`Auth profile "${name}" not found: it is not a built-in profile and has no config file`, { filePath: configFile });
  }

  /** Every profile of every source, in source order, each marked with the source that shadows it, if any. */
  async list(options: { storage?: ObjectStorageProvider | null } = {}): Promise<ListedProfile[]> {
    const lookup = this.lookup(options.storage);
    const builtins = this.builtins();
    const owner = new Map<string, string>();
    const rows: ListedProfile[] = [];
    for (const source of this.sources()) {
      const names = await source.names(lookup);
      // The name a lookup would resolve: a built-in's canonical name (aliases followed), else lower case.
      const keys = names.map((name) => builtins.canonicalName(name) ?? name.toLowerCase());
      names.forEach((name, i) => rows.push({ name, source: source.name, shadowedBy: owner.get(keys[i]!) ?? null }));
      for (const key of keys) if (!owner.has(key)) owner.set(key, source.name);
    }
    return rows;
  }

  /** The namespaced name of the variable selecting the profile (also its `~/.planet.json` key). */
  profileVariable(): string {
    return namespacedName(this.builtins().namespace, PROFILE_ENV_VAR);
  }

  /** The profile the user selected: the variable in `env` (when non-empty), else in `userConfig` (`~/.planet.json`). */
  userSelection(env: Environment | null, userConfig: JsonObject | null): ProfileSelection | null {
    const variable = this.profileVariable();
    const fromEnv = env?.[variable];
    if (fromEnv) return { name: fromEnv, selectedBy: "environment" };
    const fromFile = userConfig?.[variable];
    if (typeof fromFile === "string" && fromFile) return { name: fromFile, selectedBy: "user-config" };
    return null;
  }

  /** The profile used when the user selected none: the discovered file's default, else the built-in default. */
  defaultSelection(): ProfileSelection | null {
    const discovered = this.#discovered.defaultProfile();
    if (discovered) return { name: discovered, selectedBy: "discovered-default" };
    const builtin = this.builtins().defaultProfile();
    return builtin ? { name: builtin, selectedBy: "builtin-default" } : null;
  }

  /**
   * The profile to use when none is named, as the Python library chooses it: the variable in the
   * environment, then in `~/.planet.json`, then the discovered default, then the built-in default.
   */
  async selectedProfile(options: { env?: Environment; storage?: ObjectStorageProvider | null } = {}): Promise<ProfileSelection> {
    const userConfig = await readUserConfig(options.storage ?? this.kernel.services.storage);
    const selection = this.userSelection(options.env ?? this.kernel.services.env, userConfig) ?? this.defaultSelection();
    if (!selection) {
      throw new ProfileException(`No auth profile is selected: set ${this.profileVariable()}, or register a plugin or host set with a default profile`);
    }
    return selection;
  }
}

const PROFILE_RESOLVER = token<ProfileResolver>("ProfileResolver");

/** The kernel's profile resolver (created on first use). */
export function profilesOf(kernel: AuthKernel): ProfileResolver {
  if (!kernel.isProvided(PROFILE_RESOLVER)) kernel.provide(PROFILE_RESOLVER, { useValue: new ProfileResolver(kernel) });
  return kernel.resolve(PROFILE_RESOLVER);
}
