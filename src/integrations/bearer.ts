/**
 * Framework-neutral core of the resource-server middleware: read an RFC 6750 `Authorization: Bearer`
 * header, validate the token with an `OidcMultiIssuerValidator`, and turn every refusal into a
 * `BearerAuthError` that carries the HTTP status and the `WWW-Authenticate` challenge. The Express and
 * Fastify adapters only move these values through their framework's own error path.
 *
 * Refusals say what RFC 6750 section 3 lets a client act on (missing, malformed, invalid, insufficient scope)
 * and nothing more: why a token was refused (expired, wrong audience, unknown issuer...) stays in the
 * error's `cause` and in the validator's WARNING log line, never in the response.
 */
import { AuthException, type JsonObject, type ErrorCode } from "../kernel/index.js";
import { InvalidArgumentException, InvalidTokenException } from "../plugins/oidc/index.js";
import type { OidcMultiIssuerValidator } from "../plugins/oidc/multi-validator.js";

declare module "../kernel/index.js" {
  interface ErrorCodes {
    ERR_BEARER_AUTH: BearerAuthError;
  }
}

/** What an authenticated request carries (`req.auth` / `request.auth`). */
export interface BearerAuth {
  /** The validated access-token claims. */
  readonly claims: JsonObject;
  /** Scopes granted by the token (`scope`, space separated, or `scp`). */
  readonly scopes: readonly string[];
  /** The introspection response when the remote revocation check ran, else null. */
  readonly introspection: JsonObject | null;
  /** The bearer token itself, for calls made on the caller's behalf. Never log it. */
  readonly token: string;
}

/** The part of `OidcMultiIssuerValidator` the middleware uses (any object with this method will do). */
export type BearerTokenValidator = Pick<OidcMultiIssuerValidator, "validateAccessToken">;

export interface BearerAuthOptions {
  /** Validates tokens against the trusted issuers and their configured audience. */
  validator: BearerTokenValidator;
  /** `realm` of the `WWW-Authenticate` challenge (RFC 6750 section 3). Omitted when not set. */
  realm?: string;
  /** Also introspect every token at its issuer, so revoked tokens are refused (one request per call). */
  doRemoteRevocationCheck?: boolean;
}

/** RFC 6750 section 3.1 error codes; `undefined` is a challenge without an error (no credentials sent). */
export type BearerErrorCode = "invalid_request" | "invalid_token" | "insufficient_scope";

const STATUS: Record<BearerErrorCode, number> = { invalid_request: 400, invalid_token: 401, insufficient_scope: 403 };

const MESSAGES: Record<BearerErrorCode | "missing", string> = {
  missing: "Bearer token required",
  invalid_request: "Malformed Authorization header",
  invalid_token: "Invalid access token",
  insufficient_scope: "Insufficient scope",
};

/**
 * A refused request. Shaped like the `http-errors` objects that Express's final handler and Fastify's
 * default error handler understand: `status`/`statusCode`, `headers` (the challenge), `expose`.
 */
export class BearerAuthError extends AuthException {
  static override readonly code: ErrorCode = "ERR_BEARER_AUTH";
  /** The RFC 6750 error code; undefined when the request carried no bearer token. */
  readonly error: BearerErrorCode | undefined;
  readonly status: number;
  readonly statusCode: number;
  readonly headers: { "WWW-Authenticate": string };
  /** The message is safe to show to the client. */
  readonly expose = true;

  constructor(error: BearerErrorCode | undefined, challenge: string, options: { cause?: unknown; message?: string } = {}) {
    super(options.message ?? MESSAGES[error ?? "missing"], { cause: options.cause });
    this.error = error;
    this.status = this.statusCode = error ? STATUS[error] : 401;
    this.headers = { "WWW-Authenticate": challenge };
  }
}

/** RFC 7230 quoted-string, for the challenge's auth-params. */
function quoted(value: string): string {
  return `"${value.replace(/["\\]/g, "\\$&")}"`;
}

// RFC 6750 section 3: realm is a quoted-string; scope tokens are NQCHAR (%x21 / %x23-5B / %x5D-7E).
const QDTEXT = /^[\t\x20-\x7e\x80-\xff]*$/;
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

/** Builds the `WWW-Authenticate` values for one realm. */
export class BearerChallenge {
  readonly #realm?: string;

  constructor(realm?: string) {
    if (realm !== undefined && !QDTEXT.test(realm)) throw new InvalidArgumentException("Bearer realm must not contain control characters");
    this.#realm = realm;
  }

  /** A refusal: `Bearer realm="...", error="...", scope="..."`. */
  error(error: BearerErrorCode | undefined, options: { scopes?: readonly string[]; cause?: unknown } = {}): BearerAuthError {
    const params: string[] = [];
    if (this.#realm !== undefined) params.push(`realm=${quoted(this.#realm)}`);
    if (error) params.push(`error=${quoted(error)}`);
    if (options.scopes?.length) params.push(`scope=${quoted(options.scopes.join(" "))}`);
    return new BearerAuthError(error, params.length ? `Bearer ${params.join(", ")}` : "Bearer", { cause: options.cause });
  }
}

// RFC 6750 section 2.1: credentials = "Bearer" 1*SP b64token; b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^bearer(?: +|$)/i;
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization: Bearer` header; undefined when the request has no header or uses
 * another scheme (RFC 6750 section 3.1: then the challenge carries no error code). A Bearer header that is
 * not exactly one b64token is `invalid_request`.
 */
export function bearerToken(header: string | string[] | undefined, challenge: BearerChallenge): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header)) throw challenge.error("invalid_request");
  const value = header.trim();
  const scheme = BEARER.exec(value);
  if (!scheme) return undefined;
  const token = value.slice(scheme[0].length);
  if (!B64TOKEN.test(token)) throw challenge.error("invalid_request");
  return token;
}

/** Scopes a token grants: `scope` (space separated, RFC 9068) or `scp` (list or string). */
export function grantedScopes(claims: JsonObject): string[] {
  const value = claims.scope ?? claims.scp;
  if (typeof value === "string") return value.split(" ").filter(Boolean);
  if (Array.isArray(value)) return value.filter((s): s is string => typeof s === "string");
  return [];
}

/** The challenge (realm) of the middleware that authenticated a request, for the route guards' refusals. */
const challenges = new WeakMap<BearerAuth, BearerChallenge>();

/** Reads and validates the bearer token of one request. */
export class BearerAuthenticator {
  readonly challenge: BearerChallenge;
  readonly #validator: BearerTokenValidator;
  readonly #remote: boolean;

  constructor(options: BearerAuthOptions) {
    if (!options || typeof options.validator?.validateAccessToken !== "function") {
      throw new InvalidArgumentException("Bearer authentication needs a validator (an OidcMultiIssuerValidator)");
    }
    this.#validator = options.validator;
    this.#remote = options.doRemoteRevocationCheck ?? false;
    this.challenge = new BearerChallenge(options.realm);
  }

  /**
   * The request's auth, or a `BearerAuthError` (rejected). Errors that are not about the token (an
   * issuer's JWKS unreachable, a failed introspection call) are rejected unchanged: the request was
   * not proven bad, the host decides how to answer (5xx by default).
   */
  async authenticate(authorization: string | string[] | undefined): Promise<BearerAuth> {
    const token = bearerToken(authorization, this.challenge);
    if (token === undefined) throw this.challenge.error(undefined);
    let claims: JsonObject;
    let introspection: JsonObject | null;
    try {
      [claims, introspection] = await this.#validator.validateAccessToken(token, { doRemoteRevocationCheck: this.#remote });
    } catch (err) {
      if (err instanceof InvalidTokenException) throw this.challenge.error("invalid_token", { cause: err });
      throw err;
    }
    const auth: BearerAuth = { claims, scopes: grantedScopes(claims), introspection, token };
    challenges.set(auth, this.challenge);
    return auth;
  }
}

function checkedScopes(helper: string, scopes: readonly string[]): string[] {
  if (scopes.length === 0) throw new InvalidArgumentException(`${helper}() needs at least one scope`);
  for (const s of scopes) {
    if (typeof s !== "string" || !SCOPE_TOKEN.test(s)) throw new InvalidArgumentException(`${helper}(): ${JSON.stringify(s)} is not a valid scope token`);
  }
  return [...scopes];
}

/** Checks run on an authenticated request; they throw `BearerAuthError` (403) when it may not proceed. */
export type AuthGuard = (auth: BearerAuth | undefined) => void | Promise<void>;

function authenticated(auth: BearerAuth | undefined, helper: string): BearerAuth {
  // A route guard placed before (or without) the bearer middleware is a wiring bug: fail closed, loudly.
  if (!auth) throw new AuthException(`${helper}() found no authenticated request: install the bearer middleware before it`);
  return auth;
}

function refuse(auth: BearerAuth, scopes?: readonly string[]): BearerAuthError {
  return (challenges.get(auth) ?? new BearerChallenge()).error("insufficient_scope", { scopes });
}

/** Every one of `scopes` must be granted. */
export function allScopesGuard(scopes: readonly string[], helper = "requireScopes"): AuthGuard {
  const required = checkedScopes(helper, scopes);
  return (auth) => {
    const a = authenticated(auth, helper);
    if (!required.every((s) => a.scopes.includes(s))) throw refuse(a, required);
  };
}

/** At least one of `scopes` must be granted. */
export function anyScopeGuard(scopes: readonly string[], helper = "requireAnyScope"): AuthGuard {
  const required = checkedScopes(helper, scopes);
  return (auth) => {
    const a = authenticated(auth, helper);
    if (!required.some((s) => a.scopes.includes(s))) throw refuse(a, required);
  };
}

/** A host-defined check of the validated claims. */
export type ClaimsPredicate = (claims: JsonObject, auth: BearerAuth) => boolean | Promise<boolean>;

/** `predicate` must return true; false is a 403 `insufficient_scope` without a `scope` attribute. */
export function claimsGuard(predicate: ClaimsPredicate, helper = "requireClaims"): AuthGuard {
  if (typeof predicate !== "function") throw new InvalidArgumentException(`${helper}() needs a predicate function`);
  return async (auth) => {
    const a = authenticated(auth, helper);
    if ((await predicate(a.claims, a)) !== true) throw refuse(a);
  };
}
