/**
 * What config discovery found, recorded in the kernel's container for profile lookup (the kernel
 * itself never reads it), and the rule for the `storage` a discovered file names: it holds only the
 * tokens of the file's own profiles, and only when the application or the user's own configuration
 * allows it and the file is trusted like code.
 */
import path from "node:path";
import { token } from "./tokens.js";
import { ProfileException } from "./errors.js";
import { USER_CONFIG_FILE } from "./profiles.js";
import { assertTrustedCodeFile } from "./file-trust.js";
import type { AuthKernel } from "./kernel.js";
import type { JsonObject, ObjectStorageProvider, StorageOptions } from "./storage-provider.js";

export interface DiscoveredProfiles {
  /** The config file the profiles come from. */
  readonly filepath: string;
  /** Profile name → client config dict. */
  readonly profiles: Readonly<Record<string, JsonObject>>;
  readonly defaultProfile?: string;
  /** The store the file chose for its own profiles' tokens (never for anything else). */
  readonly storage?: ObjectStorageProvider;
}

export const DISCOVERED_PROFILES = token<DiscoveredProfiles>("DiscoveredProfiles");

/** Key of `~/.planet.json` listing the config files (absolute paths) the user allows to choose a store. */
export const ALLOW_STORAGE_FROM_KEY = "PL_AUTH_ALLOW_STORAGE_FROM";

/** Whether the user's `~/.planet.json` (read through the kernel's own storage) names `file` under ALLOW_STORAGE_FROM_KEY. */
async function userAllowsStorageFrom(storage: ObjectStorageProvider, file: string): Promise<boolean> {
  if (!(await storage.objExists(USER_CONFIG_FILE))) return false;
  const listed = (await storage.loadObj(USER_CONFIG_FILE))[ALLOW_STORAGE_FROM_KEY];
  const files = (Array.isArray(listed) ? listed : [listed]).filter((f): f is string => typeof f === "string" && path.isAbsolute(f));
  return files.some((f) => path.resolve(f) === path.resolve(file));
}

/**
 * The store a discovered file's `storage` names, for its own profiles' tokens. Refused (an error
 * naming the file) unless `allowed` (the application's opt-in) or the user's `~/.planet.json` lists
 * the file, and unless the file is owned by the user and writable by nobody else.
 */
export async function discoveredStorage(
  kernel: AuthKernel, filepath: string, options: StorageOptions, allowed: boolean,
): Promise<ObjectStorageProvider> {
  if (!allowed && !(await userAllowsStorageFrom(kernel.services.storage, filepath))) {
    throw new ProfileException(
      `${filepath} chooses a storage ("${String(options.type)}") for its profiles' tokens, which needs an opt-in: ` +
        `the application's loadKernel({ allowDiscoveredStorage: true }), or this file's absolute path in "${ALLOW_STORAGE_FROM_KEY}" of ~/.planet.json`,
      { filePath: filepath },
    );
  }
  await assertTrustedCodeFile(filepath, "chooses where its profiles' tokens are stored");
  return kernel.createStorageProvider(options);
}
