/**
 * The kernel with the built-in plugins: `createDefaultKernel`, `loadKernel`, and the defaults the
 * package entry point installs (the default kernel's factory, the built-in storage formats). Apart
 * from the entry point, so that the plauth CLI gets them without loading every export of the package.
 */
import {
  createKernel, loadKernel as loadKernelWith, setDefaultKernelFactory,
  type AuthKernel, type CreateKernelOptions, type LoadKernelOptions,
} from "./kernel/index.js";
import { builtinPlugins } from "./builtins.js";
import { setDefaultStorageFormats } from "./kernel/storage/default-formats.js";

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
