/**
 * The `StorageFormat` the kernel's filesystem provider uses for `*.sops.json` keys: it hands over
 * the stored text to decode, and writes what `encode` returns atomically (temp file + rename), so
 * cleartext never reaches the disk. Its profile files, `auth_client.sops.json` and
 * `token.sops.json`, take priority over the cleartext ones when they exist.
 */
import { lazyLoader, type JsonObject, type StorageFormat, type StorageFormatContext } from "../../kernel/index.js";
import type { SopsCodecOptions } from "./sops-codec.js";

/** The codec (ciphers, MAC, the age and sops binary glue) loads with the first SOPS file read or written, not to list one. */
const loadCodec = lazyLoader(() => import("./sops-codec.js"));

/** The file name suffix of SOPS-encrypted JSON (`.sops.json`). */
export const SOPS_JSON_SUFFIX = ".sops.json";
/** The encrypted profile files, looked for before the cleartext `auth_client.json` / `token.json`. */
export const SOPS_PROFILE_FILES = { config: ["auth_client.sops.json"], token: ["token.sops.json"] } as const;

/**
 * True for every key whose file name ends in `.sops.json` — also `my.token.sops.json`, which the
 * reference implementation treats as cleartext. The bare name `.sops.json` is not one.
 */
export function isSopsKey(key: string): boolean {
  const base = key.split(/[\\/]/).pop() ?? "";
  return base.length > SOPS_JSON_SUFFIX.length && base.endsWith(SOPS_JSON_SUFFIX);
}

/** Options of the SOPS storage format (those of SOPS encryption). */
export type SopsStorageFormatOptions = SopsCodecOptions;

export interface SopsStorageFormat extends StorageFormat {
  readonly name: "sops";
}

/**
 * Create the SOPS storage format. Options inject the environment (env vars, home dir), identities, etc.;
 * without `env`, the environment the storage gives (its kernel's `env` service), else the process's.
 */
export function createSopsStorageFormat(options: SopsStorageFormatOptions = {}): SopsStorageFormat {
  return {
    name: "sops",
    matches: isSopsKey,
    profileFiles: SOPS_PROFILE_FILES,
    async decode(text: string, context: StorageFormatContext): Promise<JsonObject> {
      return (await loadCodec()).decryptSops(text, context.path, { ...options, env: options.env ?? context.env, kind: "json" });
    },
    async encode(data: JsonObject, context: StorageFormatContext & { previousText?: string }): Promise<string> {
      return (await loadCodec()).encryptSops(data, context.path, { ...options, env: options.env ?? context.env, previousText: context.previousText });
    },
  };
}
