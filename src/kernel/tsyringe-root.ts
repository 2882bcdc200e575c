/**
 * tsyringe is loaded with the first kernel, not when the package is imported. Its entry point throws
 * unless the global `reflect-metadata` polyfill is installed, so the polyfill is installed just
 * before it. Nothing else needs the polyfill: the library registers values under symbol tokens and
 * uses no decorators.
 */
import { createRequire } from "node:module";

// tsyringe and reflect-metadata are CommonJS: a synchronous require keeps kernel creation synchronous.
const requireCjs = createRequire(import.meta.url);
let loaded: typeof import("tsyringe") | undefined;

/** The tsyringe module, loaded on first use. */
export function tsyringe(): typeof import("tsyringe") {
  if (!loaded) {
    requireCjs("reflect-metadata");
    loaded = requireCjs("tsyringe") as typeof import("tsyringe");
  }
  return loaded;
}
