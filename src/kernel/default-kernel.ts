/**
 * The default kernel backs the static factories of the Python library (`planet_auth`) (AuthClientConfig.fromDict, AuthClient.fromConfig,
 * Auth.initializeFrom*) and config classes constructed without a kernel; it is the library's only
 * process-wide state, and nothing else falls back to it. The kernel cannot import plugins, so the
 * package entry point installs a factory that registers the built-ins; without it the default
 * kernel has no plugins.
 */
import type { AuthKernel } from "./kernel.js";

let factory: (() => AuthKernel) | undefined;
let instance: AuthKernel | undefined;

/**
 * How the default kernel is made when first needed (the package root installs one that registers the built-in
 * plugins).
 */
export function setDefaultKernelFactory(create: () => AuthKernel): void {
  factory = create;
  instance = undefined;
}

/** Replace the default kernel (e.g. to change its seams for a whole application). */
export function setDefaultKernel(kernel: AuthKernel | undefined): void {
  instance = kernel;
}

/**
 * The default kernel, made on first use: the one the static factories (`Auth.initializeFromProfile`,
 * `AuthClientConfig.fromDict`, …) use when given no kernel.
 */
export function defaultKernel(): AuthKernel {
  if (!instance) {
    if (!factory) throw new Error("planet-auth: no default kernel factory installed; import the package entry point or use createKernel()");
    instance = factory();
  }
  return instance;
}
