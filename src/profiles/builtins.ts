/**
 * The merged view of every built-in profile set: the sets contributed by registered plugins (in
 * registration order), then the host application's sets. A later set overrides an earlier one name
 * by name. Nothing is built in beyond what they contribute (the `none` profile is the none plugin's),
 * except the `CUSTOM` trust environment, whose auth servers the caller always supplies.
 */
import type { BuiltinProfileSet } from "../kernel/builtin-profiles.js";
import type { JsonObject } from "../kernel/storage-provider.js";
import { ProfileException } from "../kernel/errors.js";
import { resolveProfileTokenFile } from "../kernel/profiles.js";
import type { FoundProfile, ProfileLookup, ProfileSource } from "./source.js";

const BASE: BuiltinProfileSet = {
  trustEnvironments: { CUSTOM: null },
};

const lower = <T>(record: Record<string, T> | undefined): Array<[string, T]> =>
  Object.entries(record ?? {}).map(([k, v]) => [k.toLowerCase(), v]);

/**
 * The built-in profiles, aliases and trust environments: the sets plugins contribute in registration order,
 * then the host application's, a later set overriding an earlier one name by name.
 */
export class BuiltinProfiles {
  readonly namespace: string;
  readonly #profiles = new Map<string, JsonObject>();
  readonly #aliases = new Map<string, string>();
  readonly #byClientType = new Map<string, string>();
  readonly #trust = new Map<string, JsonObject[] | null>();
  readonly #default: string | undefined;

  /** The merged view of the given sets, a later set overriding an earlier one name by name. */
  constructor(sets: readonly BuiltinProfileSet[]) {
    let namespace = "";
    let defaultProfile: string | undefined;
    for (const set of [BASE, ...sets]) {
      if (set.namespace !== undefined) namespace = set.namespace;
      if (set.defaultProfile) defaultProfile = set.defaultProfile.toLowerCase();
      for (const [k, v] of lower(set.profiles)) this.#profiles.set(k, v);
      for (const [k, v] of lower(set.aliases)) this.#aliases.set(k, v.toLowerCase());
      for (const [k, v] of Object.entries(set.defaultProfileByClientType ?? {})) this.#byClientType.set(k, v.toLowerCase());
      for (const [k, v] of Object.entries(set.trustEnvironments ?? {})) this.#trust.set(k.toUpperCase(), v);
    }
    this.namespace = namespace;
    this.#default = defaultProfile;
  }

  /** The canonical built-in name for `name` (case-insensitive, aliases followed), or null. */
  canonicalName(name: string): string | null {
    let current = name.toLowerCase();
    const seen = new Set<string>();
    while (this.#aliases.has(current)) {
      if (seen.has(current)) throw new ProfileException(`Built-in profile alias "${name}" is circular`);
      seen.add(current);
      current = this.#aliases.get(current)!;
    }
    return this.#profiles.has(current) ? current : null;
  }

  /** A copy of the built-in config for `name`, or null when it is not a built-in. */
  config(name: string): { name: string; config: JsonObject } | null {
    const canonical = this.canonicalName(name);
    return canonical ? { name: canonical, config: structuredClone(this.#profiles.get(canonical)!) } : null;
  }

  /** Names and aliases, sorted; hidden profiles (and aliases of them) only when asked. */
  names(options: { includeHidden?: boolean } = {}): string[] {
    const all = [...this.#profiles.keys(), ...this.#aliases.keys()];
    return all
      .filter((n) => {
        const canonical = this.canonicalName(n);
        return canonical !== null && (options.includeHidden || this.#profiles.get(canonical)?._hidden !== true);
      })
      .sort();
  }

  /** The profile used when nothing else selects one, if a set names one. */
  defaultProfile(): string | undefined {
    return this.#default;
  }

  /** The profile registered as the default for a client type, if any. */
  defaultProfileFor(clientType: string): string | null {
    return this.#byClientType.get(clientType) ?? null;
  }

  /** The names of the trust environments (e.g. `PRODUCTION`, `STAGING`, `CUSTOM`). */
  trustEnvironmentNames(): string[] {
    return [...this.#trust.keys()];
  }

  /**
   * The auth server configs of a trust environment (case-insensitive name); null for `CUSTOM` (the caller
   * supplies them), undefined when unknown.
   */
  trustEnvironment(name: string): JsonObject[] | null | undefined {
    return this.#trust.get(name.toUpperCase());
  }
}

/** The built-in profiles as a profile source; their tokens live where an on-disk profile's would. */
export class BuiltinProfileSource implements ProfileSource {
  readonly name = "builtin";
  readonly #builtins: () => BuiltinProfiles;

  /** The built-in profiles as a profile source. */
  constructor(builtins: () => BuiltinProfiles) {
    this.#builtins = builtins;
  }

  async find(name: string, { kernel, storage, explicitStorage }: ProfileLookup): Promise<FoundProfile | null> {
    const builtin = this.#builtins().config(name);
    if (!builtin) return null;
    const config = kernel.configFromDict(builtin.config);
    if (explicitStorage) config.setStorageProvider(storage);
    const tokenFile = await resolveProfileTokenFile(builtin.name, storage, kernel.profileFileNames());
    return { name: builtin.name, source: this.name, config, tokenFile };
  }

  async has(name: string): Promise<boolean> {
    return this.#builtins().canonicalName(name) !== null;
  }

  async names(): Promise<string[]> {
    return this.#builtins().names();
  }

  defaultProfile(): string | undefined {
    return this.#builtins().defaultProfile();
  }
}
