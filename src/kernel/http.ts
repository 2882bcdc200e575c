/**
 * The library's own HTTP seam. A GET without a body (metadata, keys, userinfo) goes out through Node's
 * own http/https modules; other calls through got (imported lazily: it and its dependencies cost a
 * process ≈ 19 MB, too much for the keys a resource server fetches on its first token). Every call:
 * - has one time budget covering all its attempts and the waits between them;
 * - retries a POST only when the request provably never reached the server (connection refused,
 *   DNS failure), so a one-time grant is sent at most once; GETs also retry resets and 429/503;
 * - follows no redirect unless asked to, and then only to the same origin (auth-server calls carry
 *   secrets; a 3xx elsewhere is a RedirectRefusedException naming the URL and the Location host),
 *   without any `user:password@` the target names;
 * - reads at most `maxResponseBytes` of body;
 * - fails with a NetworkException whose cause holds no request headers or body.
 */
import type { Got, Response as GotResponse } from "got";
import {
  NetworkException, NetworkTimeoutException, RedirectRefusedException, ResponseTooLargeException, type NetworkExceptionOptions,
} from "./errors.js";
import { realSleep, systemClock, type Clock, type Sleep } from "./seams.js";
import { X_PLANET_APP, X_PLANET_APP_HEADER } from "./version.js";

/** One HTTP request the library makes: method, URL, headers, body and how to treat redirects. */
export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded; undefined/null values are omitted. */
  form?: Record<string, string | undefined | null>;
  /** Sent as application/json. */
  json?: unknown;
  /** Overrides the client's default timeout (the whole budget of this call, retries included). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * What a 3xx answer does: `"error"` (the default) fails the call; `"same-origin"` follows it when
   * the target has the request's origin (GET only; for public documents such as a server's metadata and keys).
   */
  redirect?: "error" | "same-origin";
  /** Overrides the client's response size cap for this call. */
  maxResponseBytes?: number;
}

/** The response to an `HttpRequest`: status, headers, body as text and the final URL. */
export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

/**
 * The HTTP client the library makes its own calls with (token, discovery, JWKS, … endpoints); a kernel's
 * `HTTP_CLIENT` service, replaceable by a host (e.g. to go through a proxy).
 */
export interface HttpClient {
  /** Send one request and return its response; throws `NetworkException` when no response arrives in time. */
  request(req: HttpRequest): Promise<HttpResponse>;
}

/** Options of `GotHttpClient`: the time budget of a call, the retries and the response size cap. */
export interface HttpClientOptions {
  /** Budget of a whole call, retries and their waits included. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  retryLimit?: number;
  /** Delay unit: retry n waits (n-1) × 2 × unit, i.e. 0, 2 s, 4 s by default. Retry-After wins. */
  retryBackoffMs?: number;
  /** Cap on any retry delay. Default 120 s. */
  maxRetryDelayMs?: number;
  /** Largest response body read, in bytes. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Same-origin redirects followed at most by a call that allows them. Default 5. */
  maxRedirects?: number;
  /** Waits between retries (injectable for tests). */
  sleep?: Sleep;
  /** Measures the call's budget (injectable for tests). */
  clock?: Clock;
}

/**
 * How much of a response body the library reads by default (1 MiB); more is a `ResponseTooLargeException`.
 */
export const DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

/** Errors raised before a request reached the server: safe to retry even for POST. */
const CONNECT_ERROR_CODES: ReadonlySet<string> = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
/** Errors after which a GET may be retried. */
const GET_RETRY_ERROR_CODES: ReadonlySet<string> = new Set([...CONNECT_ERROR_CODES, "ECONNRESET", "EPIPE"]);
const GET_RETRY_STATUSES: ReadonlySet<number> = new Set([429, 503]);
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** An `application/x-www-form-urlencoded` body from a record; undefined and null values are left out. */
export function encodeForm(form: Record<string, string | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== null) params.append(k, v);
  return params.toString();
}

/** One failed attempt, reduced to what is safe to keep. */
interface Failure {
  code?: string;
  message: string;
  kind: "transport" | "timeout" | "too-large";
}

/**
 * The default `HttpClient`, built on got: one time budget per call covering all attempts, POSTs retried only
 * when they never left, no redirect from an auth server, at most `maxResponseBytes` read. Options:
 * `timeoutMs`, `retryLimit`, `maxResponseBytes`.
 */
export class GotHttpClient implements HttpClient {
  readonly options: Required<Omit<HttpClientOptions, "sleep" | "clock">>;
  readonly #sleep: Sleep;
  readonly #clock: Clock;
  #got?: Promise<Got>;

  /**
   * An HTTP client with its time budget, retries and response size cap (defaults: 30 s, 3 retries, 1 MiB).
   */
  constructor(options: HttpClientOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 30_000,
      retryLimit: options.retryLimit ?? 3,
      retryBackoffMs: options.retryBackoffMs ?? 1_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 120_000,
      maxResponseBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
      maxRedirects: options.maxRedirects ?? 5,
    };
    this.#sleep = options.sleep ?? realSleep;
    this.#clock = options.clock ?? systemClock;
  }

  #client(): Promise<Got> {
    // Retries and redirects are this class's own decisions, so got does neither.
    this.#got ??= import("got").then(({ default: got }) => got.extend({ throwHttpErrors: false, followRedirect: false, retry: { limit: 0 } }));
    return this.#got;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const headers: Record<string, string> = { [X_PLANET_APP_HEADER]: X_PLANET_APP, ...req.headers };
    let body: string | undefined;
    if (req.form) {
      headers["Content-Type"] ??= "application/x-www-form-urlencoded";
      body = encodeForm(req.form);
    } else if (req.json !== undefined) {
      headers["Content-Type"] ??= "application/json";
      body = JSON.stringify(req.json);
    }
    const budgetMs = req.timeoutMs ?? this.options.timeoutMs;
    const deadline = this.#clock.now() + budgetMs;
    const maxBytes = req.maxResponseBytes ?? this.options.maxResponseBytes;
    let url = req.url;
    let redirects = 0;
    for (let retry = 0; ; ) {
      const remaining = deadline - this.#clock.now();
      const where = { method: req.method, url: redactUrl(url) };
      if (remaining <= 0) throw timeoutError(where, budgetMs);
      let res: HttpResponse;
      try {
        res = await this.#attempt(url, req.method, headers, body, remaining, maxBytes, req.signal);
      } catch (err) {
        req.signal?.throwIfAborted();
        const failure = describeFailure(err);
        const delay = failure.kind === "transport" && retry < this.options.retryLimit ? this.#errorRetryDelay(req.method, failure, retry + 1) : undefined;
        if (delay === undefined || this.#clock.now() + delay >= deadline) throw networkError(failure, where, budgetMs, maxBytes);
        retry++;
        await this.#sleep(delay, req.signal);
        continue;
      }
      if (REDIRECT_STATUSES.has(res.status)) {
        const next = this.#redirectTarget(req, url, res, redirects);
        url = next;
        redirects++;
        continue;
      }
      if (req.method === "GET" && GET_RETRY_STATUSES.has(res.status) && retry < this.options.retryLimit) {
        const delay = retryAfterMs(res, this.#clock) ?? this.#backoff(retry + 1);
        if (this.#clock.now() + Math.min(delay, this.options.maxRetryDelayMs) < deadline) {
          retry++;
          await this.#sleep(Math.min(delay, this.options.maxRetryDelayMs), req.signal);
          continue;
        }
      }
      return res;
    }
  }

  async #attempt(
    url: string, method: "GET" | "POST", headers: Record<string, string>, body: string | undefined,
    timeoutMs: number, maxBytes: number, signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    if (method === "GET" && body === undefined) return nodeGet(url, headers, timeoutMs, maxBytes, signal);
    const client = await this.#client();
    let tooLarge = false;
    const pending = client(url, { method, headers, body, timeout: { request: timeoutMs }, signal });
    pending.on("downloadProgress", ({ transferred, total }) => {
      if (transferred > maxBytes || (total !== undefined && total > maxBytes)) {
        tooLarge = true;
        pending.cancel();
      }
    });
    let res: GotResponse<string>;
    try {
      res = await pending;
    } catch (err) {
      if (tooLarge) throw Object.assign(new Error("response body too large"), { tooLarge: true });
      throw err;
    }
    if (Buffer.byteLength(res.body) > maxBytes) throw Object.assign(new Error("response body too large"), { tooLarge: true });
    return { status: res.statusCode, statusText: res.statusMessage ?? "", headers: res.headers, body: res.body, url: res.url };
  }

  /** The delay before retry number `n` after a transport error, or undefined when it must not be retried. */
  #errorRetryDelay(method: "GET" | "POST", failure: Failure, n: number): number | undefined {
    const code = failure.code ?? "";
    const retryable = method === "POST" ? CONNECT_ERROR_CODES.has(code) : GET_RETRY_ERROR_CODES.has(code);
    return retryable ? this.#backoff(n) : undefined;
  }

  #backoff(n: number): number {
    return Math.min((n - 1) * 2 * this.options.retryBackoffMs, this.options.maxRetryDelayMs);
  }

  /** The URL a 3xx may be followed to; RedirectRefusedException when this call may not follow it. */
  #redirectTarget(req: HttpRequest, url: string, res: HttpResponse, redirects: number): string {
    const location = firstHeaderValue(res.headers.location);
    let target: URL | undefined;
    try {
      target = location ? new URL(location, url) : undefined;
    } catch {
      target = undefined;
    }
    const where = `${req.method} ${redactUrl(url)}`;
    const to = target ? `to host ${target.host}` : "without a usable Location";
    const options: NetworkExceptionOptions = { method: req.method, url: redactUrl(url), status: res.status };
    if (req.redirect !== "same-origin" || req.method !== "GET") {
      throw new RedirectRefusedException(`${where} answered ${res.status} redirecting ${to}; redirects are not followed for this call`, options);
    }
    if (!target || target.origin !== new URL(url).origin) {
      throw new RedirectRefusedException(`${where} answered ${res.status} redirecting ${to}; only same-origin redirects are followed`, options);
    }
    if (redirects >= this.options.maxRedirects) {
      throw new RedirectRefusedException(`${where}: more than ${this.options.maxRedirects} redirects`, options);
    }
    // A user:password@ in the target is the server's choice: the transport (got or node:http) would send it as Basic credentials.
    target.username = "";
    target.password = "";
    return target.toString();
  }
}

const TOO_LARGE = () => Object.assign(new Error("response body too large"), { tooLarge: true });

/**
 * One GET attempt over node:http(s), as got makes it here: no redirect followed (the caller decides),
 * the whole attempt within `timeoutMs` (an ETIMEDOUT error), at most `maxBytes` of body read (the
 * declared length is checked first), the body as UTF-8 text. Transport errors keep Node's codes.
 */
function nodeGet(url: string, headers: Record<string, string>, timeoutMs: number, maxBytes: number, signal: AbortSignal | undefined): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const target = new URL(url);
    const transport = target.protocol === "https:" ? "node:https" : target.protocol === "http:" ? "node:http" : undefined;
    if (!transport) {
      reject(Object.assign(new Error(`Unsupported protocol "${target.protocol}"`), { code: "ERR_UNSUPPORTED_PROTOCOL" }));
      return;
    }
    let settled = false;
    const settle = (error: unknown, response?: HttpResponse) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      if (error !== undefined) {
        request.destroy();
        reject(error);
      } else {
        resolve(response!);
      }
    };
    const onAbort = () => settle(signal!.reason);
    const request = (process.getBuiltinModule(transport) as typeof import("node:https")).request(target, { method: "GET", headers }, (res) => {
      const declared = Number(res.headers["content-length"]);
      if (declared > maxBytes) return settle(TOO_LARGE());
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) settle(TOO_LARGE());
        else chunks.push(chunk);
      });
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        settle(undefined, { status: res.statusCode ?? 0, statusText: res.statusMessage ?? "", headers: res.headers, body, url: target.href });
      });
      res.on("error", (e) => settle(e));
      res.on("close", () => {
        if (!res.complete) settle(Object.assign(new Error("The server closed the connection before the response ended"), { code: "ECONNRESET" }));
      });
    });
    request.on("error", (e) => settle(e));
    const timer = setTimeout(() => settle(Object.assign(new Error(`Timeout awaiting the response for ${timeoutMs} ms`), { code: "ETIMEDOUT", name: "TimeoutError" })), timeoutMs);
    if (signal?.aborted) return settle(signal.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    request.end();
  });
}

function firstHeaderValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Retry-After in ms (seconds or an HTTP date), if the response has a usable one. */
function retryAfterMs(res: HttpResponse, clock: Clock): number | undefined {
  const v = firstHeaderValue(res.headers["retry-after"]);
  if (!v) return undefined;
  if (/^\d+$/.test(v.trim())) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - clock.now());
}

/** Keep only the code and the transport's own message: got's errors hold the request options. */
function describeFailure(err: unknown): Failure {
  if ((err as { tooLarge?: boolean }).tooLarge) return { kind: "too-large", message: "response body too large" };
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const kind = code === "ETIMEDOUT" || (err as Error).name === "TimeoutError" ? "timeout" : "transport";
  return { kind, code: typeof code === "string" ? code : undefined, message };
}

function timeoutError(where: { method: string; url: string }, budgetMs: number): NetworkTimeoutException {
  return new NetworkTimeoutException(`Network error calling ${where.url}: ETIMEDOUT (no answer within ${budgetMs} ms)`, {
    ...where,
    cause: Object.assign(new Error(`Timeout after ${budgetMs} ms`), { code: "ETIMEDOUT" }),
  });
}

function networkError(failure: Failure, where: { method: string; url: string }, budgetMs: number, maxBytes: number): NetworkException {
  if (failure.kind === "timeout") return timeoutError(where, budgetMs);
  if (failure.kind === "too-large") {
    return new ResponseTooLargeException(`The response from ${where.method} ${where.url} is larger than ${maxBytes} bytes`, where);
  }
  const cause = Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
  return new NetworkException(`Network error calling ${where.url}: ${failure.code ?? failure.message}`, { ...where, cause });
}

/** Drop the query string and credentials from a URL before it goes into a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    u.search = "";
    return u.toString();
  } catch {
    return "<unparsable URL>";
  }
}

/** The media type of a response (lower-cased, parameters dropped). */
export function mediaType(res: HttpResponse): string {
  const ct = res.headers["content-type"];
  const value = Array.isArray(ct) ? ct[0] : ct;
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}
