import { AuthEvent } from "./events.js";
import { AuthException } from "./errors.js";
import { SecretNames } from "./redact.js";
import { LIBRARY_VERSION } from "./version.js";

/** A log record's level. */
export type LogLevel = "debug" | "info" | "warn" | "error";
/**
 * What a host logger must provide. console, pino and winston all satisfy it (method syntax, so their
 * narrower overloads, e.g. pino's `(obj, msg?: string)`, are accepted).
 * `isLevelEnabled` (pino, winston) lets the library skip formatting for filtered levels.
 */
export interface HostLogger {
  /** Log at debug level. */
  debug(...args: unknown[]): unknown;
  /** Log at info level. */
  info(...args: unknown[]): unknown;
  /** Log at warning level. */
  warn(...args: unknown[]): unknown;
  /** Log at error level. */
  error(...args: unknown[]): unknown;
  /**
   * Optional: whether records of a level are wanted (pino, winston), so the library can skip building
   * filtered ones.
   */
  isLevelEnabled?: (level: string) => boolean;
}

/** The prefix of every log message of the library. */
export const LOG_PREFIX = "[planet-auth-ts] ";
/** Used by a logger no kernel has handed its secret names to: redacts the generic HTTP credentials. */
const redactDefault = new SecretNames();

/** What a log record carries besides its message: the event, fields (secrets redacted) and the exception. */
export interface LogOptions {
  event?: AuthEvent;
  exception?: unknown;
  /**
   * Extra structured fields (e.g. a plugin's description of a token). They are redacted with the
   * logger's secret names; an AuthException's own `logFields()` are added first.
   */
  fields?: Record<string, unknown>;
}

/** How records reach the host logger: the payload as one JSON string, or as structured fields. */
export type OutputMode =
  | { mode: "string" }
  | { mode: "structured"; nestedKey: string | null; objectFirst: boolean };

/**
 * The library's logger (`AuthLogger` of the Python library, `planet_auth`). Every record gets a structured payload (event, library
 * versions, redacted fields from the caller or the exception, the error text); in string mode the
 * payload is logged as one JSON string, in structured mode as extra fields. Mute it with `setHostLogger(null)`.
 */
export class AuthLogger {
  #host: HostLogger | null;
  #output: OutputMode = { mode: "string" };
  /** Library versions reported in `auth_libraries`; per logger, hence per kernel. */
  readonly #libraries: Record<string, string> = { "planet-auth": LIBRARY_VERSION };
  #secretNames?: SecretNames;

  /** A logger sending records to `host`; null (the default) mutes it. */
  constructor(host: HostLogger | null = null) {
    this.#host = host;
  }

  /** Send records to `host` (console, pino, winston, …); null mutes the logger. */
  setHostLogger(host: HostLogger | null): void {
    this.#host = host;
  }
  /** The logger records go to; null when muted. */
  hostLogger(): HostLogger | null {
    return this.#host;
  }

  /** Log each record's payload as one JSON string after the message (the default). */
  setStringLogging(): void {
    this.#output = { mode: "string" };
  }

  /** `objectFirst` = pino's `(obj, msg)` call style; otherwise winston/console style `(msg, obj)`. */
  setStructuredLogging(options: { nestedKey?: string | null; objectFirst?: boolean } = {}): void {
    this.#output = {
      mode: "structured",
      nestedKey: options.nestedKey === undefined ? "props" : options.nestedKey,
      objectFirst: options.objectFirst ?? false,
    };
  }

  /** Plugins may report their own package versions in `auth_libraries` (of this logger only). */
  registerLibraryVersion(name: string, version: string): void {
    this.#libraries[name] = version;
  }

  /**
   * The secret names this logger redacts from fields. A kernel hands its own set to the logger it
   * resolves, unless the logger already has one (a logger shared by kernels keeps the first).
   */
  useSecretNames(names: SecretNames): void {
    this.#secretNames ??= names;
  }
  /** True once a kernel has handed this logger its secret names. */
  hasSecretNames(): boolean {
    return this.#secretNames !== undefined;
  }

  /** True when a record of this level would reach the host logger (so callers can skip building it). */
  isEnabled(level: LogLevel): boolean {
    const host = this.#host;
    if (!host) return false;
    return host.isLevelEnabled ? host.isLevelEnabled(level) : true;
  }

  /** Log a debug record. */
  debug(message: string | undefined, options?: LogOptions): void {
    this.log("debug", message, options);
  }
  /** Log an info record. */
  info(message: string | undefined, options?: LogOptions): void {
    this.log("info", message, options);
  }
  /** Log a warning record (`AuthLogger.warning` in the Python library; the host's `warn`). */
  warning(message: string | undefined, options?: LogOptions): void {
    this.log("warn", message, options);
  }
  /** Log an error record. */
  error(message: string | undefined, options?: LogOptions): void {
    this.log("error", message, options);
  }

  /**
   * Log a record at `level`: the message, the event, and the fields and exception of `options`, secrets
   * redacted.
   */
  log(level: LogLevel, message: string | undefined, options: LogOptions = {}): void {
    if (!this.isEnabled(level)) return;
    const host = this.#host!;
    const { exception } = options;
    const payload: Record<string, unknown> = {
      event: options.event ?? (exception instanceof AuthException ? exception.event() : undefined) ?? AuthEvent.TRACE,
      auth_libraries: { ...this.#libraries },
    };
    const fields = { ...(exception instanceof AuthException ? exception.logFields() : undefined), ...options.fields };
    Object.assign(payload, this.#secretNames ? this.#secretNames.redact(fields) : redactDefault.redact(fields));
    const errorText = exception === undefined ? undefined : exception instanceof Error ? exception.message : String(exception);
    if (errorText !== undefined) payload.error = errorText;
    const text = LOG_PREFIX + (message ?? errorText ?? "");
    const out = this.#output;
    if (out.mode === "string") {
      host[level](JSON.stringify({ ...payload, msg: text }));
    } else {
      const structured = out.nestedKey ? { [out.nestedKey]: payload } : payload;
      if (out.objectFirst) host[level](structured, text);
      else host[level](text, structured);
    }
  }
}

/**
 * Wrap `fn` so a thrown error is logged (event: override > the error's own > default) and rethrown.
 * The Python library's (`planet_auth`) `AuthLogger.log_exception` decorator as a higher-order function.
 */
export function logException<A extends unknown[], R>(
  logger: AuthLogger,
  fn: (...args: A) => R,
  options: { defaultEvent?: AuthEvent; overrideEvent?: AuthEvent; level?: LogLevel; exceptionClass?: abstract new (...a: never[]) => Error } = {},
): (...args: A) => R {
  const { defaultEvent = AuthEvent.TRACE, overrideEvent, level = "warn", exceptionClass = Error } = options;
  const report = (e: unknown): never => {
    if (e instanceof exceptionClass) {
      const own = e instanceof AuthException ? e.event() : undefined;
      logger.log(level, undefined, { exception: e, event: overrideEvent ?? own ?? defaultEvent });
    }
    throw e;
  };
  return (...args: A): R => {
    try {
      const r = fn(...args);
      return (r instanceof Promise ? r.catch(report) : r) as R;
    } catch (e) {
      return report(e);
    }
  };
}
