/**
 * tsyringe's container class, loaded when a kernel's container is first asked for (`kernel.container`),
 * not when the package is imported nor when a kernel is built.
 * The kernel needs only the container (it registers values and factories under symbol tokens and uses
 * no decorators), so it loads tsyringe's container module, not its entry point: the entry point also
 * loads the decorators, factories and lazy helpers (some 30 modules) and throws unless the global
 * `reflect-metadata` polyfill is installed. The module is the same file the entry point re-exports, so
 * the class is the one of an application's `import { container } from "tsyringe"`: classes it marks
 * `@injectable()` resolve in a kernel's container. Should a tsyringe release move that file, the
 * entry point is loaded instead (with the polyfill it requires).
 */
import { createRequire } from "node:module";
import type { DependencyContainer } from "tsyringe";

// tsyringe is CommonJS: a synchronous require keeps kernel creation synchronous.
const requireCjs = createRequire(import.meta.url);
const CONTAINER_MODULE = "tsyringe/dist/cjs/dependency-container.js";

type ContainerClass = new () => DependencyContainer;
let containerClass: ContainerClass | undefined;

function loadGlobalContainer(): DependencyContainer {
  try {
    return (requireCjs(CONTAINER_MODULE) as { instance: DependencyContainer }).instance;
  } catch {
    // tsyringe's entry point needs the polyfill; the application may have installed it already.
    try {
      requireCjs("reflect-metadata");
    } catch {
      // not installed here: tsyringe's own error names it
    }
    return (requireCjs("tsyringe") as typeof import("tsyringe")).container;
  }
}

/**
 * The class of tsyringe's global container. Constructed without a parent it is what tsyringe builds
 * its root from (tsyringe exports only the global instance, and `createChildContainer()` resolves
 * through it).
 */
export function tsyringeContainerClass(): ContainerClass {
  containerClass ??= loadGlobalContainer().constructor as ContainerClass;
  return containerClass;
}
