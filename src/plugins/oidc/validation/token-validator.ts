/**
 * Local JWT validation: `planet_auth.TokenValidator` of the Python library.
 *
 * jose does the JWKS work (key import and JWK checks, see `JwksKeyCache`); the hot path verifies
 * signatures with node:crypto on cached `KeyObject`s and applies JOSE header rules equivalent to
 * `jose.jwtVerify` (a differential test holds the two to the same verdicts). Claims rules follow the
 * reference (PyJWT): zero leeway by default, `iat` in the future rejected, `sub`/`jti` strings.
 *
 * Every rejection is an `InvalidTokenException` (or subclass) carrying the unverified header/body for
 * logging; no exception message ever contains the token.
 */
import { type AuthExceptionOptions, AuthEvent, type AuthLogger, type Clock, systemClock } from "../../../kernel/index.js";
import {
  ExpiredTokenException, InvalidAlgorithmTokenException, InvalidArgumentException, InvalidTokenException,
  ScopeNotGrantedTokenException, TokenEvent, UnknownSigningKeyTokenException,
} from "../token-errors.js";
import type { SignatureAlgorithm } from "./algorithms.js";
import { CANONICAL_ALGORITHM_NAMES, SIGNATURE_ALGORITHMS } from "./algorithms.js";
import type { JwksKeyCacheOptions, JwksKeyEntry } from "./jwks-cache.js";
import { JwksKeyCache } from "./jwks-cache.js";
import type { DecodedJwt, JwtHeader, JwtPayload } from "./jwt-decode.js";
import { MalformedJwtError, decodeJsonSegment, decodeJwtUnverified, decodeSegment, splitCompactJwt } from "./jwt-decode.js";
import { freezeGrantedScopes, grantedScopes } from "./scopes.js";
import { type VerifiedCallback, verifierThreads } from "./verifier-threads.js";

/**
 * Options of `TokenValidator`: trusted algorithms, clock leeway, maximum token age, the token profile, the
 * verified-token cache size, the length cap, the clock and the logger.
 */
export interface TokenValidatorOptions {
  /**
   * Trusted JWS algorithms, case-insensitive (default `["rs256"]`, as the reference). RS*, PS*, ES*,
   * EdDSA, Ed25519. `"jwks"`: whatever the issuer's keys declare (a key's `alg`, else every
   * asymmetric algorithm of its key type and curve); `none` and HMAC are never among them.
   */
  trustedAlgorithms?: readonly string[] | "jwks";
  /** Clock-skew leeway for `exp`/`nbf`/`iat`, seconds (default 0, as the reference). */
  leewaySeconds?: number;
  /** Refuse tokens issued longer ago than this (`iat` then required), seconds. Default: no limit. */
  maxTokenAgeSeconds?: number;
  /**
   * `"rfc9068"`: the JWT access-token profile — header `typ` `at+jwt` (or `application/at+jwt`), and
   * `iss`, `exp`, `aud`, `sub`, `client_id`, `iat`, `jti` required.
   */
  profile?: "rfc9068";
  /**
   * Size of the verified-token cache (default 0 = off). A hit — the same token string, within its
   * validity by the clock, its key set unchanged — is a lookup: the token is not parsed again, only
   * the call's issuer, audience, required claims, nonce and scopes are checked.
   */
  verifiedTokenCacheSize?: number;
  /**
   * Verify the signatures of concurrent validations on worker threads shared by the process (default
   * true): one per turn is verified on the calling thread, the others on as many threads as there are
   * cores less one (at most four), started on first use. False: on libuv's thread pool (node:crypto's
   * callback form). The verdicts are the same on every path.
   */
  verifierThreads?: boolean;
  /** Longest token accepted, in characters; longer tokens are rejected before any parsing (default 16 KiB). */
  maxTokenLength?: number;
  clock?: Clock;
  logger?: AuthLogger;
}

/**
 * What `TokenValidator.validateToken` checks beyond the signature: issuer, audience, required scopes and
 * claims.
 */
export interface ValidateTokenOptions {
  issuer: string;
  /** The expected audience, or several: the token's `aud` must name at least one. */
  audience: string | readonly string[];
  /** Claims that must be present (presence only; a null value counts as absent, as in PyJWT). */
  requiredClaims?: string[];
  /** "Any of" scope check against `scope` (space separated) or `scp` (list). */
  scopesAnyof?: string[];
  nonce?: string;
}

/**
 * What `TokenValidator.validateIdToken` checks beyond the signature: issuer, audience (the client ID),
 * required claims and nonce.
 */
export interface ValidateIdTokenOptions {
  issuer: string;
  clientId: string;
  requiredClaims?: string[];
  nonce?: string;
}

/**
 * The longest token the validator decodes by default (16 KiB); a longer one is refused before any decoding.
 */
export const DEFAULT_MAX_TOKEN_LENGTH = 16 * 1024;
// RFC 9068 section 2.2 and 4.
const RFC9068_CLAIMS = ["iss", "exp", "aud", "sub", "client_id", "iat", "jti"];
const RFC9068_TYPES = new Set(["at+jwt", "application/at+jwt"]);
// The scratch buffer's size: the signature of an 8192-bit RSA key (longer ones get a buffer of their own).
const SCRATCH_BYTES = 1024;
// libuv's thread pool size (node:crypto's callback form runs there).
const POOL_THREADS = Number(process.env.UV_THREADPOOL_SIZE) || 4;
// Distinct header segments remembered (issuers use a handful: one per key and token type).
const HEADER_CACHE_SIZE = 64;

/** A verified token's frozen claims and what a hit still checks; see `#cachedClaims`. */
interface VerifiedEntry {
  /** The whole token: a hit must be this exact string (the cache's key is only its end). */
  readonly token: string;
  readonly claims: JwtPayload;
  /** The token's header and claims, for the exceptions of a hit that this call's arguments refuse. */
  readonly context: FailureContext;
  readonly kid: string;
  readonly alg: SignatureAlgorithm;
  /** Served while `validFrom <= now < validUntil` (seconds); otherwise the token is validated in full again. */
  readonly validFrom: number;
  readonly validUntil: number;
  /** The granted scopes (`scope` or `scp`); undefined when the token has neither claim. */
  readonly scopes: readonly string[] | undefined;
  /** Hit since it was last passed over for eviction (the "second chance" of the CLOCK replacement policy). */
  used: boolean;
}

/**
 * The verified-token cache's key: the token's last characters, the end of its signature. Hashing a
 * short key is what makes a hit a lookup (a whole token is hashed character by character, each time
 * it arrives as a new string); the entry holds the whole token, and a hit must equal it exactly.
 */
function cacheKey(token: string): string {
  return token.length <= CACHE_KEY_CHARS ? token : token.slice(-CACHE_KEY_CHARS);
}
const CACHE_KEY_CHARS = 32;

type TokenExceptionClass = new (
  message: string,
  options?: AuthExceptionOptions & { jwtHeader?: Record<string, unknown>; jwtBody?: Record<string, unknown> },
) => InvalidTokenException;

// JOSE header parameters whose criticality this validator understands (jose recognizes only "b64").
const RECOGNIZED_CRIT = new Set(["b64"]);

function safeName(value: unknown): string {
  const s = typeof value === "string" ? value : String(value);
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

function isNumericDate(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

interface FailureContext {
  header: JwtHeader | undefined;
  payload: JwtPayload | undefined;
}

/** Throw `cls` with copies of the unverified header/body attached (never the token). */
function fail(ctx: FailureContext, cls: TokenExceptionClass, message: string, event?: AuthEvent): never {
  throw new cls(message, {
    jwtHeader: ctx.header ? { ...ctx.header } : undefined,
    jwtBody: ctx.payload,
    event,
  });
}

/**
 * A token whose structure was checked and whose payload was decoded once, for a caller that reads a
 * claim (the issuer) before choosing the validator. Only `prepareToken` makes one; nothing in it is
 * trusted until `validateToken` verifies it. Internal to the library (not exported from the package):
 * the validated claims are this payload object, so it must not change between the two calls.
 */
export interface PreparedToken {
  readonly token: string;
  /** The unverified payload; undefined when it is not a JSON object (then `payloadError` says why). */
  readonly payload: JwtPayload | undefined;
  readonly payloadError: string | undefined;
}
/** The only maker of prepared tokens: a private field marks the ones this module made. */
class Prepared implements PreparedToken {
  readonly #madeHere = true;
  constructor(
    readonly token: string,
    readonly dots: [number, number],
    readonly payload: JwtPayload | undefined,
    readonly payloadError: string | undefined,
  ) {}
  static madeHere(value: unknown): value is Prepared {
    return typeof value === "object" && value !== null && #madeHere in value;
  }
}

/**
 * Check the length cap (first, before reading any of the token), the compact structure, and decode
 * the payload once. Malformed or too long ⇒ `InvalidTokenException`.
 */
export function prepareToken(token: string, maxTokenLength = DEFAULT_MAX_TOKEN_LENGTH): Prepared {
  if (typeof token !== "string" || token.length === 0) throw new InvalidArgumentException("Token must be a non-empty string");
  if (token.length > maxTokenLength) throw new InvalidTokenException(`Token is longer than the maximum of ${maxTokenLength} characters`);
  let dots: [number, number];
  try {
    dots = splitCompactJwt(token);
  } catch (e) {
    if (e instanceof MalformedJwtError) throw new InvalidTokenException(`Malformed token: ${e.message}`, { cause: e });
    throw e;
  }
  let payload: JwtPayload | undefined;
  let payloadError: string | undefined;
  try {
    payload = decodeJsonSegment(token, dots[0] + 1, dots[1], "payload");
  } catch (e) {
    if (!(e instanceof MalformedJwtError)) throw e;
    payloadError = e.message;
  }
  return new Prepared(token, dots, payload, payloadError);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

function checkCrit(ctx: FailureContext, header: JwtHeader): void {
  const crit = header.crit;
  if (!Array.isArray(crit) || crit.length === 0 || crit.some((p) => typeof p !== "string" || p.length === 0)) {
    fail(ctx, InvalidTokenException, 'Token "crit" header must be a non-empty array of non-empty strings');
  }
  for (const param of crit as string[]) {
    if (!RECOGNIZED_CRIT.has(param)) fail(ctx, InvalidTokenException, `Token "crit" header lists unsupported extension ${safeName(param)}`);
    if (!Object.hasOwn(header, param) || header[param] === undefined) fail(ctx, InvalidTokenException, `Token "crit" extension ${safeName(param)} is missing`);
  }
  if ((crit as string[]).includes("b64")) {
    if (typeof header.b64 !== "boolean") fail(ctx, InvalidTokenException, 'Token "b64" header must be a boolean');
    if (header.b64 === false) fail(ctx, InvalidTokenException, "JWTs must not use an unencoded payload");
  }
}

const NONCE = ["nonce"];
const IAT = ["iat"];
// Required of every token, whatever the call asks.
const BASE_CLAIMS = ["aud", "exp", "iss"];

/** Claims that must be present (a null value is absent, as in PyJWT). */
function checkPresent(ctx: FailureContext, claims: JwtPayload, names: readonly string[]): void {
  for (const claim of names) {
    if (!Object.hasOwn(claims, claim) || claims[claim] === null) fail(ctx, InvalidTokenException, `Token is missing the ${safeName(claim)} claim`);
  }
}

function checkNonce(ctx: FailureContext, claims: JwtPayload, nonce: string | undefined): void {
  if (nonce !== undefined && claims.nonce !== nonce) fail(ctx, InvalidTokenException, "Token nonce does not match the expected nonce", TokenEvent.TOKEN_INVALID_BAD_NONCE);
}

function acceptsAudience(expected: string | readonly string[], aud: string): boolean {
  return typeof expected === "string" ? aud === expected : expected.includes(aud);
}

/** The token's `aud` (a string or a list of strings) names at least one expected audience. */
function checkAudience(ctx: FailureContext, aud: unknown, expected: string | readonly string[]): void {
  if (typeof aud === "string") {
    if (!acceptsAudience(expected, aud)) fail(ctx, InvalidTokenException, "Token audience does not include the expected audience");
  } else if (Array.isArray(aud) && aud.every((a) => typeof a === "string")) {
    if (!aud.some((a) => acceptsAudience(expected, a))) fail(ctx, InvalidTokenException, "Token audience does not include the expected audience");
  } else {
    fail(ctx, InvalidTokenException, 'Token "aud" claim must be a string or a list of strings');
  }
}

function checkScopes(ctx: FailureContext, granted: readonly string[] | undefined, anyOf: string[]): void {
  if (granted === undefined) return fail(ctx, InvalidTokenException, "Token has no scope claim", TokenEvent.TOKEN_INVALID_BAD_SCOPE);
  if (!anyOf.some((s) => granted.includes(s))) {
    fail(ctx, ScopeNotGrantedTokenException, `Token grants none of the required scopes. Required (any of): ${anyOf.join(" ")}; granted: ${granted.join(" ")}`);
  }
}

function trustedAlgorithms(names: readonly string[]): Map<string, SignatureAlgorithm> {
  const trusted = new Map<string, SignatureAlgorithm>();
  for (const name of names) {
    const canonical = typeof name === "string" ? CANONICAL_ALGORITHM_NAMES.get(name.toLowerCase()) : undefined;
    if (!canonical) {
      throw new InvalidArgumentException(`Algorithm ${safeName(name)} cannot be trusted: supported are ${[...SIGNATURE_ALGORITHMS.keys()].join(", ")}`);
    }
    trusted.set(canonical, SIGNATURE_ALGORITHMS.get(canonical)!);
  }
  if (trusted.size === 0) throw new InvalidArgumentException("At least one trusted algorithm is required");
  return trusted;
}

/**
 * The verified-token cache's lookup for a caller inside the library that reads the token before
 * choosing a validator (the multi-issuer validator): claims when `token` is a hit, else undefined.
 */
export let cachedClaimsOf: (validator: TokenValidator, token: string, options: ValidateTokenOptions) => Record<string, unknown> | undefined;

/**
 * Validates JWTs of one issuer locally (the Python library's `planet_auth.TokenValidator`): signature against
 * the issuer's JWKS keys (cached), then the claims (issuer, audience, expiry, scopes, nonce). Every rejection
 * is an `InvalidTokenException` or a subclass, and no error message contains the token.
 */
export class TokenValidator {
  static {
    cachedClaimsOf = (validator, token, options) => (validator.#cacheSize > 0 ? validator.#cachedClaims(token, options) : undefined);
  }

  readonly #jwks: JwksKeyCache;
  /** Trusted algorithms by name; undefined: every supported algorithm the key declares. */
  readonly #trusted: ReadonlyMap<string, SignatureAlgorithm> | undefined;
  readonly #leeway: number;
  readonly #maxAge: number | undefined;
  readonly #profile: "rfc9068" | undefined;
  readonly #cacheSize: number;
  readonly #maxTokenLength: number;
  readonly #useVerifierThreads: boolean;
  readonly #clock: Clock;
  readonly #logger?: AuthLogger;
  readonly #verified = new Map<string, VerifiedEntry>();
  readonly #headers = new Map<string, JwtHeader>();
  #lastHeader: { readonly segment: string; readonly header: JwtHeader } | undefined;
  readonly #scratch: Buffer;
  #verifiedGeneration = -1;
  /** A signature was verified on this thread in this turn of the microtask queue. */
  #busy = false;
  /** Signatures being verified on the thread pool. */
  #inPool = 0;
  #signatureChecks = 0;
  #verifierThreadChecks = 0;

  /** A validator over an issuer's key cache (or the options to make one). */
  constructor(jwks: JwksKeyCache | JwksKeyCacheOptions, options: TokenValidatorOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#jwks = jwks instanceof JwksKeyCache ? jwks : new JwksKeyCache({ clock: this.#clock, logger: this.#logger, ...jwks });
    this.#trusted = options.trustedAlgorithms === "jwks" ? undefined : trustedAlgorithms(options.trustedAlgorithms ?? ["rs256"]);
    this.#leeway = options.leewaySeconds ?? 0;
    if (!Number.isFinite(this.#leeway) || this.#leeway < 0) throw new InvalidArgumentException("leewaySeconds must be a non-negative number");
    this.#maxAge = options.maxTokenAgeSeconds;
    if (this.#maxAge !== undefined && !(Number.isFinite(this.#maxAge) && this.#maxAge > 0)) {
      throw new InvalidArgumentException("maxTokenAgeSeconds must be a positive number");
    }
    if (options.profile !== undefined && options.profile !== "rfc9068") throw new InvalidArgumentException(`Unknown token profile ${safeName(options.profile)}: only "rfc9068"`);
    this.#profile = options.profile;
    this.#cacheSize = Math.max(0, Math.floor(options.verifiedTokenCacheSize ?? 0));
    this.#maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    this.#useVerifierThreads = options.verifierThreads ?? true;
    if (!(this.#maxTokenLength > 0)) throw new InvalidArgumentException("maxTokenLength must be positive");
    this.#scratch = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  }

  /** The JWKS key cache behind this validator. */
  get jwksKeyCache(): JwksKeyCache {
    return this.#jwks;
  }
  /** The canonical names of the trusted algorithms (every supported one when the keys decide). */
  get trustedAlgorithms(): string[] {
    return [...(this.#trusted ?? SIGNATURE_ALGORITHMS).keys()];
  }
  /** How many signatures this validator has verified with node:crypto (cache hits excluded). */
  get signatureChecks(): number {
    return this.#signatureChecks;
  }
  /** How many of those signatures were handed to the verifier threads (see `verifierThreads`). */
  get verifierThreadChecks(): number {
    return this.#verifierThreadChecks;
  }
  /** Entries in the verified-token cache. */
  get verifiedTokenCacheEntries(): number {
    return this.#verified.size;
  }

  /**
   * Decode a JWT without verifying anything. Malformed ⇒ `InvalidArgumentException`.
   * Never trust the result.
   */
  static hazmatUnverifiedDecode(token: string): DecodedJwt {
    return decodeJwtUnverified(token);
  }

  /**
   * Validate an access (or any) token. Returns the verified claims (frozen when the verified-token
   * cache is on: it hands the same object to every hit). A `PreparedToken` (from `prepareToken`) is validated
   * without decoding its payload again.
   */
  validateToken(token: string | PreparedToken, options: ValidateTokenOptions): Promise<Record<string, unknown>> {
    // A cache hit, or a validation alone, settles at once; otherwise the signature goes to the thread pool (see `#finish`).
    try {
      const result = this.#validate(token, options);
      return result instanceof Promise ? result.catch((e: unknown) => this.#report(e)) : Promise.resolve(result);
    } catch (e) {
      return Promise.reject(this.#report(e, false));
    }
  }

  /** Validate an OIDC ID token (audience = client ID, then the `azp` rules). */
  async validateIdToken(token: string, options: ValidateIdTokenOptions): Promise<Record<string, unknown>> {
    if (!options || typeof options.clientId !== "string" || options.clientId.length === 0) {
      throw new InvalidArgumentException("Client ID must be a non-empty string");
    }
    const claims = await this.validateToken(token, {
      issuer: options.issuer,
      audience: options.clientId,
      requiredClaims: options.requiredClaims,
      nonce: options.nonce,
    });
    if (Array.isArray(claims.aud) && (claims.azp === undefined || claims.azp === null)) {
      this.#report(new InvalidTokenException('ID token has several audiences but no "azp" claim', { jwtBody: claims }));
    }
    if (claims.azp !== undefined && claims.azp !== null && claims.azp !== options.clientId) {
      this.#report(new InvalidTokenException('ID token "azp" claim does not match the client ID', { jwtBody: claims }));
    }
    return claims;
  }

  /** Debug-log a token failure; rethrow it (or return it for `Promise.reject` when `rethrow` is false). */
  #report(e: unknown, rethrow?: true): never;
  #report(e: unknown, rethrow: false): unknown;
  #report(e: unknown, rethrow = true): unknown {
    if (e instanceof InvalidTokenException && this.#logger?.isEnabled("debug")) this.#logger.debug(undefined, { exception: e });
    if (rethrow) throw e;
    return e;
  }

  #header(token: string, end: number): JwtHeader {
    // An issuer's tokens mostly share one header: comparing it costs less than hashing a new slice.
    const last = this.#lastHeader;
    if (last !== undefined && end === last.segment.length && token.startsWith(last.segment)) return last.header;
    const segment = token.slice(0, end);
    let header = this.#headers.get(segment);
    if (!header) {
      header = deepFreeze(decodeJsonSegment(token, 0, end, "header"));
      if (this.#headers.size >= HEADER_CACHE_SIZE) this.#headers.delete(this.#headers.keys().next().value!);
      this.#headers.set(segment, header);
    }
    this.#lastHeader = { segment, header };
    return header;
  }

  #validate(given: string | PreparedToken, options: ValidateTokenOptions): Record<string, unknown> | Promise<Record<string, unknown>> {
    // 1. Arguments.
    if (!options || typeof options.issuer !== "string" || options.issuer.length === 0) throw new InvalidArgumentException("Issuer must be a non-empty string");
    const audience = options.audience;
    if (typeof audience === "string" ? audience.length === 0 : !(Array.isArray(audience) && audience.length > 0 && audience.every((a) => typeof a === "string" && a.length > 0))) {
      throw new InvalidArgumentException("Audience must be a non-empty string or a non-empty list of them");
    }
    // A token verified before and still within its validity: only the arguments of this call are checked.
    if (this.#cacheSize > 0) {
      const cached = this.#cachedClaims(typeof given === "string" ? given : (given as PreparedToken)?.token, options);
      if (cached) return cached;
    }
    // 2. Length cap, structure, payload (kept for the exceptions' jwtBody; its errors surface after the signature check).
    const prep = Prepared.madeHere(given) ? given : prepareToken(given as string, this.#maxTokenLength);
    const { token, dots } = prep;
    if (token.length > this.#maxTokenLength) throw new InvalidTokenException(`Token is longer than the maximum of ${this.#maxTokenLength} characters`);
    const ctx: FailureContext = { header: undefined, payload: prep.payload };
    try {
      ctx.header = this.#header(token, dots[0]);
    } catch (e) {
      if (e instanceof MalformedJwtError) throw new InvalidTokenException(`Malformed token: ${e.message}`, { cause: e });
      throw e;
    }
    const header = ctx.header;
    const payloadError = prep.payloadError;
    if (this.#profile === "rfc9068" && !(typeof header.typ === "string" && RFC9068_TYPES.has(header.typ.toLowerCase()))) {
      fail(ctx, InvalidTokenException, 'Token header "typ" is not "at+jwt" (RFC 9068)');
    }

    // 3. Algorithm: trusted (case-insensitively) and spelled canonically; never "none" or HS*.
    const headerAlg = header.alg;
    if (typeof headerAlg !== "string" || headerAlg.length === 0) fail(ctx, InvalidAlgorithmTokenException, 'Token header has no "alg"');
    const alg = (this.#trusted ?? SIGNATURE_ALGORITHMS).get(headerAlg as string);
    if (!alg) {
      const lower = (headerAlg as string).toLowerCase();
      const trustedLower = [...(this.#trusted ?? SIGNATURE_ALGORITHMS).keys()].some((n) => n.toLowerCase() === lower);
      fail(
        ctx,
        InvalidAlgorithmTokenException,
        trustedLower ? `Token algorithm ${safeName(headerAlg)} is not spelled as the JWS algorithm name` : `Token algorithm ${safeName(headerAlg)} is not trusted`,
      );
    }
    // JOSE header rules (as jose): "crit" lists only understood, present extensions; no unencoded payload.
    if (header.crit !== undefined) checkCrit(ctx, header);

    // 4. Signing key by kid (jku/x5u/jwk/x5c headers are never consulted).
    const kid = header.kid;
    if (typeof kid !== "string" || kid.length === 0) fail(ctx, UnknownSigningKeyTokenException, 'Token header has no key ID ("kid")');
    const entry = this.#jwks.peekKey(kid as string, alg!);
    if (entry) return this.#finish(token, dots, ctx, payloadError, alg!, entry, options);
    return this.#jwks.getKey(kid as string, alg!).then((found) => {
      if (!found) fail(ctx, UnknownSigningKeyTokenException, `Could not find signing key for key ID ${safeName(kid)}`);
      return this.#finish(token, dots, ctx, payloadError, alg!, found!, options);
    });
  }

  /**
   * Step 5, the signature, then the rest. This thread verifies the first signature of a turn of the
   * microtask queue here and now (no hand-off, no promise to wait for): the serial case. The others go
   * to the verifier threads while they have room, else are verified here too, so many concurrent
   * validations use every core. Without verifier threads, they go to libuv's thread pool, and this
   * thread takes the first of a turn only while the pool holds fewer than it has threads.
   */
  #finish(
    token: string,
    dots: [number, number],
    ctx: FailureContext,
    payloadError: string | undefined,
    alg: SignatureAlgorithm,
    entry: JwksKeyEntry,
    options: ValidateTokenOptions,
  ): Record<string, unknown> | Promise<Record<string, unknown>> {
    const dot2 = dots[1];
    const threads = this.#useVerifierThreads && verifierThreads.available;
    const here = !this.#busy && (threads || this.#inPool < POOL_THREADS);
    // Into the scratch buffer, used up before this returns (verified here, or copied to a verifier
    // thread), unless the signature is too long for it; the thread pool needs a buffer of its own.
    const scratch = (here || threads) && Math.ceil(((token.length - dot2 - 1) * 3) / 4) <= SCRATCH_BYTES ? this.#scratch : undefined;
    const signature = decodeSegment(token, dot2 + 1, token.length, scratch);
    if (signature === undefined) fail(ctx, InvalidTokenException, "Malformed token: JWT signature is not canonical unpadded base64url");
    this.#signatureChecks++;
    // The signing input as a string: its UTF-8 bytes (see SignatureAlgorithm.verify).
    const input = token.slice(0, dot2);
    if (!here) {
      if (threads) {
        let settle!: VerifiedCallback;
        if (verifierThreads.verify(alg, entry.key, input, signature!, (error, valid) => settle(error, valid))) {
          this.#verifierThreadChecks++;
          return new Promise<Record<string, unknown>>((resolve, reject) => {
            settle = (error, valid) => this.#settle(error, valid, resolve, reject, token, ctx, payloadError, alg, options);
          });
        }
      } else {
        return new Promise<Record<string, unknown>>((resolve, reject) => {
          this.#inPool++;
          try {
            alg.verifyInPool(input, entry.key, signature!, (error, valid) => {
              this.#inPool--;
              this.#settle(error, valid, resolve, reject, token, ctx, payloadError, alg, options);
            });
          } catch (e) {
            this.#inPool--;
            reject(e);
          }
        });
      }
    }
    if (!this.#busy) {
      this.#busy = true;
      queueMicrotask(this.#endTurn);
    }
    return this.#afterSignature(alg.verify(input, entry.key, signature!), token, ctx, payloadError, alg, options);
  }

  /** A verdict from another thread: the rest of the validation, into the caller's promise. */
  #settle(
    error: Error | null,
    valid: boolean,
    resolve: (claims: Record<string, unknown>) => void,
    reject: (e: unknown) => void,
    token: string,
    ctx: FailureContext,
    payloadError: string | undefined,
    alg: SignatureAlgorithm,
    options: ValidateTokenOptions,
  ): void {
    if (error) return reject(error);
    try {
      resolve(this.#afterSignature(valid, token, ctx, payloadError, alg, options));
    } catch (e) {
      reject(e);
    }
  }

  readonly #endTurn = (): void => {
    this.#busy = false;
  };

  /** Steps 6–8: claims, nonce, scopes; a token that passes is remembered (when the cache is on). */
  #afterSignature(
    valid: boolean,
    token: string,
    ctx: FailureContext,
    payloadError: string | undefined,
    alg: SignatureAlgorithm,
    options: ValidateTokenOptions,
  ): Record<string, unknown> {
    if (!valid) fail(ctx, InvalidTokenException, "Token signature verification failed");
    if (ctx.payload === undefined) fail(ctx, InvalidTokenException, `Malformed token: ${payloadError}`);
    const now = Math.floor(this.#clock.now() / 1000);
    const claims = ctx.payload!;
    this.#checkClaims(claims, options, now, ctx);

    // 6. Nonce.
    checkNonce(ctx, claims, options.nonce);

    // 7. Scopes, last.
    if (options.scopesAnyof !== undefined && options.scopesAnyof.length > 0) checkScopes(ctx, grantedScopes(claims), options.scopesAnyof);
    // Remembered claims are shared by every hit: frozen, nested values too, and their scope list.
    if (this.#cacheSize > 0) this.#rememberVerified(token, ctx.header!, alg, deepFreeze(claims), freezeGrantedScopes(claims), now);
    return claims;
  }

  /**
   * The claims of a token this validator verified and remembered, checked against this call's
   * arguments (issuer, audience, required claims, nonce, scopes): a Map lookup, the clock, and the
   * key set (unchanged, and its key still served without a refetch). Undefined: not remembered or no
   * longer within its validity, so the caller validates it in full. Throws what the full path would
   * for this call's arguments.
   */
  #cachedClaims(token: unknown, options: ValidateTokenOptions): Record<string, unknown> | undefined {
    if (typeof token !== "string" || token.length > this.#maxTokenLength) return undefined;
    const key = cacheKey(token);
    const hit = this.#verified.get(key);
    if (hit === undefined || hit.token !== token) return undefined;
    const now = Math.floor(this.#clock.now() / 1000);
    if (this.#jwks.generation !== this.#verifiedGeneration || now >= hit.validUntil || this.#jwks.peekKey(hit.kid, hit.alg) === undefined) {
      this.#verified.delete(key);
      return undefined;
    }
    hit.used = true;
    const claims = hit.claims;
    const ctx = hit.context;
    // Not yet valid (the clock went back): the claims checks say why, as for a token never seen.
    if (now < hit.validFrom) this.#checkClaims(claims, options, now, ctx);
    if (options.requiredClaims !== undefined) checkPresent(ctx, claims, options.requiredClaims);
    if (options.nonce !== undefined) checkPresent(ctx, claims, NONCE);
    if (claims.iss !== options.issuer) fail(ctx, InvalidTokenException, "Token issuer does not match the expected issuer");
    checkAudience(ctx, claims.aud, options.audience);
    checkNonce(ctx, claims, options.nonce);
    if (options.scopesAnyof && options.scopesAnyof.length > 0) checkScopes(ctx, hit.scopes, options.scopesAnyof);
    return claims;
  }

  /**
   * Remember a token that passed every check, with its frozen claims. Its validity: from `iat`/`nbf`
   * (less the leeway) to `exp` (never past it, leeway or not) or the end of the maximum token age.
   */
  #rememberVerified(token: string, header: JwtHeader, alg: SignatureAlgorithm, claims: JwtPayload, scopes: readonly string[] | undefined, now: number): void {
    const { exp, iat, nbf } = claims as { exp: number; iat?: number; nbf?: number };
    if (exp <= now) return;
    const validFrom = Math.max(iat ?? -Infinity, nbf ?? -Infinity) - this.#leeway;
    const validUntil = this.#maxAge === undefined || iat === undefined ? exp : Math.min(exp, iat + this.#maxAge + this.#leeway);
    if (this.#verifiedGeneration !== this.#jwks.generation) {
      this.#verified.clear();
      this.#verifiedGeneration = this.#jwks.generation;
    }
    const key = cacheKey(token);
    const verified = this.#verified;
    verified.delete(key);
    // Full: evict the oldest entry not hit since it was last passed over; a hit one moves to the end, unmarked.
    for (const [oldKey, old] of verified) {
      if (verified.size < this.#cacheSize) break;
      verified.delete(oldKey);
      if (old.used) {
        old.used = false;
        verified.set(oldKey, old);
      }
    }
    const context: FailureContext = { header, payload: claims };
    verified.set(key, { token, claims, context, kid: header.kid as string, alg, validFrom, validUntil, scopes, used: false });
  }

  #checkClaims(claims: JwtPayload, options: ValidateTokenOptions, now: number, ctx: FailureContext): void {
    // Presence (a null value is absent, as in PyJWT).
    checkPresent(ctx, claims, this.#profile === "rfc9068" ? RFC9068_CLAIMS : BASE_CLAIMS);
    if (this.#maxAge !== undefined) checkPresent(ctx, claims, IAT);
    if (options.requiredClaims) checkPresent(ctx, claims, options.requiredClaims);
    if (options.nonce !== undefined) checkPresent(ctx, claims, NONCE);
    const leeway = this.#leeway;
    const { iat, nbf, exp } = claims;
    if (iat !== undefined) {
      if (!isNumericDate(iat)) fail(ctx, InvalidTokenException, 'Token "iat" claim must be a number');
      if ((iat as number) > now + leeway) fail(ctx, InvalidTokenException, 'Token is not yet valid ("iat" is in the future)');
      if (this.#maxAge !== undefined && (iat as number) < now - this.#maxAge - leeway) fail(ctx, ExpiredTokenException, "Token is older than the maximum token age");
    }
    if (nbf !== undefined) {
      if (!isNumericDate(nbf)) fail(ctx, InvalidTokenException, 'Token "nbf" claim must be a number');
      if ((nbf as number) > now + leeway) fail(ctx, InvalidTokenException, 'Token is not yet valid ("nbf")');
    }
    if (!isNumericDate(exp)) fail(ctx, InvalidTokenException, 'Token "exp" claim must be a number');
    if ((exp as number) <= now - leeway) fail(ctx, ExpiredTokenException, "Token has expired");
    if (claims.iss !== options.issuer) fail(ctx, InvalidTokenException, "Token issuer does not match the expected issuer");
    checkAudience(ctx, claims.aud, options.audience);
    if (claims.sub !== undefined && typeof claims.sub !== "string") fail(ctx, InvalidTokenException, 'Token "sub" claim must be a string');
    if (claims.jti !== undefined && typeof claims.jti !== "string") fail(ctx, InvalidTokenException, 'Token "jti" claim must be a string');
    if (this.#profile === "rfc9068" && typeof claims.client_id !== "string") fail(ctx, InvalidTokenException, 'Token "client_id" claim must be a string');
  }
}
