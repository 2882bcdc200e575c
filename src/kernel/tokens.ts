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

/** The service token of the kernel's `HttpClient` (default: a `GotHttpClient`). */
export const HTTP_CLIENT = token<HttpClient>("HttpClient");
/** The service token of the kernel's `Clock` (default: the system clock). */
export const CLOCK = token<Clock>("Clock");
/** The service token of the kernel's `Sleep` (waits between retries and polls). */
export const SLEEP = token<Sleep>("Sleep");
/** The service token of the kernel's `BrowserOpener` (opens the login page of a browser login). */
export const BROWSER_OPENER = token<BrowserOpener>("BrowserOpener");
/** The service token of the kernel's `TtyPrompt` (asks the user for a code, user name or password). */
export const TTY_PROMPT = token<TtyPrompt>("TtyPrompt");
/** The service token of the kernel's `TtyDisplay` (shows login instructions). */
export const TTY_DISPLAY = token<TtyDisplay>("TtyDisplay");
/** The service token of the kernel's `AuthLogger` (default: a muted one). */
export const LOGGER = token<AuthLogger>("AuthLogger");
/** The service token of the environment variables the kernel reads (default: `process.env`). */
export const ENVIRONMENT = token<Environment>("Environment");
/** The default storage provider (filesystem under the home directory, with plugin formats). */
export const STORAGE_PROVIDER = token<ObjectStorageProvider>("ObjectStorageProvider");
