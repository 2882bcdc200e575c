/**
 * On-disk profiles: `~/.planet/<name>/<config file>` and `<token file>`. The file names are offered
 * by the registered storage formats, in priority order, before the base format's `auth_client.json`
 * and `token.json`: the first that exists is used, and a config is saved to the existing file of
 * the highest priority, so a cleartext file is never written beside an encrypted one. Names are
 * validated so that a profile cannot reach outside `~/.planet`. Profiles found by config discovery
 * keep their tokens apart, under `~/.planet/.discovered/<config file id>/<name>/`, so a config file
 * never reaches another's tokens. Which source a name comes from is decided by the profile
 * resolver (`src/profiles`), not here.
 */
import { ProfileException } from "./errors.js";
import type { ObjectStorageProvider, ProfileFileNames } from "./storage-provider.js";
import type { AuthClientConfig } from "./auth-client-config.js";

export const PROFILE_DIR = ".planet";
/** The base (cleartext JSON) format's profile file names: the last resort of every lookup. */
export const TOKEN_FILE = "token.json";
export const CONFIG_FILE = "auth_client.json";
/** The user's preferences file (home-relative); its keys are environment variable names. */
export const USER_CONFIG_FILE = ".planet.json";
/** Under the profile directory; not a valid profile name, so no on-disk profile can share it. */
const DISCOVERED_PROFILES_DIR = ".discovered";

/**
 * A profile name, as a regular expression (also the JSON Schema pattern editors check a config file's
 * profile names with): one path component that cannot reach outside the profile directory — no path
 * separator or control character, not starting with `.` (which covers `.` and `..`) or `~`. Any
 * other name is accepted, as the Python library accepts it (e.g. `a..b`).
 */
export const PROFILE_NAME_PATTERN = "^[^.~/\\\\\\u0000-\\u001f\\u007f][^/\\\\\\u0000-\\u001f\\u007f]*$";
const PROFILE_NAME = new RegExp(PROFILE_NAME_PATTERN, "u");

/** Reject a name that is not a PROFILE_NAME_PATTERN. */
export function validateProfileName(name: string): void {
  if (!PROFILE_NAME.test(name)) {
    throw new ProfileException(`Invalid profile name ${JSON.stringify(name)}: it must not contain path separators or control characters, or start with "." or "~"`);
  }
}

/** The first candidate that exists, else the last (the base format's name). */
async function firstExisting(storage: ObjectStorageProvider, dir: string, names: readonly string[], base: string): Promise<string> {
  const candidates = [...names.filter((n) => n !== base), base].map((n) => `${dir}/${n}`);
  for (const key of candidates) if (await storage.objExists(key)) return key;
  return candidates[candidates.length - 1]!;
}

function profileDir(profileName: string): string {
  validateProfileName(profileName);
  return `${PROFILE_DIR}/${profileName.toLowerCase()}`;
}

/**
 * Home-relative key of a profile's token file: the first of the formats' token file names that
 * exists, else `token.json`. `names` is the kernel's `profileFileNames()`.
 */
export function resolveProfileTokenFile(profileName: string, storage: ObjectStorageProvider, names: ProfileFileNames): Promise<string> {
  return firstExisting(storage, profileDir(profileName), names.token, TOKEN_FILE);
}

/**
 * Home-relative key of the token file of a profile found in the config file `source`:
 * `.planet/.discovered/<first 16 hex of sha256(source)>/<name>/<token file>`. A profile of the same
 * name in another config file, or on disk, has its own token.
 */
export function resolveDiscoveredProfileTokenFile(
  profileName: string, source: string | undefined, storage: ObjectStorageProvider, names: ProfileFileNames,
): Promise<string> {
  validateProfileName(profileName);
  const id = process.getBuiltinModule("node:crypto").createHash("sha256").update(source ?? "").digest("hex").slice(0, 16);
  const dir = `${PROFILE_DIR}/${DISCOVERED_PROFILES_DIR}/${id}/${profileName.toLowerCase()}`;
  return firstExisting(storage, dir, names.token, TOKEN_FILE);
}

/** Home-relative key of a profile's config file: the first of the formats' config file names that exists, else `auth_client.json`. */
export function resolveProfileConfigFile(profileName: string, storage: ObjectStorageProvider, names: ProfileFileNames): Promise<string> {
  return firstExisting(storage, profileDir(profileName), names.config, CONFIG_FILE);
}

/**
 * Key a profile's config is written to — the one rule for every write: the profile's existing config
 * file of the highest priority (so a cleartext file is never written beside an encrypted one, and the
 * file written is the file read); for a profile without one, `preferred` (a file name one of `names`
 * offers, e.g. an encrypted format's), else `auth_client.json`. Asking for `preferred` when the
 * profile already has a lower-priority file is refused: writing it would leave the old file beside it.
 */
export async function profileConfigFileForWrite(
  profileName: string, storage: ObjectStorageProvider, names: ProfileFileNames, preferred?: string,
): Promise<string> {
  const dir = profileDir(profileName);
  const ordered = [...names.config.filter((n) => n !== CONFIG_FILE), CONFIG_FILE];
  if (preferred !== undefined && !ordered.includes(preferred)) {
    throw new ProfileException(`"${preferred}" is not a profile config file name a registered storage format offers (${ordered.join(", ")})`);
  }
  for (const file of ordered) {
    const key = `${dir}/${file}`;
    if (!(await storage.objExists(key))) continue;
    if (preferred !== undefined && ordered.indexOf(preferred) < ordered.indexOf(file)) {
      throw new ProfileException(
        `Profile "${profileName}" already has the config file ~/${key}; writing ${preferred} would leave it beside the new file: remove it first`,
        { filePath: key },
      );
    }
    return key;
  }
  return `${dir}/${preferred ?? CONFIG_FILE}`;
}

/**
 * Save a config as a profile's config file, to the file `profileConfigFileForWrite` names (e.g. an
 * existing encrypted one, never a cleartext `auth_client.json` beside it). The file names are those
 * of the config's kernel.
 */
export async function saveProfileConfig(
  profileName: string,
  config: AuthClientConfig,
  storage: ObjectStorageProvider = config.storageProvider(),
  preferred?: string,
): Promise<string> {
  const key = await profileConfigFileForWrite(profileName, storage, config.kernel().profileFileNames(), preferred);
  config.setPath(key);
  config.setStorageProvider(storage);
  await config.save();
  return key;
}
