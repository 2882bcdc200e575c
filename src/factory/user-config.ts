/**
 * The user's preferences file `~/.planet.json`: a flat JSON object whose keys are the (namespaced)
 * environment variable names, e.g. `PL_AUTH_PROFILE`. Read and written through a storage provider
 * (reading, and the namespacing of names, are the profile resolver's: `src/profiles`).
 */
import { USER_CONFIG_FILE, type ObjectStorageProvider } from "../kernel/index.js";
import { namespacedName, readUserConfig } from "../profiles/index.js";

export { namespacedName, readUserConfig };

/** Variable names the factory and the CLI read; each is namespaced by the built-in provider's namespace. */
export const ENV = {
  profile: "PL_AUTH_PROFILE",
  clientId: "PL_AUTH_CLIENT_ID",
  clientSecret: "PL_AUTH_CLIENT_SECRET",
  apiKey: "PL_API_KEY",
  scope: "PL_AUTH_SCOPE",
  audience: "PL_AUTH_AUDIENCE",
  extra: "PL_AUTH_EXTRA",
  organization: "PL_AUTH_ORGANIZATION",
  project: "PL_AUTH_PROJECT",
  username: "PL_AUTH_USERNAME",
  password: "PL_AUTH_PASSWORD",
  issuer: "PL_AUTH_ISSUER",
  tokenFile: "PL_AUTH_TOKEN_FILE",
  token: "PL_AUTH_TOKEN",
  loglevel: "PL_LOGLEVEL",
} as const;

export type EnvKey = keyof typeof ENV;


/** Set (or, with null, remove) one key, keeping the others. */
export async function updateUserConfig(storage: ObjectStorageProvider, key: string, value: string | null): Promise<void> {
  const data = await readUserConfig(storage);
  if (value === null) delete data[key];
  else data[key] = value;
  await storage.saveObj(USER_CONFIG_FILE, data);
}
