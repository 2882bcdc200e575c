/**
 * Framework-neutral core of the resource-server middleware: find the request's access token (RFC 6750
 * section 2: the `Authorization` header, and the query or a form body only where enabled), validate
 * it with an `OidcMultiIssuerValidator`, and turn every refusal into a `BearerAuthError` that carries
 * the HTTP status, the headers (`WWW-Authenticate`, `Retry-After`) and a message safe to send. The
 * Express and Fastify adapters only move these values through their framework's own error path.
 *
 * Refusals say what RFC 6750 section 3 lets a client act on (missing, malformed, invalid, insufficient
 * scope) and nothing more: why a token was refused (expired, wrong audience, unknown issuer...) stays in
 * the error's `cause` and in the validator's WARNING log line, never in the response. An error's stack
 * is its message alone, so even an error handler that prints stacks shows nothing internal.
 */
import type { IncomingHttpHeaders } from "node:http";
import { AuthException, createKernel, type AuthKernel, type JsonObject, type ErrorCode } from "../kernel/index.js";
import {
  InvalidArgumentException, InvalidTokenException, IssuerUnavailableException, OidcMultiIssuerValidator, oidcPlugin,
  type TokenPolicy, type TrustedIssuerSpec,
} from "../plugins/oidc/index.js";
import { DpopPolicy, DpopRefusal, boundThumbprint, type DpopMode, type DpopOptions, type RequestUrl } from "./dpop.js";
import type { VerifiedDpopProof } from "../plugins/oidc/index.js";
import { grantedScopes as scopesOf, spaceDelimited } from "../plugins/oidc/validation/scopes.js";

export type { DpopMode, DpopOptions, RequestUrl } from "./dpop.js";

declare module "../kernel/index.js" {
  interface ErrorCodes {
    ERR_BEARER_AUTH: BearerAuthError;
  }
}

/** What an authenticated request carries (`req.auth` / `request.auth`). */
export interface BearerAuth {
  /** The validated access-token claims. */
  readonly claims: JsonObject;
  /** Scopes granted by the token (`scope`, whitespace separated, else `scp`; see `grantedScopes`). */
  readonly scopes: readonly string[];
  /** The introspection response when the remote revocation check ran, else null. */
  readonly introspection: JsonObject | null;
  /** The bearer token itself, for calls made on the caller's behalf. Never log it. */
  readonly token: string;
  /** How the token was presented: `Bearer`, or `DPoP` with a verified proof of possession (RFC 9449). */
  readonly scheme: "Bearer" | "DPoP";
}

/** The part of `OidcMultiIssuerValidator` the middleware uses (any object with this method will do). */
export type BearerTokenValidator = Pick<OidcMultiIssuerValidator, "validateAccessToken"> & Partial<Pick<OidcMultiIssuerValidator, "validateAccessTokenFromCache">>;

/** Where a token may be sent besides the `Authorization` header (RFC 6750 sections 2.2 and 2.3). */
export interface TokenLocations {
  /** `access_token` in the URI query (RFC 6750 section 2.3; the RFC advises against it). Default false. */
  query?: boolean;
  /**
   * `access_token` in an `application/x-www-form-urlencoded` body of a request other than GET (RFC 6750
   * section 2.2). Default false. Express needs a body parser (`express.urlencoded()`) before the
   * middleware, Fastify a form-body content-type parser (`@fastify/formbody`).
   */
  formBody?: boolean;
}

export interface BearerAuthOptions extends TokenPolicy {
  /** Validates tokens against the trusted issuers and their audiences. Either this or `issuers`. */
  validator?: BearerTokenValidator;
  /**
   * The trusted issuers, each with its audience(s), optional `jwksUri` (skips discovery) and its own
   * policy (algorithms, clockToleranceSeconds, maxTokenAgeSeconds, strict); the policy options given
   * beside `issuers` are the defaults. At least one issuer.
   */
  issuers?: ReadonlyArray<TrustedIssuerSpec>;
  /** Kernel that builds the validator of `issuers` (it must have the OIDC plugin). Default: one with only the OIDC plugin. */
  kernel?: AuthKernel;
  /** `realm` of the `WWW-Authenticate` challenge (RFC 6750 section 3). Omitted when not set. */
  realm?: string;
  /** Also introspect every token at its issuer, so revoked tokens are refused (one request per call). */
  doRemoteRevocationCheck?: boolean;
  /** `false`: a request without any token goes on without `auth`; a bad token is still refused. Default true. */
  authRequired?: boolean;
  /** Token locations besides the header; a token in more than one place is `400 invalid_request`. */
  tokenLocations?: TokenLocations;
  /**
   * DPoP (RFC 9449): `"disabled"` (the default: Bearer only), `"allowed"` (Bearer, and DPoP with a
   * proof), `"required"` (DPoP only), or `DpopOptions` (mode, algorithms, nonces, a shared replay
   * store, the public base URL). In every mode a DPoP-bound token (`cnf.jkt`) sent as Bearer is refused.
   */
  dpop?: DpopMode | DpopOptions;
}

/** RFC 6750 section 3.1 error codes; `undefined` is a challenge without an error (no credentials sent). */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";
/** What a refusal's `error` says: an RFC 6750 code, or that the server could not judge the token. */
export type BearerRefusalCode = BearerErrorCode | DpopErrorCode | "temporarily_unavailable" | "server_error";
/** RFC 9449 section 12.2 error codes of the `DPoP` challenge. */
export type DpopErrorCode = "invalid_dpop_proof" | "use_dpop_nonce";

const STATUS: Record<BearerRefusalCode, number> = {
  invalid_request: 400,
  invalid_token: 401,
  insufficient_scope: 403,
  invalid_dpop_proof: 401,
  use_dpop_nonce: 401,
  temporarily_unavailable: 503,
  server_error: 500,
};

const MESSAGES: Record<BearerRefusalCode | "missing", string> = {
  missing: "Bearer token required",
  invalid_request: "Malformed access token request",
  invalid_token: "Invalid access token",
  insufficient_scope: "Insufficient scope",
  invalid_dpop_proof: "Invalid DPoP proof",
  use_dpop_nonce: "Use the DPoP nonce the server provided",
  temporarily_unavailable: "The access token cannot be checked right now; retry later",
  server_error: "The access token could not be checked",
};

/**
 * A refused request. Shaped like the `http-errors` objects that Express's final handler and Fastify's
 * default error handler understand: `status`/`statusCode`, `headers`, `expose`. Its message is fixed per
 * `error` and its stack is that message alone; what went wrong is in `cause` (never send that).
 */
export class BearerAuthError extends AuthException {
  static override readonly code: ErrorCode = "ERR_BEARER_AUTH";
  /** What the answer says; undefined when the request carried no token at all. */
  readonly error: BearerRefusalCode | undefined;
  readonly status: number;
  readonly statusCode: number;
  /** `WWW-Authenticate` for 401/400/403 refusals, `Retry-After` for 503. */
  readonly headers: Readonly<Record<string, string>>;
  /** The message is safe to show to the client. */
  readonly expose = true;

  /** A refusal with its error code and the response headers to send (`WWW-Authenticate`, `DPoP-Nonce`). */
  constructor(error: BearerRefusalCode | undefined, headers: Record<string, string>, options: { cause?: unknown } = {}) {
    super(MESSAGES[error ?? "missing"], { cause: options.cause });
    this.error = error;
    this.status = this.statusCode = error ? STATUS[error] : 401;
    this.headers = headers;
    // Error handlers that print stacks (Express's outside production) print only this line.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** RFC 7230 quoted-string, for the challenge's auth-params. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

// RFC 6750 section 3: realm is a quoted-string; scope tokens are NQCHAR (%x21 / %x23-5B / %x5D-7E).
const QDTEXT = /^[\t\x20-\x7e\x80-\xff]*$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** The authentication schemes a resource server accepts. */
export type AuthScheme = "Bearer" | "DPoP";

/** What a challenge says of DPoP: whether it is offered (and which proof algorithms), and the nonce to use. */
export interface DpopChallengeOptions {
  mode: DpopMode;
  algorithms: readonly string[];
  /** The current server nonce, sent as `DPoP-Nonce` with every refusal. */
  nonce?: () => string | undefined;
}

/** Builds every answer the middleware gives: the challenges and the refusals' errors. */
export class BearerChallenge {
  readonly #realm?: string;
  readonly #dpop?: DpopChallengeOptions;

  /** The challenge of a protected resource: its realm, and the DPoP settings it announces. */
  constructor(realm?: string, dpop?: DpopChallengeOptions) {
    if (realm !== undefined && !QDTEXT.test(realm)) throw new InvalidArgumentException("Bearer realm must not contain control characters");
    this.#realm = realm;
    if (dpop && dpop.mode !== "disabled") this.#dpop = dpop;
  }

  /**
   * The `WWW-Authenticate` value: one challenge per accepted scheme (`Bearer realm="...", error="...",
   * scope="..."`, `DPoP algs="...", error="..."`, RFC 9449 section 7.1); the error goes with the scheme
   * the request used.
   */
  challenge(error: BearerRefusalCode | undefined, scopes?: readonly string[], scheme: AuthScheme = "Bearer"): string {
    const dpop = this.#dpop;
    const challenges: string[] = [];
    const errorScheme = dpop?.mode === "required" ? "DPoP" : scheme;
    for (const s of ["Bearer", "DPoP"] as const) {
      if (s === "Bearer" && dpop?.mode === "required") continue;
      if (s === "DPoP" && !dpop) continue;
      const params: string[] = [];
      if (this.#realm !== undefined) params.push(`realm=${quoted(this.#realm)}`);
      if (s === "DPoP") params.push(`algs=${quoted(dpop!.algorithms.join(" "))}`);
      if (error && s === errorScheme) params.push(`error=${quoted(error)}`);
      if (scopes?.length && s === errorScheme) params.push(`scope=${quoted(scopes.join(" "))}`);
      challenges.push(params.length ? `${s} ${params.join(", ")}` : s);
    }
    return challenges.join(", ");
  }

  /** A refusal about the request's token or proof (401/400/403) with its challenge (and `DPoP-Nonce` when nonces are required). */
  error(error: BearerErrorCode | DpopErrorCode | undefined, options: { scopes?: readonly string[]; cause?: unknown; scheme?: AuthScheme } = {}): BearerAuthError {
    const headers: Record<string, string> = { "WWW-Authenticate": this.challenge(error, options.scopes, options.scheme) };
    const nonce = this.#dpop?.nonce?.();
    if (nonce !== undefined) headers["DPoP-Nonce"] = nonce;
    return new BearerAuthError(error, headers, { cause: options.cause });
  }

  /**
   * The token could not be judged: 503 with `Retry-After` when an issuer is unreachable or the DPoP
   * replay store cannot answer, else 500.
   */
  failure(cause: unknown): BearerAuthError {
    if (cause instanceof IssuerUnavailableException) {
      return new BearerAuthError("temporarily_unavailable", { "Retry-After": String(cause.retryAfterSeconds) }, { cause });
    }
    if (cause instanceof DpopReplayUnavailable) return new BearerAuthError("temporarily_unavailable", { "Retry-After": "1" }, { cause });
    return new BearerAuthError("server_error", {}, { cause });
  }
}

/** The replay store could not answer: the proof was neither accepted nor proven bad. */
class DpopReplayUnavailable extends Error {}

// RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^bearer(?: +|$)/i;
// RFC 9449 section 7.1: the same token68 syntax after the "DPoP" scheme.
const DPOP = /^dpop(?: +|$)/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const FORM_CONTENT_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * The token of an `Authorization: Bearer` header; undefined when the request has no header or uses
 * another scheme (RFC 6750 section 3.1: then the challenge carries no error code). A Bearer header that is
 * not exactly one b64token is `invalid_request`.
 */
export function bearerToken(header: string | string[] | undefined, challenge: BearerChallenge): string | undefined {
  const found = headerCredentials(header, challenge, false);
  return found && b64token(found.token, challenge);
}

/** A request's credential: its scheme, and its token (checked as a b64token unless it came from the header). */
interface Credentials {
  readonly scheme: AuthScheme;
  readonly token: string;
}

/**
 * The scheme and token of an `Authorization` header: `Bearer`, and `DPoP` when `dpop` is accepted;
 * undefined for no header or another scheme. The token's syntax (one b64token) is not checked here:
 * a token the validator already holds is one (see `BearerAuthenticator.authenticateNow`).
 */
function headerCredentials(header: string | string[] | undefined, challenge: BearerChallenge, dpop: boolean): Credentials | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw challenge.error("invalid_request");
  const value = header.trim();
  const bearer = BEARER.exec(value);
  if (bearer) return { scheme: "Bearer", token: value.slice(bearer[0].length) };
  const proofScheme = dpop ? DPOP.exec(value) : null;
  if (proofScheme) return { scheme: "DPoP", token: value.slice(proofScheme[0].length) };
  return undefined;
}

function b64token(token: string, challenge: BearerChallenge, scheme: AuthScheme = "Bearer"): string {
  if (!B64TOKEN.test(token)) throw challenge.error("invalid_request", { scheme });
  return token;
}

/** The parts of a Node request the middleware reads (Express's `req`, Fastify's `request.raw`). */
export interface BearerRequest {
  /** Every header line as sent (Node keeps only the first `Authorization` in `headers`). */
  readonly rawHeaders: readonly string[];
  readonly headers: IncomingHttpHeaders;
  readonly method?: string;
  readonly url?: string;
}

/** The `Authorization` header, or `invalid_request` when the request carries more than one. */
function authorizationHeader(request: BearerRequest, challenge: BearerChallenge): string | undefined {
  const raw = request.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length !== 13 || name.toLowerCase() !== "authorization") continue;
    if (value !== undefined) throw challenge.error("invalid_request");
    value = raw[i + 1]!;
  }
  return value;
}

/** The single `access_token` of a parameter list, or `invalid_request` when it is given more than once. */
function accessTokenParam(values: readonly unknown[], challenge: BearerChallenge): string | undefined {
  if (values.length === 0) return undefined;
  if (values.length > 1 || typeof values[0] !== "string") throw challenge.error("invalid_request");
  return b64token(values[0], challenge);
}

/**
 * Scopes a token grants: `scope` split on whitespace (RFC 9068) when it is set, else `scp` (a list, or
 * a string split the same way); none when it has neither. The token validator's `scopesAnyof` reads them so too.
 */
export function grantedScopes(claims: JsonObject): string[] {
  return [...(scopesOf(claims) ?? [])];
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

/** A request's auth, holding the challenge (realm, schemes) of the middleware that accepted it, for the route guards' refusals. */
class AcceptedAuth implements BearerAuth {
  readonly #challenge: BearerChallenge;
  constructor(
    readonly claims: JsonObject,
    readonly scopes: readonly string[],
    readonly introspection: JsonObject | null,
    readonly token: string,
    readonly scheme: AuthScheme,
    challenge: BearerChallenge,
  ) {
    this.#challenge = challenge;
  }
  static challengeOf(auth: BearerAuth): BearerChallenge | undefined {
    return #challenge in auth ? (auth as AcceptedAuth).#challenge : undefined;
  }
}
/** Requests let through without a token (`authRequired: false`): a guard on them answers this challenge's 401. */
const anonymous = new WeakMap<object, BearerChallenge>();

const POLICY_KEYS = ["algorithms", "clockToleranceSeconds", "maxTokenAgeSeconds", "strict"] as const;

/** The kernel of middleware built from `issuers` without one: the OIDC plugin is all a validator needs. */
let oidcKernel: AuthKernel | undefined;

function buildValidator(options: BearerAuthOptions): Promise<BearerTokenValidator> | BearerTokenValidator {
  const given = POLICY_KEYS.filter((k) => options[k] !== undefined);
  if (options.validator !== undefined) {
    if (typeof options.validator?.validateAccessToken !== "function") {
      throw new InvalidArgumentException("Bearer authentication needs a validator (an OidcMultiIssuerValidator) or issuers");
    }
    if (options.issuers !== undefined) throw new InvalidArgumentException("Bearer authentication takes a validator or issuers, not both");
    if (given.length) throw new InvalidArgumentException(`${given.join(", ")} apply to issuers; configure them on the validator instead`);
    return options.validator;
  }
  if (!Array.isArray(options.issuers)) {
    throw new InvalidArgumentException("Bearer authentication needs a validator (an OidcMultiIssuerValidator) or issuers");
  }
  if (options.issuers.length === 0) {
    throw new InvalidArgumentException("Bearer authentication needs at least one trusted issuer; with none it would refuse every token");
  }
  const { algorithms, clockToleranceSeconds, maxTokenAgeSeconds, strict } = options;
  const kernel = options.kernel ?? (oidcKernel ??= createKernel({ plugins: [oidcPlugin] }));
  const building = OidcMultiIssuerValidator.fromIssuers(options.issuers, { kernel, algorithms, clockToleranceSeconds, maxTokenAgeSeconds, strict });
  building.catch(() => undefined); // reported by ready() and by every request
  return building;
}

/** The request as the client addressed it: the path (with query) and, built on demand, the absolute URL. */
export interface CalledRequest {
  path: string;
  url: RequestUrl;
}

/** The absolute URL of a request from its own `Host` and socket, when the framework gives none. */
function requestUrlOf(request: BearerRequest): string {
  const encrypted = (request as { socket?: { encrypted?: boolean } }).socket?.encrypted === true;
  return `${encrypted ? "https" : "http"}://${request.headers.host ?? "localhost"}${request.url ?? "/"}`;
}

/** Reads and validates the access token of one request. */
export class BearerAuthenticator {
  readonly challenge: BearerChallenge;
  #validator: Promise<BearerTokenValidator> | BearerTokenValidator;
  readonly #remote: boolean;
  readonly #required: boolean;
  readonly #query: boolean;
  readonly #formBody: boolean;
  readonly #dpop: DpopPolicy;

  /**
   * Validates bearer (and DPoP) tokens of requests with the given options; the framework adapters wrap it.
   */
  constructor(options: BearerAuthOptions) {
    if (!options || typeof options !== "object") throw new InvalidArgumentException("Bearer authentication needs options with a validator or issuers");
    const dpop = (this.#dpop = new DpopPolicy(options.dpop));
    this.challenge = new BearerChallenge(options.realm, { mode: dpop.mode, algorithms: dpop.algorithms, nonce: () => dpop.currentNonce() });
    this.#validator = buildValidator(options);
    if (this.#validator instanceof Promise) {
      this.#validator.then((v) => (this.#validator = v), () => undefined);
    }
    this.#remote = options.doRemoteRevocationCheck ?? false;
    this.#required = options.authRequired ?? true;
    this.#query = options.tokenLocations?.query ?? false;
    this.#formBody = options.tokenLocations?.formBody ?? false;
  }

  /** Whether tokens may come in a form body (the framework must parse it before authenticating). */
  get readsFormBody(): boolean {
    return this.#formBody;
  }

  /** Resolves once the validator is built (rejects with its configuration error). */
  async ready(): Promise<void> {
    await this.#validator;
  }

  /**
   * The request's one access token, or undefined when it carries none. Two `Authorization` headers, a
   * repeated `access_token`, a token in more than one place, or one that is not a b64token are `invalid_request`.
   */
  token(request: BearerRequest, body?: unknown): string | undefined {
    const found = this.#credentials(request, body);
    return found && b64token(found.token, this.challenge, found.scheme);
  }

  /** The nonce to send with every answer (`DPoP-Nonce`, RFC 9449 section 9), when DPoP nonces are required. */
  dpopNonce(): string | undefined {
    return this.#dpop.mode === "disabled" ? undefined : this.#dpop.currentNonce();
  }

  #credentials(request: BearerRequest, body?: unknown): Credentials | undefined {
    const c = this.challenge;
    const header = headerCredentials(authorizationHeader(request, c), c, this.#dpop.mode !== "disabled");
    let found = header?.token;
    if (this.#query && request.url !== undefined) {
      const q = request.url.indexOf("?");
      if (q >= 0 && request.url.includes("access_token", q)) {
        const fromQuery = accessTokenParam(new URLSearchParams(request.url.slice(q + 1)).getAll("access_token"), c);
        if (fromQuery !== undefined && found !== undefined) throw c.error("invalid_request");
        found ??= fromQuery;
      }
    }
    if (this.#formBody && request.method !== "GET" && body && typeof body === "object" && FORM_CONTENT_TYPE.test(request.headers["content-type"] ?? "")) {
      const param = (body as Record<string, unknown>).access_token;
      const fromBody = accessTokenParam(param === undefined ? [] : Array.isArray(param) ? param : [param], c);
      if (fromBody !== undefined && found !== undefined) throw c.error("invalid_request");
      found ??= fromBody;
    }
    if (found === undefined) return undefined;
    return found === header?.token ? header : { scheme: header?.scheme ?? "Bearer", token: found };
  }

  /**
   * The request's auth; undefined only when it carries no token and `authRequired` is false (then
   * `key`, the framework's request object, is remembered so route guards answer 401). Rejects
   * with a `BearerAuthError`: 400/401/403 about the token, 503 (`Retry-After`) when an issuer's keys
   * cannot be fetched (or the DPoP replay store cannot answer), 500 for anything else — never with
   * another error, never with internal detail. `target` is the request's path and URL as the client
   * called them (what a DPoP proof names), as the framework sees them, or a function of `key` giving them
   * (called only for a DPoP proof); by default `request.url` on the request's `Host`.
   */
  async authenticate<K extends object>(request: BearerRequest, body?: unknown, key?: K, target?: CalledRequest | ((key: K) => CalledRequest)): Promise<BearerAuth | undefined> {
    return this.authenticateNow(request, body, key, target);
  }

  /**
   * `authenticate`, answered in the same turn when it can be: a request without a token, or with a
   * Bearer token the validator has verified and still holds (no DPoP, no remote check), gets its
   * answer (or throws its `BearerAuthError`) synchronously; anything else returns the promise of the
   * full validation. For frameworks whose hooks can finish without a promise.
   */
  authenticateNow<K extends object>(request: BearerRequest, body?: unknown, key?: K, target?: CalledRequest | ((key: K) => CalledRequest)): BearerAuth | undefined | Promise<BearerAuth | undefined> {
    const found = this.#credentials(request, body);
    if (found === undefined) {
      if (this.#required) throw this.challenge.error(undefined);
      anonymous.set(key ?? request, this.challenge);
      return undefined;
    }
    const { scheme, token } = found;
    const validator = this.#validator;
    if (scheme === "Bearer" && this.#dpop.mode !== "required" && !this.#remote && !(validator instanceof Promise)) {
      // A token the validator holds is a JWT it verified, so a b64token (RFC 6750 section 2.1) too.
      const held = validator.validateAccessTokenFromCache?.(token);
      if (held) return this.#accepted(scheme, token, held[0], null);
    }
    b64token(token, this.challenge, scheme);
    return this.#authenticateFully(request, key ?? (request as K), target, scheme, token);
  }

  async #authenticateFully<K extends object>(
    request: BearerRequest,
    key: K,
    target: CalledRequest | ((key: K) => CalledRequest) | undefined,
    scheme: AuthScheme,
    token: string,
  ): Promise<BearerAuth | undefined> {
    const c = this.challenge;
    const dpop = this.#dpop;
    if (scheme === "Bearer" && dpop.mode === "required") throw c.error("invalid_token", { scheme, cause: new DpopRefusal("invalid_token", "DPoP is required") });
    let proof: VerifiedDpopProof | undefined;
    if (scheme === "DPoP") {
      const called = typeof target === "function" ? target(key) : target;
      const path = called?.path ?? request.url ?? "/";
      try {
        proof = dpop.verifyProof(request.headers.dpop, request.method ?? "GET", dpop.htu(path, called?.url ?? (() => requestUrlOf(request))), token);
      } catch (err) {
        if (err instanceof DpopRefusal) throw c.error(err.error, { scheme, cause: err });
        throw c.failure(err);
      }
    }
    let claims: JsonObject;
    let introspection: JsonObject | null;
    try {
      const validator = this.#validator instanceof Promise ? await this.#validator : this.#validator;
      [claims, introspection] = await validator.validateAccessToken(token, { doRemoteRevocationCheck: this.#remote });
    } catch (err) {
      if (err instanceof InvalidTokenException) throw c.error("invalid_token", { scheme, cause: err });
      throw c.failure(err);
    }
    if (proof) {
      try {
        await dpop.bind(claims, proof);
      } catch (err) {
        if (err instanceof DpopRefusal) throw c.error(err.error, { scheme, cause: err });
        throw c.failure(new DpopReplayUnavailable("The DPoP replay store could not answer", { cause: err }));
      }
    }
    return this.#accepted(scheme, token, claims, introspection);
  }

  /** A validated token's auth; a token bound to a key is only good with a proof of that key (RFC 9449 section 7.2). */
  #accepted(scheme: AuthScheme, token: string, claims: JsonObject, introspection: JsonObject | null): BearerAuth {
    if (scheme === "Bearer" && boundThumbprint(claims) !== undefined) {
      throw this.challenge.error("invalid_token", { scheme, cause: new DpopRefusal("invalid_token", "A DPoP-bound token was presented as a Bearer token") });
    }
    return new AcceptedAuth(claims, scopesOf(claims) ?? NO_SCOPES, introspection, token, scheme, this.challenge);
  }
}

function checkedScopes(helper: string, scopes: readonly string[]): string[] {
  if (scopes.length === 0) throw new InvalidArgumentException(`${helper}() needs at least one scope`);
  for (const s of scopes) {
    if (typeof s !== "string" || !SCOPE_TOKEN.test(s)) throw new InvalidArgumentException(`${helper}(): ${JSON.stringify(s)} is not a valid scope token`);
  }
  return [...scopes];
}

/**
 * Checks run on an authenticated request (`key`: the framework's request object); they throw
 * `BearerAuthError` (401/403) when it may not proceed.
 */
export type AuthGuard = (auth: BearerAuth | undefined, key: object) => void | Promise<void>;

function authenticated(auth: BearerAuth | undefined, key: object, helper: string): BearerAuth {
  if (auth) return auth;
  // A request let through without a token (authRequired: false) needs one here.
  const optional = anonymous.get(key);
  if (optional) throw optional.error(undefined);
  // A route guard placed before (or without) the bearer middleware is a wiring bug: fail closed (500),
  // the reason in the cause for the host's log, nothing of it in the answer.
  throw new BearerChallenge().failure(new AuthException(`${helper}() found no authenticated request: install the bearer middleware before it`));
}

/** How a guard refuses: `invalid_token` (401) or `insufficient_scope` (403, with the scopes when given). */
function refuse(auth: BearerAuth, error: "invalid_token" | "insufficient_scope", scopes?: readonly string[]): BearerAuthError {
  return (AcceptedAuth.challengeOf(auth) ?? new BearerChallenge()).error(error, { scopes, scheme: auth.scheme });
}

/** Every one of `scopes` must be granted. */
export function allScopesGuard(scopes: readonly string[], helper = "requireScopes"): AuthGuard {
  const required = checkedScopes(helper, scopes);
  return (auth, key) => {
    const a = authenticated(auth, key, helper);
    if (!required.every((s) => a.scopes.includes(s))) throw refuse(a, "insufficient_scope", required);
  };
}

/** At least one of `scopes` must be granted. */
export function anyScopeGuard(scopes: readonly string[], helper = "requireAnyScope"): AuthGuard {
  const required = checkedScopes(helper, scopes);
  return (auth, key) => {
    const a = authenticated(auth, key, helper);
    if (!required.some((s) => a.scopes.includes(s))) throw refuse(a, "insufficient_scope", required);
  };
}

/** A host-defined check of the validated claims. */
export type ClaimsPredicate = (claims: JsonObject, auth: BearerAuth) => boolean | Promise<boolean>;

/** Options of `requireClaims`: which error (and status) a refused request gets. */
export interface ClaimsGuardOptions {
  /**
   * The answer when the check fails: `insufficient_scope` (403, the default: the token lacks a
   * privilege this route needs) or `invalid_token` (401: the token is not one this route accepts).
   */
  error?: "invalid_token" | "insufficient_scope";
}

/** `predicate` must return true; otherwise 403 `insufficient_scope` (or 401 `invalid_token` when asked). */
export function claimsGuard(predicate: ClaimsPredicate, options: ClaimsGuardOptions = {}, helper = "requireClaims"): AuthGuard {
  if (typeof predicate !== "function") throw new InvalidArgumentException(`${helper}() needs a predicate function`);
  const error = options.error ?? "insufficient_scope";
  if (error !== "invalid_token" && error !== "insufficient_scope") throw new InvalidArgumentException(`${helper}(): error must be "invalid_token" or "insufficient_scope"`);
  return async (auth, key) => {
    const a = authenticated(auth, key, helper);
    if ((await predicate(a.claims, a)) !== true) throw refuse(a, error);
  };
}

type ClaimValue = string | number | boolean | null;

function checkedClaimName(helper: string, claim: string): string {
  if (typeof claim !== "string" || claim.length === 0) throw new InvalidArgumentException(`${helper}() needs a claim name`);
  return claim;
}

/** The claims RFC 6750's `insufficient_scope` is about; a check of any other claim is `invalid_token`. */
const SCOPE_CLAIMS = new Set(["scope", "scp"]);

/** `claims[claim]` must be exactly `value` (a string, number, boolean or null). */
export function claimEqualsGuard(claim: string, value: ClaimValue, helper = "requireClaimEquals"): AuthGuard {
  checkedClaimName(helper, claim);
  if (value !== null && !["string", "number", "boolean"].includes(typeof value)) {
    throw new InvalidArgumentException(`${helper}(): the expected value must be a string, number, boolean or null`);
  }
  const error = SCOPE_CLAIMS.has(claim) ? "insufficient_scope" : "invalid_token";
  return (auth, key) => {
    const a = authenticated(auth, key, helper);
    if (!Object.hasOwn(a.claims, claim) || a.claims[claim] !== value) throw refuse(a, error);
  };
}

/**
 * `claims[claim]` must include every one of `values`: a list claim, or a space-delimited string claim
 * (as `scope`, split as `grantedScopes` splits it).
 */
export function claimIncludesGuard(claim: string, values: readonly ClaimValue[], helper = "requireClaimIncludes"): AuthGuard {
  checkedClaimName(helper, claim);
  if (values.length === 0) throw new InvalidArgumentException(`${helper}() needs at least one value`);
  const error = SCOPE_CLAIMS.has(claim) ? "insufficient_scope" : "invalid_token";
  const required = [...values];
  return (auth, key) => {
    const a = authenticated(auth, key, helper);
    const actual = Object.hasOwn(a.claims, claim) ? a.claims[claim] : undefined;
    const list: readonly unknown[] = Array.isArray(actual) ? actual : typeof actual === "string" ? spaceDelimited(actual) : [];
    if (!required.every((v) => list.includes(v))) throw refuse(a, error);
  };
}
