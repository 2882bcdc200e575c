/** Profile names and their on-disk keys (files-and-profiles.md §2), with the validation the reference lacks (gap S9). */
import { ProfileException } from "./errors.js";

export const PROFILE_DIR = ".planet";
export const TOKEN_FILE = "token.json";
export const TOKEN_FILE_SOPS = "token.sops.json";
export const CONFIG_FILE = "auth_client.json";
export const CONFIG_FILE_SOPS = "auth_client.sops.json";

/** Reject names that would escape the profile directory: separators, `..`, leading `.`/`~`, control characters. */
export function validateProfileName(name: string): void {
  // eslint-disable-next-line no-control-regex
  if (!name || /[/\\]|[\u0000-\u001f\u007f]/.test(name) || name.startsWith(".") || name.startsWith("~") || name.includes("..")) {
    throw new ProfileException(`Invalid profile name ${JSON.stringify(name)}: it must not contain path separators, "..", control characters, or start with "." or "~"`);
  }
}

/** Home-relative key of a profile's cleartext token file. */
export function profileTokenFile(profileName: string): string {
  validateProfileName(profileName);
  return `${PROFILE_DIR}/${profileName.toLowerCase()}/${TOKEN_FILE}`;
}
