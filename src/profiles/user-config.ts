/**
 * The user's preferences file `~/.planet.json`: a flat JSON object whose keys are the (namespaced)
 * environment variable names, e.g. `PL_AUTH_PROFILE`. Read through a storage provider.
 */
import { USER_CONFIG_FILE } from "../kernel/profiles.js";
import type { JsonObject, ObjectStorageProvider } from "../kernel/storage-provider.js";

/** `PL_AUTH_PROFILE` → `MYAPP_PL_AUTH_PROFILE` when the namespace is `myapp`. */
export function namespacedName(namespace: string, name: string): string {
  return namespace ? `${namespace.toUpperCase()}_${name}` : name;
}

/** The preferences object, or `{}` when the file does not exist. */
export async function readUserConfig(storage: ObjectStorageProvider): Promise<JsonObject> {
  if (!(await storage.objExists(USER_CONFIG_FILE))) return {};
  return storage.loadObj(USER_CONFIG_FILE);
}
