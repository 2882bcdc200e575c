/**
 * planet-auth for TypeScript — the public API: the kernel, the built-in plugins, and a default
 * kernel with the built-ins registered, which backs the static factories of the Python library (`planet_auth`).
 */
import {
  createKernel, loadKernel as loadKernelWith, setDefaultKernelFactory,
  type AuthKernel, type CreateKernelOptions, type LoadKernelOptions,
} from "./kernel/index.js";
import { builtinPlugins } from "./builtins.js";
import { setDefaultStorageFormats } from "./kernel/storage/default-formats.js";
import { AuthEvent as KernelAuthEvent, type AuthEventRegistry } from "./kernel/index.js";
import { TokenEvent } from "./plugins/oidc/index.js";

export * from "./kernel/index.js";
export * from "./plugins/oidc/index.js";
export * from "./plugins/none/index.js";
export * from "./plugins/static-key/index.js";
export * from "./plugins/legacy/index.js";
export * from "./plugins/storage-sops/index.js";
export * from "./plugins/storage-redis/index.js";
export { builtinPlugins } from "./builtins.js";
export type { AuthEventRegistry } from "./kernel/index.js";
export * from "./factory/index.js";
export * from "./profiles/index.js";

/** `planet_auth.AuthEvent` of the Python library: the kernel's events and the token events of the OIDC plugin. */
export const AuthEvent = { ...KernelAuthEvent, ...TokenEvent } as const;
/** The name of an event: the kernel's and every registered plugin's (see AuthEventRegistry). */
export type AuthEvent = Extract<keyof AuthEventRegistry, string>;

/** A kernel with the built-in plugins, then `options.plugins`. */
export function createDefaultKernel(options: CreateKernelOptions = {}): AuthKernel {
  return createKernel({ ...options, plugins: [...builtinPlugins, ...(options.plugins ?? [])] });
}

/** Discover a `planetauth` config file and build a kernel with the built-ins plus the plugins it names. */
export function loadKernel(options: Omit<LoadKernelOptions, "basePlugins"> = {}): Promise<AuthKernel> {
  return loadKernelWith({ ...options, basePlugins: builtinPlugins });
}

setDefaultKernelFactory(() => createDefaultKernel());
// Objects given no storage provider store with the built-in formats (`*.sops.json` encrypted), as in the Python library.
setDefaultStorageFormats(() => builtinPlugins.flatMap((plugin) => plugin.storageFormats ?? []));
