/**
 * Shared plumbing for the OIDC endpoint clients: the injected dependencies, request sending with
 * client authentication, and the response checks (an OAuth error payload, then the HTTP status, then
 * a JSON object body; media types compared case-insensitively, `+json` types accepted).
 */
import {
  type HttpClient, type HttpRequest, type HttpResponse, mediaType, redactUrl, type Clock, systemClock, type AuthLogger,
  type JsonObject, parseJsonObject, quoteServerText, responseForError, SecretNames,
} from "../../../kernel/index.js";
import { OidcApiClientException } from "../errors.js";
import { OAUTH_SECRET_NAMES } from "../secret-names.js";
import type { ClientAuthStrategy } from "./client-auth.js";

/** What every endpoint client is built from. */
export interface ApiClientDeps {
  http: HttpClient;
  clock?: Clock;
  logger?: AuthLogger;
  /** Per-call timeout; when unset the HttpClient's own default applies (GotHttpClient: 30 s). */
  timeoutMs?: number;
  /** Response size cap; when unset the HttpClient's own default applies (GotHttpClient: 1 MiB). */
  maxResponseBytes?: number;
  /** Which request fields are secret, to keep out of errors quoting the server (default: the OAuth ones). */
  secretNames?: Pick<SecretNames, "has">;
}

/** Per-call options shared by every endpoint method. */
export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
}

export type { JsonObject };
/** The form fields of an endpoint request; undefined and null values are left out. */
export type FormParams = Record<string, string | undefined>;

const FORM_HEADERS = { Accept: "application/json" } as const;

/** Options of one request: the caller's, plus extra headers and the redirect policy. */
export interface SendOptions extends CallOptions {
  headers?: Record<string, string>;
  redirect?: HttpRequest["redirect"];
}

const OAUTH_SECRETS = new SecretNames().add(OAUTH_SECRET_NAMES);

/** The request each response answers, and which of its fields are secret: what error messages must not quote back. */
const sentWith = new WeakMap<HttpResponse, { request: HttpRequest; names: Pick<SecretNames, "has"> }>();

/** Base class: holds the deps and the endpoint URL; sends requests and checks responses. */
export abstract class OidcApiClient {
  readonly http: HttpClient;
  readonly clock: Clock;
  readonly logger?: AuthLogger;
  readonly timeoutMs?: number;
  readonly maxResponseBytes?: number;
  readonly secretNames: Pick<SecretNames, "has">;
  readonly endpointUrl: string;

  /** A client of the endpoint at `endpointUrl`, calling it through the HTTP client and logger of `deps`. */
  protected constructor(deps: ApiClientDeps, endpointUrl: string) {
    this.http = deps.http;
    this.clock = deps.clock ?? systemClock;
    this.logger = deps.logger;
    this.timeoutMs = deps.timeoutMs;
    this.maxResponseBytes = deps.maxResponseBytes;
    this.secretNames = deps.secretNames ?? OAUTH_SECRETS;
    this.endpointUrl = endpointUrl;
  }

  /**
   * GET the endpoint (no client authentication), checked, JSON result required. No redirect is
   * followed unless `redirect: "same-origin"` (public documents: discovery, JWKS).
   */
  protected async getJson(options: SendOptions = {}): Promise<JsonObject> {
    const res = await this.send("GET", undefined, undefined, options);
    return checkedJsonResponse(res, this.endpointUrl);
  }

  /**
   * POST a form to the endpoint after the client-authentication strategy decorated it.
   * Undefined values are dropped. Returns the raw response (already checked for an error payload and an error status).
   */
  protected async postForm(form: FormParams, clientAuth: ClientAuthStrategy | undefined, options: SendOptions = {}): Promise<HttpResponse> {
    const request = { form: { ...form }, headers: {} as Record<string, string> };
    if (clientAuth) await clientAuth.apply(request, this.endpointUrl);
    const res = await this.send("POST", request.form, request.headers, options);
    checkResponse(res, this.endpointUrl);
    return res;
  }

  /** POST a form and require a JSON object result (error payload, error status, then a non-empty JSON object). */
  protected async postFormJson(form: FormParams, clientAuth: ClientAuthStrategy | undefined, options: CallOptions = {}): Promise<JsonObject> {
    const res = await this.postForm(form, clientAuth, options);
    return checkedJsonResponse(res, this.endpointUrl);
  }

  /**
   * Send one request to the endpoint (form-encoded for a POST) through the kernel's HTTP client, logging the
   * method and URL (never the body); returns the response unchecked.
   */
  protected async send(
    method: "GET" | "POST",
    form: FormParams | undefined,
    headers: Record<string, string> | undefined,
    options: SendOptions,
  ): Promise<HttpResponse> {
    const { signal } = options;
    signal?.throwIfAborted();
    this.logger?.debug(`${method} ${redactUrl(this.endpointUrl)}`);
    const request: HttpRequest = {
      method,
      url: this.endpointUrl,
      headers: { ...FORM_HEADERS, ...options.headers, ...headers },
      form,
      timeoutMs: options.timeoutMs ?? this.timeoutMs,
      maxResponseBytes: this.maxResponseBytes,
      redirect: options.redirect ?? "error",
      signal,
    };
    try {
      const res = await this.http.request(request);
      sentWith.set(res, { request, names: this.secretNames });
      return res;
    } catch (err) {
      // A cancelled call surfaces the caller's abort reason, not a network error.
      if (signal?.aborted) throw signal.reason;
      throw err;
    }
  }
}

function firstHeader(res: HttpResponse, name: string): string {
  const v = res.headers[name];
  return (Array.isArray(v) ? v[0] : v) ?? "";
}

/**
 * `application/json`, or a structured `+json` type such as `application/jwk-set+json` (RFC 6839;
 * oidc-provider serves its JWKS that way). Case-insensitive.
 */
function isJson(res: HttpResponse): boolean {
  const mt = mediaType(res);
  return mt === "application/json" || /^application\/[a-z0-9!#$&^_.-]+\+json$/.test(mt);
}

/**
 * An object body is parsed keeping the form each number was written in (`3600.0`, integers beyond
 * 2^53), so that a token response is saved as the server wrote it, as the Python library does.
 */
function parseJsonBody(res: HttpResponse, url: string): unknown {
  try {
    return res.body.trimStart().startsWith("{") ? parseJsonObject(res.body) : JSON.parse(res.body);
  } catch {
    // No cause: the parser's message quotes the body, which may hold tokens.
    throw new OidcApiClientException(`Invalid JSON response from OIDC endpoint at ${redactUrl(url)}`, { rawResponse: errorResponse(res) });
  }
}

const truthyString = (v: unknown): v is string | number | boolean => Boolean(v) && typeof v !== "object";

/**
 * Error checks, in order: an OAuth/Okta JSON error payload (whatever the status), then HTTP status ≥ 400.
 * Throws the base OidcApiClientException.
 */
function checkResponse(res: HttpResponse, url: string): void {
  const where = redactUrl(url);
  const quote = serverTextQuoter(res);
  if (res.body && isJson(res)) {
    let payload: unknown;
    try {
      payload = JSON.parse(res.body);
    } catch {
      payload = undefined; // judged by the status check / the JSON check of the caller
    }
    if (payload && typeof payload === "object" && !Array.isArray(payload)) {
      const p = payload as JsonObject;
      if (truthyString(p.error)) {
        throw new OidcApiClientException(
          `Error from OIDC endpoint at ${where}: ${quote(p.error)}: ${describe(p.error_description, quote)}`,
          { errorCode: quote(p.error), rawResponse: errorResponse(res) },
        );
      }
      if (truthyString(p.errorCode)) {
        throw new OidcApiClientException(
          `Error from OIDC endpoint at ${where}: ${quote(p.errorCode)}: ${describe(p.errorSummary, quote)}`,
          { errorCode: quote(p.errorCode), rawResponse: errorResponse(res) },
        );
      }
    }
  }
  if (res.status >= 400) {
    throw new OidcApiClientException(`HTTP error from OIDC endpoint at ${where}: ${res.status}: ${quote(res.statusText)}`, { rawResponse: errorResponse(res) });
  }
}

/** Quotes a response's text for a message without any secret its request carried (bounded). */
function serverTextQuoter(res: HttpResponse): (v: unknown) => string {
  const sent = sentWith.get(res);
  return (v) => quoteServerText(v, sent?.request, sent?.names);
}

/** The response as an error carries it: without the secrets its request carried. */
function errorResponse(res: HttpResponse): HttpResponse {
  const sent = sentWith.get(res);
  return responseForError(res, sent?.request, sent?.names);
}

function describe(v: unknown, quote: (v: unknown) => string): string {
  return v === undefined || v === null || v === "" ? "no error description" : quote(v);
}

/** The error checks above, then a non-empty JSON object body is required. */
export function checkedJsonResponse(res: HttpResponse, url: string): JsonObject {
  checkResponse(res, url);
  if (res.body && !isJson(res)) {
    throw new OidcApiClientException(`Expected json content-type, but got "${serverTextQuoter(res)(firstHeader(res, "content-type"))}"`, { rawResponse: errorResponse(res) });
  }
  const payload = res.body ? parseJsonBody(res, url) : undefined;
  if (payload === null || typeof payload !== "object" || Array.isArray(payload) || Object.keys(payload).length === 0) {
    throw new OidcApiClientException("expected JSON response payload, none found", { rawResponse: errorResponse(res) });
  }
  return payload as JsonObject;
}

/** Space-join a list for `scope` / `audience`, or undefined when empty (the parameter is then omitted). */
export function joinList(values: readonly string[] | undefined | null): string | undefined {
  return values && values.length > 0 ? values.join(" ") : undefined;
}

/**
 * Compose request params: `extra` first (null/undefined entries dropped), then the
 * protocol params, which win over `extra` entries of the same name.
 */
export function composeParams(extra: Record<string, unknown> | undefined | null, params: FormParams): FormParams {
  const out: FormParams = {};
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = typeof v === "string" ? v : typeof v === "object" ? JSON.stringify(v) : String(v);
  }
  for (const [k, v] of Object.entries(params)) if (v !== undefined) out[k] = v;
  return out;
}
