/**
 * The library's own HTTP seam. Every call has a timeout (gap N1) and a retry policy that never replays
 * a POST the server may already have processed (gap N3). Network failures become NetworkException
 * (gap N2). The default implementation is built on got, imported lazily to keep start-up cheap.
 */
import type { Got } from "got";
import { NetworkException } from "./errors.js";
import { X_PLANET_APP, X_PLANET_APP_HEADER } from "./version.js";

export interface HttpRequest {
  method: "GET" | "POST";
  url: string;
  headers?: Record<string, string>;
  /** Sent as application/x-www-form-urlencoded; undefined/null values are omitted. */
  form?: Record<string, string | undefined | null>;
  /** Sent as application/json. */
  json?: unknown;
  /** Overrides the client's default timeout for this call. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  statusText: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  url: string;
}

export interface HttpClient {
  request(req: HttpRequest): Promise<HttpResponse>;
}

export interface HttpClientOptions {
  /** Whole-request timeout. Default 30 s. */
  timeoutMs?: number;
  /** Retries after the first attempt. Default 3. */
  retryLimit?: number;
  /** Delay unit: retry n waits (n-1) × 2 × unit, i.e. 0, 2 s, 4 s by default. Retry-After wins. */
  retryBackoffMs?: number;
  /** Cap on any retry delay. Default 120 s. */
  maxRetryDelayMs?: number;
}

/** Errors raised before a request reached the server: safe to retry even for POST. */
const CONNECT_ERROR_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ENETUNREACH", "EHOSTUNREACH"]);
/** Errors after which GET may be retried. */
const RETRYABLE_ERROR_CODES = [...CONNECT_ERROR_CODES, "ECONNRESET", "ETIMEDOUT", "EPIPE", "ERR_GOT_REQUEST_ERROR"];

export function encodeForm(form: Record<string, string | undefined | null>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) if (v !== undefined && v !== null) params.append(k, v);
  return params.toString();
}

export class GotHttpClient implements HttpClient {
  readonly options: Required<HttpClientOptions>;
  #got?: Promise<Got>;

  constructor(options: HttpClientOptions = {}) {
    this.options = {
      timeoutMs: options.timeoutMs ?? 30_000,
      retryLimit: options.retryLimit ?? 3,
      retryBackoffMs: options.retryBackoffMs ?? 1_000,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 120_000,
    };
  }

  #client(): Promise<Got> {
    this.#got ??= import("got").then(({ default: got }) => {
      const { retryLimit, retryBackoffMs, maxRetryDelayMs } = this.options;
      return got.extend({
        throwHttpErrors: false,
        followRedirect: true,
        retry: {
          limit: retryLimit,
          methods: ["GET", "POST"],
          statusCodes: [429, 503],
          errorCodes: RETRYABLE_ERROR_CODES,
          calculateDelay: ({ attemptCount, error, retryAfter, computedValue }) => {
            if (computedValue === 0) return 0; // got decided not to retry
            const method = error.options.method;
            const status = error.response?.statusCode;
            if (method === "POST" && status === undefined && !CONNECT_ERROR_CODES.has(error.code)) return 0;
            if (status === 503 && method === "GET") return 0; // 503 only protects POSTs from double work
            // got treats 0 as "do not retry", so `Retry-After: 0` becomes 1 ms.
            if (retryAfter !== undefined) return Math.max(1, Math.min(retryAfter, maxRetryDelayMs));
            return Math.min((attemptCount - 1) * 2 * retryBackoffMs, maxRetryDelayMs) || 1;
          },
        },
      });
    });
    return this.#got;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    const client = await this.#client();
    const headers: Record<string, string> = { [X_PLANET_APP_HEADER]: X_PLANET_APP, ...req.headers };
    let body: string | undefined;
    if (req.form) {
      headers["Content-Type"] ??= "application/x-www-form-urlencoded";
      body = encodeForm(req.form);
    } else if (req.json !== undefined) {
      headers["Content-Type"] ??= "application/json";
      body = JSON.stringify(req.json);
    }
    try {
      const res = await client(req.url, {
        method: req.method,
        headers,
        body,
        timeout: { request: req.timeoutMs ?? this.options.timeoutMs },
        signal: req.signal,
      });
      return {
        status: res.statusCode,
        statusText: res.statusMessage ?? "",
        headers: res.headers,
        body: res.body,
        url: res.url,
      };
    } catch (err) {
      const code = (err as { code?: string }).code;
      throw new NetworkException(`Network error calling ${redactUrl(req.url)}: ${code ?? (err as Error).message}`, { cause: err });
    }
  }
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

/** The media type of a response (lower-cased, parameters dropped; gap N4). */
export function mediaType(res: HttpResponse): string {
  const ct = res.headers["content-type"];
  const value = Array.isArray(ct) ? ct[0] : ct;
  return (value ?? "").split(";")[0]!.trim().toLowerCase();
}
