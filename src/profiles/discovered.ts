/**
 * Profiles of the discovered project file (`.planetauthrc` …). Their tokens are kept apart from the
 * user's, under `~/.planet/.discovered/<config file id>/<name>/`, and — when the file chose a store
 * and that choice was allowed — in that store, which holds nothing else.
 */
import { DISCOVERED_PROFILES, type DiscoveredProfiles } from "../kernel/discovered-profiles.js";
import type { AuthKernel } from "../kernel/kernel.js";
import { resolveDiscoveredProfileTokenFile, validateProfileName } from "../kernel/profiles.js";
import type { FoundProfile, ProfileLookup, ProfileSource } from "./source.js";

/** What discovery recorded in the kernel, if it found a file. */
export function discoveredProfiles(kernel: AuthKernel): DiscoveredProfiles | undefined {
  return kernel.isProvided(DISCOVERED_PROFILES) ? kernel.resolve(DISCOVERED_PROFILES) : undefined;
}

export class DiscoveredProfileSource implements ProfileSource {
  readonly name = "discovered";
  readonly #kernel: AuthKernel;

  constructor(kernel: AuthKernel) {
    this.#kernel = kernel;
  }

  #profiles(): Map<string, DiscoveredProfiles["profiles"][string]> {
    return new Map(Object.entries(discoveredProfiles(this.#kernel)?.profiles ?? {}).map(([n, c]) => [n.toLowerCase(), c]));
  }

  async find(name: string, { kernel, storage, explicitStorage }: ProfileLookup): Promise<FoundProfile | null> {
    const found = discoveredProfiles(this.#kernel);
    const lower = name.toLowerCase();
    const dict = this.#profiles().get(lower);
    if (!found || !dict) return null;
    validateProfileName(lower);
    const config = kernel.configFromDict(structuredClone(dict));
    const tokenStorage = explicitStorage ? storage : (found.storage ?? storage);
    if (tokenStorage !== kernel.services.storage) config.setStorageProvider(tokenStorage);
    const tokenFile = await resolveDiscoveredProfileTokenFile(lower, found.filepath, tokenStorage, kernel.profileFileNames());
    return { name: lower, source: this.name, config, tokenFile, definedIn: found.filepath };
  }

  async names(): Promise<string[]> {
    return [...this.#profiles().keys()].sort();
  }

  defaultProfile(): string | undefined {
    return discoveredProfiles(this.#kernel)?.defaultProfile?.toLowerCase();
  }
}
