/**
 * tsyringe is loaded with the first kernel, not when the package is imported. Its entry point throws
 * unless the global `reflect-metadata` polyfill is installed, so the polyfill is installed just
 * before it. Nothing else needs the polyfill: the library registers values under symbol tokens and
 * uses no decorators.
 */
import { createRequire } from "node:module";
import type { DependencyContainer } from "tsyringe";

// tsyringe and reflect-metadata are CommonJS: a synchronous require keeps kernel creation synchronous.
const requireCjs = createRequire(import.meta.url);
let root: DependencyContainer | undefined;

/** tsyringe's global container; each kernel works in its own child of it. */
export function tsyringeRoot(): DependencyContainer {
  if (!root) {
    requireCjs("reflect-metadata");
    root = (requireCjs("tsyringe") as typeof import("tsyringe")).container;
  }
  return root;
}
