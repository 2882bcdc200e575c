/**
 * Request authenticators decorate outgoing HTTP requests with a credential.
 * `decorate(headers)` is the primitive: it runs the pre-request hook — synchronous and in memory when
 * nothing needs refreshing — then sets the auth header and `X-Planet-App`. The got, fetch and axios
 * adapters are thin wrappers over it, and each keeps the credential with the origin of the original
 * request: a redirect to another origin (a storage bucket, a CDN) is followed without it. Each also
 * shows the authenticator every answer, and sends a request once more when the authenticator asks
 * (`wantsResend`), under one rule (`#shouldResend`).
 */
import { X_PLANET_APP, X_PLANET_APP_HEADER } from "./version.js";
import { isSameOrigin, originOf } from "./transport-security.js";
import type { Credential } from "./credential.js";
import type { JsonObject } from "./storage-provider.js";
import type { AuthLogger } from "./logging.js";
import { NoCredentialException, recastMessage } from "./errors.js";

const X_PLANET_APP_LOWER = X_PLANET_APP_HEADER.toLowerCase();

/** Request headers an authenticator can set: a record of names to values, or a fetch `Headers`. */
export type MutableHeaders = Record<string, string | string[] | undefined>;

/** Reads one header of an answer by name (any case); null or undefined when absent. */
export type ResponseHeaderReader = (name: string) => string | null | undefined;

/**
 * The request a decoration is for. Authenticators whose headers prove possession of a key sign the
 * method and URL (a fresh signature per request); the got, fetch and axios adapters always pass it.
 */
export interface RequestTarget {
  /** HTTP method, upper case. */
  method: string;
  /** The absolute URL the request goes to. */
  url: string;
}

/** Any fetch-shaped function (global fetch, undici, node-fetch); its exact type is kept by `fetch()`. */
export type FetchLike = (input: never, init?: never) => Promise<unknown>;
type HeadersSource = ConstructorParameters<typeof Headers>[0];
/** What the fetch adapter reads of a Request passed as fetch's first argument. */
interface FetchRequestLike {
  headers?: HeadersSource;
  url?: string;
  method?: string;
  redirect?: string;
}
/** What the fetch adapter reads and sets of fetch's `init` (other members are passed on as given). */
interface FetchInitLike {
  headers?: HeadersSource;
  method?: string;
  redirect?: string;
  body?: unknown;
}
/** What the redirect loop reads of a fetch Response. */
interface FetchResponseLike {
  status: number;
  headers: { get(name: string): string | null };
  body?: { cancel?(): Promise<void> } | null;
}
type FetchCall = (input: unknown, init: FetchInitLike) => Promise<FetchResponseLike>;
/** Axios headers: an AxiosHeaders object (get/set) or a plain record. */
type AxiosHeaderBag = { get?: (name: string) => unknown; set?: (name: string, value: string) => unknown } & Record<string, unknown>;

/** What the got hooks read and change of got's per-request Options. */
export interface GotHookOptions {
  headers: MutableHeaders;
  url?: URL | string | undefined;
  method?: string | undefined;
  context?: Record<PropertyKey, unknown> | undefined;
}

/** What the got afterResponse hook reads of a response. */
export interface GotResponseLike {
  url?: string | undefined;
  statusCode?: number | undefined;
  headers?: Record<string, string | string[] | undefined> | undefined;
  /** The request answered: its body decides whether it can be sent again, its context holds the original origin. */
  request?: { options?: { body?: unknown; context?: Record<PropertyKey, unknown> | undefined } | undefined } | undefined;
}

/** What `axios(instance)` uses of an axios instance. */
export interface AxiosInstanceLike {
  interceptors: {
    request: {
      /** Adds a request interceptor. */
      use(onFulfilled: <T extends AxiosConfigLike>(config: T) => Promise<T>): unknown;
    };
    response: {
      /** Adds a response interceptor: for answers, and for errors (an HTTP error status carries its answer). */
      use(onFulfilled: <R extends AxiosResponseLike>(response: R) => R | Promise<R>, onRejected: (error: unknown) => unknown): unknown;
    };
  };
  /** Sends a request (through the instance's interceptors). */
  request(config: AxiosConfigLike): Promise<unknown>;
}

/** What the axios interceptors read and set of a request config. */
export interface AxiosConfigLike {
  headers?: unknown;
  beforeRedirect?: unknown;
  method?: string | undefined;
  url?: string | undefined;
  baseURL?: string | undefined;
  data?: unknown;
}

/** What the axios response interceptor reads of an answer. */
export interface AxiosResponseLike {
  status: number;
  headers?: unknown;
  /** A `responseType: "stream"` answer's body, released before a resend. */
  data?: unknown;
  config?: AxiosConfigLike | undefined;
}

/**
 * Per axios request, keyed by the `beforeRedirect` installed on its config (axios keeps it on the config
 * an answer carries, and on a config sent again): the hook it chains to, where the request started,
 * where it was last sent, and whether it is already a resend.
 */
interface AxiosRequestState {
  chained: unknown;
  /** The origin of the config's URL, until the first redirect tells where the request really went. */
  origin: string | null;
  /** Where the request was last sent (the config's URL, then each redirect's). */
  url: string | undefined;
  redirected: boolean;
  resent: boolean;
  resending: boolean;
}
const axiosRequests = new WeakMap<object, AxiosRequestState>();

/** Where the got hook remembers the original request's origin; got copies `context` across redirects. */
const ORIGINAL_ORIGIN = Symbol("planet-auth original origin");
/** Marks a got request already sent once more (`wantsResend`); got copies `context` to the resend. */
const RESENT = Symbol("planet-auth resent");
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_FETCH_REDIRECTS = 20;

/** Delete `name` from a header record whatever its case. */
function deleteHeader(headers: MutableHeaders, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
}

/** A header record given as a plain object (not a Headers object, not a list of pairs). */
function isPlainHeaderRecord(value: unknown): value is Record<string, unknown> | undefined {
  if (value === undefined || value === null) return true;
  if (typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * A copy of a plain header record with lower-cased names, as fetch reads it (names that differ only
 * in case are joined with ", ", as Headers appends them), so the credential replaces a header of any case.
 */
function lowerCaseHeaders(given: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!given) return out;
  for (const name of Object.keys(given)) {
    const value = given[name];
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    const text = typeof value === "string" ? value : String(value);
    out[lower] = out[lower] === undefined ? text : `${out[lower]}, ${text}`;
  }
  return out;
}

/** Set the decorated headers on fetch's headers (a Headers object, or a record of lower-cased names). */
function mergeHeaders(headers: Headers | Record<string, string>, record: MutableHeaders): void {
  const isHeaders = headers instanceof Headers;
  for (const name in record) {
    const value = record[name];
    if (typeof value !== "string") continue;
    if (isHeaders) headers.set(name, value);
    else headers[lowerCaseName(name)] = value;
  }
}

// The few header names authenticators set, lower-cased once.
const lowerCaseNames = new Map<string, string>();
function lowerCaseName(name: string): string {
  let lower = lowerCaseNames.get(name);
  if (lower === undefined) {
    lower = name.toLowerCase();
    if (lowerCaseNames.size < 64) lowerCaseNames.set(name, lower);
  }
  return lower;
}

function toHeaders(headers: Headers | Record<string, string>): Headers {
  return headers instanceof Headers ? headers : new Headers(headers);
}

/**
 * Whether a request body can be sent again as it is: none, text, bytes, URLSearchParams, a Blob or
 * FormData can; a stream or an iterator cannot (the first send consumed it).
 */
function isReplayableBody(body: unknown): boolean {
  if (typeof body !== "object" || body === null || ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return true;
  const b = body as Record<PropertyKey, unknown>;
  return typeof b.pipe !== "function" && typeof b.getReader !== "function" && typeof b.next !== "function" && typeof b[Symbol.asyncIterator] !== "function";
}

/** The body a fetch call sends: `init.body`, else the body of a Request passed as input. */
function fetchBody(input: unknown, init: FetchInitLike | undefined): unknown {
  if (init?.body !== undefined) return init.body;
  return typeof input === "object" && input !== null ? (input as { body?: unknown }).body : undefined;
}

/** One header of an axios answer: from an AxiosHeaders (`get`) or a plain record of lower-cased names. */
function axiosHeader(headers: unknown, name: string): string | null | undefined {
  if (!headers || typeof headers !== "object") return undefined;
  const bag = headers as AxiosHeaderBag;
  const value = typeof bag.get === "function" ? bag.get(name) : bag[name.toLowerCase()];
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === "string" ? first : undefined;
}

/**
 * Adds a credential to outgoing HTTP requests (the Python library's `RequestAuthenticator`, an httpx/requests
 * auth): `decorate(headers)` sets the auth header (and `X-Planet-App`), refreshing first when needed;
 * `gotHooks()`, `fetch()` and `axiosInterceptor()` adapt it to got, fetch and axios, keeping the credential
 * off redirects to another origin. `Auth.requestAuthenticator()` gives the one of a context.
 */
export abstract class RequestAuthenticator {
  /** The scheme word before the token in the auth header (e.g. an RFC 6750 scheme); null: the token alone. */
  tokenPrefix: string | null = null;
  tokenBody: string | null = null;
  authHeader = "Authorization";

  /**
   * Prepare `tokenBody` for the next request (may refresh). Return nothing when the work was done
   * synchronously, so the common path allocates no promise.
   */
  abstract preRequestHook(): void | Promise<void>;

  /**
   * Headers besides `authHeader` that carry the credential (e.g. a signed proof of the request): removed
   * with it on a redirect to another origin. Empty for a plain token header.
   */
  readonly credentialHeaders: readonly string[] = [];

  /**
   * Set the auth header (when there is a token) and X-Planet-App (when absent) on a header record.
   * `target` is the request being decorated, when known; a plain token header does not need it.
   */
  applyHeaders(headers: MutableHeaders, _target?: RequestTarget): void {
    const body = this.tokenBody;
    if (body) headers[this.authHeader] = this.tokenPrefix ? `${this.tokenPrefix} ${body}` : body;
    if (headers[X_PLANET_APP_HEADER] === undefined && headers[X_PLANET_APP_LOWER] === undefined) {
      headers[X_PLANET_APP_HEADER] = X_PLANET_APP;
    }
  }

  /** Replace the credential. Authenticators without one ignore it. */
  updateCredential(_credential: Credential): void {}

  /** Set new credential data. Authenticators without a credential ignore it. */
  async updateCredentialData(_data: JsonObject): Promise<void> {}

  /** The current credential, or null for authenticators that hold none. */
  async credential(_refreshIfNeeded = false): Promise<Credential | null> {
    return null;
  }

  /** Whether a credential is at hand (in memory or in storage). */
  async isInitialized(): Promise<boolean> {
    return false;
  }

  /**
   * Run the pre-request hook, then decorate `headers` in place for the request `target` (when known).
   * Synchronous when no I/O is needed.
   */
  decorate(headers: MutableHeaders, target?: RequestTarget): void | Promise<void> {
    const pending = this.preRequestHook();
    if (pending) return pending.then(() => this.applyHeaders(headers, target));
    this.applyHeaders(headers, target);
  }

  /** The headers to add to a request (to `target`, when the credential is bound to each request), after running the pre-request hook. */
  async authorizationHeaders(target?: RequestTarget): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    await this.decorate(headers, target);
    return headers;
  }

  /**
   * Called by the adapters with each response's headers (a server may hand the credential something
   * for the next request, such as a nonce). Nothing by default.
   */
  observeResponse(_url: string, _header: ResponseHeaderReader): void {}

  /**
   * Whether an answer from `url` (already shown to `observeResponse`) asks for the request once more
   * with freshly made headers, e.g. a server nonce the credential must carry. The adapters decide
   * whether they may (`#shouldResend`). False by default.
   */
  wantsResend(_url: string, _status: number, _header: ResponseHeaderReader): boolean {
    return false;
  }

  /**
   * The one rule of the got, fetch and axios adapters for sending a request once more: the
   * authenticator asks for it, the request is not itself a resend, the answer came from the original
   * request's origin (so the request carried the credential, and the resend goes nowhere else), and its
   * body can be sent again (a stream body cannot: its answer is returned as it is).
   */
  #shouldResend(url: string, status: number, header: ResponseHeaderReader, origin: string | null | undefined, body: unknown, resent: boolean): boolean {
    return !resent && this.#mayResend() && this.wantsResend(url, status, header) && isSameOrigin(url, origin ?? "") && isReplayableBody(body);
  }

  /** Whether this authenticator ever asks for a resend: when not, the adapters' answer path stays as cheap as before. */
  #mayResend(): boolean {
    return this.wantsResend !== RequestAuthenticator.prototype.wantsResend;
  }

  #removeCredential(headers: MutableHeaders): void {
    deleteHeader(headers, this.authHeader);
    for (const name of this.credentialHeaders) deleteHeader(headers, name);
  }

  /**
   * Hooks for `got.extend(authenticator.gotHooks())`. got runs `beforeRequest` again for every
   * redirect hop: the credential is added only while the hop has the original request's origin, and
   * removed otherwise.
   */
  gotHooks(): {
    hooks: {
      /** Adds the credential (same origin only), refreshing it first when needed. */
      beforeRequest: Array<(options: GotHookOptions) => Promise<void> | void>;
      /**
       * Lets the authenticator read the response's headers (e.g. a new DPoP nonce), and sends the request
       * once more when it asks for it (see `wantsResend`); otherwise returns the response unchanged.
       */
      afterResponse: Array<<R extends GotResponseLike>(response: R, retryWithMergedOptions?: (options: { preserveHooks?: boolean }) => never) => R>;
    };
  } {
    return {
      hooks: {
        beforeRequest: [
          (options) => {
            const url = options.url === undefined ? undefined : String(options.url);
            const context = options.context;
            if (context && url !== undefined) {
              context[ORIGINAL_ORIGIN] ??= originOf(url);
              if (!isSameOrigin(url, context[ORIGINAL_ORIGIN] as string)) return this.#removeCredential(options.headers);
            }
            return this.decorate(options.headers, url === undefined ? undefined : { method: (options.method ?? "GET").toUpperCase(), url });
          },
        ],
        afterResponse: [
          (response, retryWithMergedOptions) => {
            const headers = response.headers ?? {};
            const url = String(response.url ?? "");
            const header = (name: string) => {
              const v = headers[name.toLowerCase()];
              return Array.isArray(v) ? v[0] : v;
            };
            this.observeResponse(url, header);
            const options = response.request?.options;
            const context = options?.context;
            if (retryWithMergedOptions && context && this.#shouldResend(url, response.statusCode ?? 0, header, context[ORIGINAL_ORIGIN] as string | undefined, options.body, context[RESENT] === true)) {
              context[RESENT] = true;
              // got runs beforeRequest again (a fresh credential), and this hook too (it sees the resend's answer).
              return retryWithMergedOptions({ preserveHooks: true });
            }
            return response;
          },
        ],
      },
    };
  }

  /**
   * A fetch with this authenticator applied: `(input, init) => Promise<Response>`. Redirects (mode
   * "follow", the default) are followed here, hop by hop, so a hop to another origin goes out without
   * the credential. Modes "manual" and "error" are passed through.
   * @typeParam F - the type of the fetch function wrapped; the wrapper has the same type.
   */
  fetch<F extends FetchLike = typeof globalThis.fetch>(fetchImpl: F = globalThis.fetch as unknown as F): F {
    const call = fetchImpl as unknown as FetchCall;
    // Not async: a fresh credential costs no promise of its own, and the caller's promise is fetch's (plus one step to look at the status).
    const wrapped = (input: unknown, init?: FetchInitLike): Promise<FetchResponseLike> => {
      try {
        const request = typeof input === "object" && input !== null && "headers" in input ? (input as FetchRequestLike) : undefined;
        const given = init?.headers ?? request?.headers;
        const url = typeof input === "string" ? input : String(request?.url ?? input);
        const givenMethod = init?.method ?? request?.method;
        const method = givenMethod === undefined ? "GET" : givenMethod.toUpperCase();
        const target = { method, url };
        const mode = init?.redirect ?? request?.redirect ?? "follow";
        // A plain record (the common case) stays one: no Headers object is built unless a redirect needs it.
        const headers = isPlainHeaderRecord(given) ? lowerCaseHeaders(given) : new Headers(given);
        const pending = this.#decorateFetchHeaders(headers, target);
        if (pending) return pending.then(() => this.#sendFetch(call, input, init, url, method, mode, headers));
        return this.#sendFetch(call, input, init, url, method, mode, headers);
      } catch (e) {
        return Promise.reject(e);
      }
    };
    return wrapped as unknown as F;
  }

  /** The first request of a fetch; redirects (mode "follow") are followed by `#followFetchRedirects`, which alone needs the origin. */
  #sendFetch(
    call: FetchCall, input: unknown, init: FetchInitLike | undefined, url: string, method: string, mode: string, headers: Headers | Record<string, string>,
  ): Promise<FetchResponseLike> {
    // Object.assign, not a spread: V8 copies a spread object and then overwrites its headers several times slower.
    const options: FetchInitLike = Object.assign({}, init);
    options.headers = headers as HeadersSource;
    if (mode === "follow") options.redirect = "manual";
    return call(input, options).then((res) => this.#fetchAnswered(res, call, input, init, options, url, method, mode, headers));
  }

  /** The first request's answer: resent once when `#shouldResend` says so, redirects followed in mode "follow". */
  #fetchAnswered(
    res: FetchResponseLike, call: FetchCall, input: unknown, init: FetchInitLike | undefined, options: FetchInitLike, url: string, method: string, mode: string,
    headers: Headers | Record<string, string>, resent = false,
  ): FetchResponseLike | Promise<FetchResponseLike> {
    this.#observed(url, res);
    if (this.#mayResend() && this.#shouldResend(url, res.status, (name) => res.headers.get(name), url, fetchBody(input, init), resent)) {
      return this.#beforeFetchResend(res, headers, { method, url })
        .then(() => call(input, options))
        .then((again) => this.#fetchAnswered(again, call, input, init, options, url, method, mode, headers, true));
    }
    return mode === "follow" && REDIRECT_STATUSES.has(res.status) ? this.#followFetchRedirects(call, res, url, method, init, toHeaders(headers), resent) : res;
  }

  /** Before a fetch request goes out once more: the refused answer's body is released and the credential made anew. */
  async #beforeFetchResend(refused: FetchResponseLike, headers: Headers | Record<string, string>, target: RequestTarget): Promise<void> {
    await refused.body?.cancel?.();
    await this.#decorateFetchHeaders(headers, target);
  }

  /** Decorate fetch headers: a lower-cased record (see `lowerCaseHeaders`) or a Headers object. Synchronous when `decorate` is. */
  #decorateFetchHeaders(headers: Headers | Record<string, string>, target: RequestTarget): void | Promise<void> {
    const record: MutableHeaders = {};
    const app = headers instanceof Headers ? headers.get(X_PLANET_APP_HEADER) : headers[X_PLANET_APP_LOWER];
    if (app !== null && app !== undefined) record[X_PLANET_APP_HEADER] = app;
    const pending = this.decorate(record, target);
    if (pending) return pending.then(() => mergeHeaders(headers, record));
    mergeHeaders(headers, record);
  }

  #observed<R extends FetchResponseLike>(url: string, res: R): R {
    if (this.observeResponse !== RequestAuthenticator.prototype.observeResponse) this.observeResponse(url, (name) => res.headers.get(name));
    return res;
  }

  /** Follows redirects hop by hop; `resent`: the request was already sent once more (`#shouldResend`), which happens once per call. */
  async #followFetchRedirects(
    fetchImpl: FetchCall, first: FetchResponseLike, url: string, method: string, init: FetchInitLike | undefined, headers: Headers, resent: boolean,
  ): Promise<FetchResponseLike> {
    const origin = originOf(url);
    let res = first;
    let current = url;
    let body = init?.body;
    for (let hops = 0; REDIRECT_STATUSES.has(res.status); hops++) {
      const location = res.headers.get("location");
      if (!location) return res;
      if (hops >= MAX_FETCH_REDIRECTS) throw new TypeError(`fetch: more than ${MAX_FETCH_REDIRECTS} redirects`);
      const next = new URL(location, current).toString();
      // The method rewriting browsers and undici apply (Fetch standard, HTTP-redirect fetch).
      if ((res.status === 303 && method !== "GET" && method !== "HEAD") || ((res.status === 301 || res.status === 302) && method === "POST")) {
        method = "GET";
        body = undefined;
        for (const name of ["content-type", "content-length", "content-encoding", "content-language", "content-location"]) headers.delete(name);
      }
      if (!isSameOrigin(next, origin ?? "")) {
        headers.delete(this.authHeader);
        for (const name of this.credentialHeaders) headers.delete(name);
      } else if (this.credentialHeaders.length > 0) {
        await this.#decorateFetchHeaders(headers, { method, url: next }); // a credential bound to the request is made anew for each hop
      }
      await res.body?.cancel?.();
      res = this.#observed(next, await fetchImpl(next, { ...init, method, body, headers, redirect: "manual" }));
      const answer = res;
      if (this.#shouldResend(next, answer.status, (name) => answer.headers.get(name), origin, body, resent)) {
        resent = true;
        await this.#beforeFetchResend(answer, headers, { method, url: next });
        res = this.#observed(next, await fetchImpl(next, { ...init, method, body, headers, redirect: "manual" }));
      }
      current = next;
    }
    return res;
  }

  /**
   * An axios request interceptor: `axios.interceptors.request.use(authenticator.axiosInterceptor())`.
   * It also installs a `beforeRedirect` (chained to one already configured) that removes the
   * credential when a redirect leaves the original request's origin. Answers are seen only through
   * `axios(instance)`, which installs this interceptor and a response interceptor.
   */
  axiosInterceptor(): <T extends AxiosConfigLike>(config: T) => Promise<T> {
    return async (config) => {
      const record: MutableHeaders = {};
      const h = (config.headers ?? {}) as AxiosHeaderBag;
      const existing = typeof h.get === "function" ? h.get(X_PLANET_APP_HEADER) : h[X_PLANET_APP_HEADER];
      if (typeof existing === "string" && existing) record[X_PLANET_APP_HEADER] = existing;
      const target = axiosTarget(config);
      await this.decorate(record, target);
      if (typeof h.set === "function") {
        for (const [k, v] of Object.entries(record)) if (typeof v === "string") h.set(k, v);
      } else {
        config.headers = { ...h, ...record };
      }
      config.beforeRedirect = this.#axiosBeforeRedirect(config.beforeRedirect, target?.url);
      return config;
    };
  }

  /**
   * Installs the credential on an axios instance: the request interceptor of `axiosInterceptor()`, and
   * a response interceptor that shows the authenticator every answer (e.g. a new DPoP nonce) and sends
   * a request once more when the authenticator asks for it, as the got and fetch adapters do.
   * @returns the instance
   */
  axios<I extends AxiosInstanceLike>(instance: I): I {
    instance.interceptors.request.use(this.axiosInterceptor());
    instance.interceptors.response.use(
      // The answer of a resend stands for the refused one.
      (response) => this.#axiosAnswered(instance, response, undefined) as typeof response | Promise<typeof response>,
      (error: unknown) => this.#axiosAnswered(instance, (error as { response?: AxiosResponseLike } | null)?.response, error),
    );
    return instance;
  }

  /** An axios answer (or the error carrying it): shown to the authenticator; the request sent once more when `#shouldResend` says so. */
  #axiosAnswered(instance: AxiosInstanceLike, response: AxiosResponseLike | undefined, error: unknown): unknown {
    const config = response?.config;
    const state = config && typeof config.beforeRedirect === "function" ? axiosRequests.get(config.beforeRedirect) : undefined;
    if (response && config && state?.url !== undefined) {
      const header = (name: string) => axiosHeader(response.headers, name);
      this.observeResponse(state.url, header);
      if (this.#shouldResend(state.url, response.status, header, state.origin, config.data, state.resent)) {
        state.resending = true;
        (response.data as { destroy?: () => void } | null | undefined)?.destroy?.();
        return instance.request({ ...config });
      }
    }
    if (error !== undefined) throw error;
    return response;
  }

  #axiosBeforeRedirect(given: unknown, url: string | undefined) {
    // A config sent again carries the hook installed the first time: chain to what that one chained to.
    const previous = typeof given === "function" ? axiosRequests.get(given) : undefined;
    const chained = previous ? previous.chained : given;
    const state: AxiosRequestState = {
      chained, origin: url === undefined ? null : originOf(url), url, redirected: false, resent: previous?.resending ?? false, resending: false,
    };
    const hook = (options: { href?: string; method?: string; headers?: MutableHeaders }, response: unknown, request?: { url?: string }) => {
      // The first redirect's request is the original one, as sent.
      if (!state.redirected) {
        state.redirected = true;
        if (request?.url) state.origin = originOf(request.url);
      }
      if (options.headers && (!options.href || !isSameOrigin(options.href, state.origin ?? ""))) this.#removeCredential(options.headers);
      else if (options.headers && options.href && this.credentialHeaders.length > 0) {
        // A credential bound to the request is made anew for the hop (synchronously: the token is already at hand).
        this.applyHeaders(options.headers, { method: (options.method ?? "GET").toUpperCase(), url: options.href });
      }
      state.url = options.href;
      if (typeof chained === "function") chained(options, response, request);
    };
    axiosRequests.set(hook, state);
    return hook;
  }
}

/** The request an axios config describes: `baseURL` joined to a relative `url`, as axios joins them. */
function axiosTarget(config: AxiosConfigLike): RequestTarget | undefined {
  const url = config.url ?? "";
  const absolute = URL.canParse(url) ? url : config.baseURL ? `${config.baseURL.replace(/\/+$/, "")}/${url.replace(/^\/+/, "")}` : undefined;
  return absolute === undefined ? undefined : { method: (config.method ?? "GET").toUpperCase(), url: absolute };
}

/** An authenticator that holds a Credential (an API key, a protocol's tokens). */
export abstract class CredentialRequestAuthenticator<C extends Credential = Credential> extends RequestAuthenticator {
  protected _credential: C | null;
  /** The client_type named in errors; set by the client that builds the authenticator. */
  clientType: string | null = null;

  /** An authenticator around a credential (null: none yet). */
  constructor(credential: C | null) {
    super();
    this._credential = credential;
  }

  /** Never sends a request without its credential: with no token at hand this throws NoCredentialException. */
  override applyHeaders(headers: MutableHeaders, target?: RequestTarget): void {
    if (!this.tokenBody) throw this.noCredentialError();
    super.applyHeaders(headers, target);
  }

  /** Why no credential could be obtained (e.g. the last failed refresh), if known. */
  protected noCredentialCause(): unknown {
    return undefined;
  }

  /**
   * The error a request without a credential throws: names the client type and why no credential could be
   * obtained.
   */
  protected noCredentialError(): NoCredentialException {
    const cause = this.noCredentialCause();
    const who = this.clientType ? `the ${this.clientType} client` : "this authenticator";
    const why = cause === undefined || cause === null ? "no credential is configured or stored; log in first" : recastMessage(cause);
    return new NoCredentialException(`Cannot authenticate the request: ${who} holds no credential and could not obtain one: ${why}`, {
      clientType: this.clientType ?? undefined,
      cause: cause ?? undefined,
    });
  }

  /** Replace the credential object; the header is repopulated just in time. */
  override updateCredential(credential: C): void {
    this.checkCredentialType(credential);
    this._credential = credential;
    this.tokenBody = null;
  }

  /** Subclasses reject credentials of the wrong class with TypeError. */
  protected checkCredentialType(_credential: Credential): void {}

  /** Validate and set new credential data, saving it when the credential has a path. */
  override async updateCredentialData(data: JsonObject): Promise<void> {
    if (!this._credential) throw new Error("updateCredentialData needs an existing credential object");
    this._credential.setData(data);
    await this._credential.save();
    this.tokenBody = null;
  }

  /** The current credential (optionally refreshing first when it needs it). */
  override async credential(refreshIfNeeded = false): Promise<C | null> {
    if (refreshIfNeeded) await this.preRequestHook();
    return this._credential;
  }

  /** A credential object exists and has data in memory or in storage. No load. */
  override async isInitialized(): Promise<boolean> {
    const cred = this._credential;
    if (!cred) return false;
    return cred.isLoaded() || (await cred.isPersistedToStorage());
  }
}

/** Requests carry no credential (only X-Planet-App). Credential updates are ignored with a warning. */
export class NoOpRequestAuthenticator extends RequestAuthenticator {
  /** An authenticator that adds nothing (the `none` client type). */
  constructor(private readonly logger?: AuthLogger) {
    super();
  }
  preRequestHook(): void {}
  /** Nothing to obtain: always ready. */
  override async isInitialized(): Promise<boolean> {
    return true;
  }
  override updateCredential(_credential: Credential): void {
    this.logger?.warning("Ignoring a credential update: this authenticator sends no credential");
  }
}
