/** The user's own profiles: `~/.planet/<name>/<config file>`, through the lookup's storage. */
import { FileStorageProvider } from "../kernel/storage/file-storage.js";
import { PROFILE_DIR, resolveProfileConfigFile, resolveProfileTokenFile, validateProfileName } from "../kernel/profiles.js";
import type { FoundProfile, ProfileLookup, ProfileSource } from "./source.js";

export class LocalProfileSource implements ProfileSource {
  readonly name = "local";

  async find(name: string, { kernel, storage, explicitStorage }: ProfileLookup): Promise<FoundProfile | null> {
    const lower = name.toLowerCase();
    validateProfileName(lower);
    const configFile = await resolveProfileConfigFile(lower, storage, kernel.profileFileNames());
    if (!(await storage.objExists(configFile))) return null;
    const config = await kernel.configFromFile(configFile, explicitStorage ? storage : undefined);
    const tokenFile = await resolveProfileTokenFile(lower, storage, kernel.profileFileNames());
    return { name: lower, source: this.name, config, tokenFile, definedIn: configFile };
  }

  async has(name: string, { kernel, storage }: ProfileLookup): Promise<boolean> {
    const lower = name.toLowerCase();
    validateProfileName(lower);
    return storage.objExists(await resolveProfileConfigFile(lower, storage, kernel.profileFileNames()));
  }

  /** Directories of `~/.planet` holding a config file, sorted. Listing needs the filesystem provider. */
  async names({ kernel, storage }: ProfileLookup): Promise<string[]> {
    if (!(storage instanceof FileStorageProvider)) return [];
    const { readdir } = await import("node:fs/promises");
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(storage.resolvePath(PROFILE_DIR), { withFileTypes: true });
    } catch {
      return [];
    }
    const names: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
      for (const file of kernel.profileFileNames().config) {
        if (await storage.objExists(`${PROFILE_DIR}/${entry.name}/${file}`)) {
          names.push(entry.name);
          break;
        }
      }
    }
    return names.sort();
  }
}
