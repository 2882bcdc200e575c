import { types } from "node:util";
import type { AuthEvent } from "./events.js";
import type { CredentialOriginException } from "./credential.js";
import type { FileTooLargeException, UntrustedFileException } from "./file-trust.js";
import type { ConfigDiscoveryException } from "./discovery.js";

/** Options every library exception accepts. Never put secret values in any of them. */
export interface AuthExceptionOptions {
  cause?: unknown;
  event?: AuthEvent;
  /** Storage key / file path the error concerns. */
  filePath?: string;
  /** The client_type the error concerns. */
  clientType?: string;
  /** The config/data field the error concerns. */
  field?: string;
}

/**
 * Root of the library's exception hierarchy (`planet_auth.AuthException` in the Python library). Every subclass has a stable
 * `code` (like jose's error codes) so callers can branch without `instanceof` across realms; narrow
 * an unknown error with {@link isAuthError} and `switch (err.code)` over {@link ErrorCode}.
 */
export class AuthException extends Error {
  static readonly code: ErrorCode = "ERR_AUTH";
  readonly code: ErrorCode;
  readonly clientType?: string;
  readonly field?: string;
  #event?: AuthEvent;
  #baseMessage: string;
  #filePath?: string;

  /**
   * An error with a message and, in `options`, what it concerns (client type, field, file), its cause and its
   * event.
   */
  constructor(message: string, options: AuthExceptionOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = new.target.name;
    this.code = (new.target as typeof AuthException).code;
    this.#baseMessage = message;
    this.#event = options.event ?? (new.target as typeof AuthException).defaultEvent;
    this.clientType = options.clientType;
    this.field = options.field;
    this.#filePath = options.filePath;
    this.#renderMessage();
  }

  /** Subclasses may give every instance an event (e.g. TOKEN_INVALID). */
  static readonly defaultEvent: AuthEvent | undefined = undefined;

  /** The event this exception is categorised under, if any. */
  event(): AuthEvent | undefined {
    return this.#event;
  }

  get filePath(): string | undefined {
    return this.#filePath;
  }

  /** Attach (or replace) the storage path the error concerns; the message gains " (File: <path>)". */
  setFilePath(path: string | undefined): this {
    this.#filePath = path;
    this.#renderMessage();
    return this;
  }

  /**
   * Extra fields for the log line that reports this error (never secrets). None by default; a
   * plugin's exception overrides it to add what it knows (e.g. a token's non-personal claims).
   */
  logFields(): Record<string, unknown> | undefined {
    return undefined;
  }

  #renderMessage(): void {
    this.message = this.#filePath ? `${this.#baseMessage} (File: ${this.#filePath})` : this.#baseMessage;
  }
}

/** A storage-backed object could not be read, written or validated; names the path. */
export class FileBackedJsonObjectException extends AuthException {
  static override readonly code: ErrorCode = "ERR_FILE_BACKED_JSON_OBJECT";
}
/** Data failed validation (never saved). */
export class InvalidDataException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_INVALID_DATA";
}
/** An auth client config is invalid; names the client_type and the failing fields. */
export class AuthClientConfigException extends InvalidDataException {
  static override readonly code: ErrorCode = "ERR_AUTH_CLIENT_CONFIG";
}
/** The object does not exist in storage. */
export class ObjectNotFoundException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_OBJECT_NOT_FOUND";
}
/** The stored object is not valid JSON (or not a JSON object). The file is left untouched. */
export class CorruptObjectException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_CORRUPT_OBJECT";
}
/** Reading or writing storage failed (permissions, disk full, ...). Any previous object is left intact. */
export class StorageException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_STORAGE";
}

export class AuthClientException extends AuthException {
  static override readonly code: ErrorCode = "ERR_AUTH_CLIENT";
}
export interface NetworkExceptionOptions extends AuthExceptionOptions {
  /** The request method. */
  method?: string;
  /** The request URL without query string or user info. */
  url?: string;
  /** The HTTP status, when a response arrived. */
  status?: number;
}

/**
 * A network call failed before any usable response (connection refused, timeout, DNS, a refused
 * redirect, an oversized body). It carries the method, the URL without its query and the status;
 * its `cause` is a plain error with the transport's code and message, never the request (headers
 * and body hold secrets).
 */
export class NetworkException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_NETWORK";
  readonly method?: string;
  readonly url?: string;
  readonly status?: number;
  /** A network failure: the method, the URL without its query and the status, never headers or bodies. */
  constructor(message: string, options: NetworkExceptionOptions = {}) {
    const { method, url, status, ...rest } = options;
    super(message, rest);
    this.method = method;
    this.url = url;
    this.status = status;
  }
}
/** The call's time budget (all attempts and waits between them) ran out. */
export class NetworkTimeoutException extends NetworkException {
  static override readonly code: ErrorCode = "ERR_NETWORK_TIMEOUT";
}
/** The server answered with a redirect this call may not follow (credentials stay with their origin). */
export class RedirectRefusedException extends NetworkException {
  static override readonly code: ErrorCode = "ERR_REDIRECT_REFUSED";
}
/** The response body was larger than the configured cap. */
export class ResponseTooLargeException extends NetworkException {
  static override readonly code: ErrorCode = "ERR_RESPONSE_TOO_LARGE";
}
/**
 * A request cannot be authenticated: the authenticator holds no credential at all and could not
 * obtain one. Thrown instead of sending the request without credentials.
 */
export class NoCredentialException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_NO_CREDENTIAL";
}
export class AuthClientContextException extends AuthException {
  static override readonly code: ErrorCode = "ERR_AUTH_CLIENT_CONTEXT";
}
export class ProfileException extends AuthException {
  static override readonly code: ErrorCode = "ERR_PROFILE";
}
/** A value had to be asked for, but there is no terminal to ask at (stdin not a TTY, or closed). */
export class NoTerminalException extends AuthException {
  static override readonly code: ErrorCode = "ERR_NO_TERMINAL";
}
/** A plugin manifest is malformed, or it contributes something already registered. */
export class PluginException extends AuthException {
  static override readonly code: ErrorCode = "ERR_PLUGIN";
}
/** A plugin needs another plugin that is not registered on the kernel (yet). */
export class PluginDependencyException extends PluginException {
  static override readonly code: ErrorCode = "ERR_PLUGIN_DEPENDENCY";
}
/** A plugin declares a planet-auth version range this library version does not satisfy. */
export class PluginVersionException extends PluginException {
  static override readonly code: ErrorCode = "ERR_PLUGIN_VERSION";
}

export interface PluginSchemaExceptionOptions extends AuthExceptionOptions {
  plugin: string;
  keyword: string;
  schemaPath: string;
}

/**
 * A plugin's config schema cannot be used: an unknown keyword or format, a value the JSON Schema
 * meta-schema refuses, an unresolvable `$ref`, an unusable `$id`. Raised by `use()`.
 */
export class PluginSchemaException extends PluginException {
  static override readonly code: ErrorCode = "ERR_PLUGIN_SCHEMA";
  /** The plugin whose schema it is. */
  readonly plugin: string;
  /** The schema keyword at fault (e.g. "format", "type", "x-foo"'s misspelt neighbour). */
  readonly keyword: string;
  /** JSON Pointer of the keyword within the plugin's schema ("/properties/url/format"). */
  readonly schemaPath: string;
  /** A plugin schema error, naming the plugin, the schema and the failing rule. */
  constructor(message: string, options: PluginSchemaExceptionOptions) {
    const { plugin, keyword, schemaPath, ...rest } = options;
    super(message, rest);
    this.plugin = plugin;
    this.keyword = keyword;
    this.schemaPath = schemaPath;
  }
}

/** Code in a plugin (its config class, say) failed while the kernel used it: the plugin's fault, not the data's. */
export class PluginFailureException extends PluginException {
  static override readonly code: ErrorCode = "ERR_PLUGIN_FAILURE";
}

/**
 * Every error code, mapped to its exception class. Plugins add theirs by declaration merging
 * (`declare module "planet-auth" { interface ErrorCodes { ERR_MINE: MyException } }`), so
 * {@link ErrorCode} and {@link AuthError} cover them too.
 */
export interface ErrorCodes {
  ERR_AUTH: AuthException;
  ERR_FILE_BACKED_JSON_OBJECT: FileBackedJsonObjectException;
  ERR_INVALID_DATA: InvalidDataException;
  ERR_AUTH_CLIENT_CONFIG: AuthClientConfigException;
  ERR_OBJECT_NOT_FOUND: ObjectNotFoundException;
  ERR_CORRUPT_OBJECT: CorruptObjectException;
  ERR_STORAGE: StorageException;
  ERR_AUTH_CLIENT: AuthClientException;
  ERR_NETWORK: NetworkException;
  ERR_NETWORK_TIMEOUT: NetworkTimeoutException;
  ERR_REDIRECT_REFUSED: RedirectRefusedException;
  ERR_RESPONSE_TOO_LARGE: ResponseTooLargeException;
  ERR_NO_CREDENTIAL: NoCredentialException;
  ERR_NO_TERMINAL: NoTerminalException;
  ERR_AUTH_CLIENT_CONTEXT: AuthClientContextException;
  ERR_PROFILE: ProfileException;
  ERR_PLUGIN: PluginException;
  ERR_PLUGIN_DEPENDENCY: PluginDependencyException;
  ERR_PLUGIN_VERSION: PluginVersionException;
  ERR_PLUGIN_SCHEMA: PluginSchemaException;
  ERR_PLUGIN_FAILURE: PluginFailureException;
  ERR_CREDENTIAL_ORIGIN: CredentialOriginException;
  ERR_UNTRUSTED_FILE: UntrustedFileException;
  ERR_FILE_TOO_LARGE: FileTooLargeException;
  ERR_CONFIG_DISCOVERY: ConfigDiscoveryException;
}

/** The string-literal union of every error code. */
export type ErrorCode = Extract<keyof ErrorCodes, string>;

/**
 * A library error discriminated by its `code`: in `switch (err.code)` each case narrows `err` to
 * the exception class of that code, and a `never` default proves the switch exhaustive.
 */
export type AuthError = { [C in ErrorCode]: ErrorCodes[C] & { readonly code: C } }[ErrorCode];

/** True for the library's own errors (of this realm), typed for an exhaustive `switch (err.code)`. */
export function isAuthError(err: unknown): err is AuthError {
  return err instanceof AuthException;
}

/** An exception class of this library, constructed with a message and options. */
export type ExceptionClass = new (message: string, options?: AuthExceptionOptions) => AuthException;
/** Any error class (for `recast` and `instanceof` checks). */
export type AnyErrorClass = abstract new (...args: never[]) => Error;

/** Build the recast message: "<original message> (<original class name>)". */
export function recastMessage(err: unknown): string {
  // isNativeError also recognises errors from another realm (vm contexts, test sandboxes).
  if (err instanceof Error || types.isNativeError(err)) return `${err.message} (${err.constructor?.name ?? err.name})`;
  return `${String(err)} (${typeof err})`;
}

/**
 * The Python library's (`planet_auth`) `AuthException.recast` decorator as a higher-order function: errors of the listed types
 * (default: any) thrown by `fn` are rethrown as `target`, message "<msg> (<OrigClass>)", cause kept.
 * Works for sync and async functions.
 */
export function recast<A extends unknown[], R>(
  target: ExceptionClass,
  sources: AnyErrorClass[] | undefined,
  fn: (...args: A) => R,
  options: Omit<AuthExceptionOptions, "cause"> = {},
): (...args: A) => R {
  const matches = (e: unknown) => !sources || sources.length === 0 || sources.some((s) => e instanceof s);
  const convert = (e: unknown): never => {
    if (matches(e)) throw new target(recastMessage(e), { ...options, cause: e });
    throw e;
  };
  return (...args: A): R => {
    try {
      const result = fn(...args);
      if (result instanceof Promise) return result.catch(convert) as R;
      return result;
    } catch (e) {
      return convert(e);
    }
  };
}
