/**
 * The storage-sops plugin value: contributes the SOPS StorageFormat, so the kernel's filesystem
 * provider reads and writes every `*.sops.json` key encrypted. Register it explicitly:
 * `kernel.use(storageSopsPlugin)`, or `kernel.use(createStorageSopsPlugin({ env, homeDir }))` to
 * inject the environment. (No storage provider is contributed: wrapping the default filesystem
 * provider, which already applies this format, would encrypt twice. Use {@link SopsStorageProvider}
 * directly to wrap a custom provider.)
 */
import { LIBRARY_VERSION, definePlugin } from "../../kernel/index.js";
import { createSopsStorageFormat, type SopsStorageFormatOptions } from "./sops-storage-format.js";

/** The name of the SOPS storage plugin. */
export const STORAGE_SOPS_PLUGIN_NAME = "planet-auth/storage-sops";

/**
 * The SOPS storage plugin with injected options (environment variables, home directory, identities);
 * `storageSopsPlugin` is the one with defaults.
 */
export function createStorageSopsPlugin(options: SopsStorageFormatOptions = {}) {
  return definePlugin({
    name: STORAGE_SOPS_PLUGIN_NAME,
    version: LIBRARY_VERSION,
    storageFormats: [createSopsStorageFormat(options)],
  });
}

/** The plugin with the real process environment (env vars, home dir, `sops` on PATH). */
export const storageSopsPlugin = createStorageSopsPlugin();
