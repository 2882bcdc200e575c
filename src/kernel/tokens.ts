/**
 * Injection tokens for the kernel's tsyringe container. Typed symbols, never strings, so a typo
 * is a compile error and two libraries cannot collide.
 */
import type { Clock, Sleep, BrowserOpener, TtyPrompt, TtyDisplay, Environment } from "./seams.js";
import type { HttpClient } from "./http.js";
import type { AuthLogger } from "./logging.js";
import type { ObjectStorageProvider } from "./storage-provider.js";

/** A symbol that remembers the type of what it resolves to. */
export type Token<T> = symbol & { readonly __resolves?: T };
/**
 * A new service token: register a provider under it with `kernel.provide` / `register`, and resolve it with
 * `kernel.resolve`; `T` is the type of the service.
 */
export function token<T>(description: string): Token<T> {
  return Symbol(`planet-auth:${description}`) as Token<T>;
}

export const HTTP_CLIENT = token<HttpClient>("HttpClient");
export const CLOCK = token<Clock>("Clock");
export const SLEEP = token<Sleep>("Sleep");
export const BROWSER_OPENER = token<BrowserOpener>("BrowserOpener");
export const TTY_PROMPT = token<TtyPrompt>("TtyPrompt");
export const TTY_DISPLAY = token<TtyDisplay>("TtyDisplay");
export const LOGGER = token<AuthLogger>("AuthLogger");
export const ENVIRONMENT = token<Environment>("Environment");
/** The default storage provider (filesystem under the home directory, with plugin formats). */
export const STORAGE_PROVIDER = token<ObjectStorageProvider>("ObjectStorageProvider");
