/**
 * DPoP proof verification (RFC 9449 section 4.3), pure: no I/O, no framework. A resource server (or any
 * host) hands it the `DPoP` header, the request's method and URL and, for a protected resource, the
 * access token; it gets back the proof key's RFC 7638 thumbprint, to compare with the token's
 * `cnf.jkt`, and the proof's `jti`, to remember for the proof's window in a replay store.
 *
 * Signatures are checked with node:crypto against the public JWK embedded in the proof header, with
 * the same algorithm table the token validator uses; symmetric algorithms and `none` are never
 * accepted. No message ever quotes the proof or the token.
 */
import type { KeyObject } from "node:crypto";
import { AuthException, type Clock, type ErrorCode, systemClock } from "../../../kernel/index.js";
import { InvalidArgumentException } from "../token-errors.js";
import { CANONICAL_ALGORITHM_NAMES, SIGNATURE_ALGORITHMS, algorithmsForKey } from "./algorithms.js";
import { MalformedJwtError, parseCompactJwt } from "./jwt-decode.js";

declare module "../../../kernel/index.js" {
  interface ErrorCodes {
    ERR_INVALID_DPOP_PROOF: InvalidDpopProofException;
    ERR_USE_DPOP_NONCE: UseDpopNonceException;
  }
}

let crypto: typeof import("node:crypto") | undefined;
const nodeCrypto = () => (crypto ??= process.getBuiltinModule("node:crypto"));

/** The proof is missing a part, malformed, signed wrongly, or does not match the request or the token (`invalid_dpop_proof`). */
export class InvalidDpopProofException extends AuthException {
  static override readonly code: ErrorCode = "ERR_INVALID_DPOP_PROOF";
}

/** The proof lacks the server's current nonce (`use_dpop_nonce`); the client retries with the nonce it is given. */
export class UseDpopNonceException extends AuthException {
  static override readonly code: ErrorCode = "ERR_USE_DPOP_NONCE";
}

/** The asymmetric algorithms a DPoP proof may use by default (RFC 9449 section 4.2: no MAC, no `none`). */
export const DEFAULT_DPOP_ALGORITHMS: readonly string[] = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA"];
/** How old a proof's `iat` may be, seconds, by default. */
export const DEFAULT_DPOP_MAX_AGE_SECONDS = 60;
/** Clock skew tolerated for a proof's `iat`, seconds, by default. */
export const DEFAULT_DPOP_LEEWAY_SECONDS = 5;
/** Longest proof accepted, characters (an RSA-4096 key plus claims is well under it). */
export const MAX_DPOP_PROOF_LENGTH = 8 * 1024;

/**
 * Options of `DpopProofVerifier`: accepted algorithms, the maximum proof age and clock leeway, and the clock.
 */
export interface DpopProofVerifierOptions {
  /** Accepted proof algorithms, case-insensitive (default `DEFAULT_DPOP_ALGORITHMS`). */
  algorithms?: readonly string[];
  /** Oldest `iat` accepted, seconds before now (default 60). */
  maxAgeSeconds?: number;
  /** Clock skew tolerated either side of the window, seconds (default 5). */
  leewaySeconds?: number;
  clock?: Clock;
}

/** What a proof must match: the request and, at a protected resource, the access token it came with. */
export interface DpopRequest {
  /** The request's HTTP method. */
  method: string;
  /** The URL the client called (scheme, host, port, path; query and fragment are ignored). */
  url: string;
  /** The access token presented with the proof: its hash must be the proof's `ath`. */
  accessToken?: string;
  /** The nonce the proof must carry (`use_dpop_nonce` otherwise); undefined = no nonce required. */
  nonce?: (nonce: string | undefined) => boolean;
}

/** A verified proof. */
export interface VerifiedDpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof key (base64url): a bound token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  /** Issued-at, epoch seconds. */
  readonly iat: number;
  readonly alg: string;
  /** Seconds from now after which the proof is refused by age: how long its `jti` must be remembered. */
  readonly replayWindowSeconds: number;
}

/** Members of each key type's RFC 7638 thumbprint input, in lexicographic order. */
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ["crv", "kty", "x", "y"],
  OKP: ["crv", "kty", "x"],
  RSA: ["e", "kty", "n"],
};
/** Private members a public JWK must not carry. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];

/** RFC 7638 SHA-256 JWK thumbprint, base64url. Throws InvalidArgumentException for a key type without one here. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = THUMBPRINT_MEMBERS[String(jwk.kty)];
  if (!members) throw new InvalidArgumentException(`No thumbprint for JWK key type ${JSON.stringify(String(jwk.kty).slice(0, 16))}`);
  const parts: string[] = [];
  for (const m of members) {
    if (typeof jwk[m] !== "string") throw new InvalidArgumentException(`JWK member "${m}" must be a string`);
    parts.push(`${JSON.stringify(m)}:${JSON.stringify(jwk[m])}`);
  }
  return nodeCrypto().createHash("sha256").update(`{${parts.join(",")}}`).digest("base64url");
}

/** `ath`: base64url(SHA-256(ASCII access token)) (RFC 9449 section 4.2). */
export function accessTokenHash(accessToken: string): string {
  return nodeCrypto().createHash("sha256").update(accessToken, "ascii").digest("base64url");
}

/**
 * A URL as `htu` compares it (RFC 9449 section 4.3 step 9): scheme and host lower-cased, the scheme's
 * default port dropped, dot segments resolved (WHATWG URL parsing does all of it), query and
 * fragment removed. Null when it is not an absolute http(s) URL.
 */
export function normalizeHtu(url: string): string | null {
  const parsed = URL.parse(url);
  if (!parsed || (parsed.protocol !== "https:" && parsed.protocol !== "http:")) return null;
  parsed.search = "";
  parsed.hash = "";
  return parsed.href;
}

const invalid = (message: string): never => {
  throw new InvalidDpopProofException(message);
};

function nonNegative(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new InvalidArgumentException(`${name} must be a non-negative number of seconds`);
  return v;
}

/** A proof key imported once: clients sign many proofs with one key, and importing a JWK costs more than a verification. */
interface ImportedKey {
  key: KeyObject;
  jkt: string;
}

/** Proof keys remembered (most recently used kept). */
const KEY_CACHE_SIZE = 1024;

/** Verifies DPoP proofs; one per configuration, safe to share between requests. */
export class DpopProofVerifier {
  readonly algorithms: readonly string[];
  readonly maxAgeSeconds: number;
  readonly leewaySeconds: number;
  readonly #clock: Clock;
  readonly #keys = new Map<string, ImportedKey>();

  /** A verifier with the given algorithms, proof age, leeway and clock. */
  constructor(options: DpopProofVerifierOptions = {}) {
    const algorithms = (options.algorithms ?? DEFAULT_DPOP_ALGORITHMS).map((a) => {
      const name = typeof a === "string" ? CANONICAL_ALGORITHM_NAMES.get(a.toLowerCase()) : undefined;
      if (!name) throw new InvalidArgumentException(`DPoP algorithm ${JSON.stringify(a)} is not an asymmetric JWS algorithm this library verifies`);
      return name;
    });
    if (algorithms.length === 0) throw new InvalidArgumentException("DPoP needs at least one algorithm");
    this.algorithms = [...new Set(algorithms)];
    this.maxAgeSeconds = nonNegative(options.maxAgeSeconds, DEFAULT_DPOP_MAX_AGE_SECONDS, "DPoP maxAgeSeconds");
    this.leewaySeconds = nonNegative(options.leewaySeconds, DEFAULT_DPOP_LEEWAY_SECONDS, "DPoP leewaySeconds");
    this.#clock = options.clock ?? systemClock;
  }

  /** Check every rule of RFC 9449 section 4.3 except replay (the caller remembers `jti`) and the token binding (`jkt` vs `cnf.jkt`). */
  verify(proof: string, request: DpopRequest): VerifiedDpopProof {
    if (typeof proof !== "string" || proof.length === 0) invalid("DPoP proof is empty");
    if (proof.length > MAX_DPOP_PROOF_LENGTH) invalid("DPoP proof is too long");
    let parsed: ReturnType<typeof parseCompactJwt>;
    try {
      parsed = parseCompactJwt(proof);
    } catch (err) {
      if (err instanceof MalformedJwtError) throw new InvalidDpopProofException(`DPoP proof is not a JWT: ${err.message}`);
      throw err;
    }
    const { header, signingInput, signature } = parsed;
    const payload = parsed.payload!;
    if (header.typ !== "dpop+jwt") invalid('DPoP proof "typ" must be "dpop+jwt"');
    if (typeof header.alg !== "string" || !this.algorithms.includes(header.alg)) {
      invalid(`DPoP proof algorithm ${JSON.stringify(String(header.alg).slice(0, 16))} is not accepted`);
    }
    if (header.crit !== undefined) invalid('DPoP proof "crit" header is not supported');
    const jwk = header.jwk;
    if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) invalid('DPoP proof "jwk" header must be a public JWK');
    const publicJwk = jwk as Record<string, unknown>;
    if (PRIVATE_MEMBERS.some((m) => m in publicJwk)) invalid('DPoP proof "jwk" header must not contain a private key');
    const alg = SIGNATURE_ALGORITHMS.get(header.alg as string)!;
    if (!algorithmsForKey(String(publicJwk.kty), typeof publicJwk.crv === "string" ? publicJwk.crv : undefined).includes(alg)) {
      invalid(`DPoP proof key does not suit algorithm ${alg.name}`);
    }
    const { key, jkt } = this.#importKey(publicJwk);
    if (alg.minRsaBits && (key.asymmetricKeyDetails?.modulusLength ?? 0) < alg.minRsaBits) invalid(`DPoP proof RSA key is shorter than ${alg.minRsaBits} bits`);
    if (!alg.verify(signingInput, key, signature)) invalid("DPoP proof signature is invalid");

    if (typeof payload.jti !== "string" || payload.jti.length === 0 || payload.jti.length > 256) invalid('DPoP proof "jti" must be a non-empty string');
    if (payload.htm !== request.method.toUpperCase()) invalid('DPoP proof "htm" does not match the request method');
    const htu = typeof payload.htu === "string" ? normalizeHtu(payload.htu) : null;
    if (htu === null || htu !== normalizeHtu(request.url)) invalid('DPoP proof "htu" does not match the request URL');
    if (typeof payload.iat !== "number" || !Number.isFinite(payload.iat)) invalid('DPoP proof "iat" must be a number');
    const iat = payload.iat as number;
    const now = this.#clock.now() / 1000;
    if (iat > now + this.leewaySeconds) invalid("DPoP proof is issued in the future");
    if (iat < now - this.maxAgeSeconds - this.leewaySeconds) invalid("DPoP proof is too old");
    if (request.accessToken !== undefined && payload.ath !== accessTokenHash(request.accessToken)) invalid('DPoP proof "ath" does not match the access token');
    if (payload.nonce !== undefined && typeof payload.nonce !== "string") invalid('DPoP proof "nonce" must be a string');
    if (request.nonce && !request.nonce(payload.nonce as string | undefined)) {
      throw new UseDpopNonceException(payload.nonce === undefined ? "DPoP proof needs the server's nonce" : "DPoP proof nonce is not current");
    }
    return {
      jkt,
      jti: payload.jti as string,
      iat,
      alg: alg.name,
      replayWindowSeconds: Math.max(1, Math.ceil(iat + this.maxAgeSeconds + this.leewaySeconds - now)),
    };
  }

  /** The public key of a proof header, imported once per distinct key (by its RFC 7638 members, which are all a key is). */
  #importKey(jwk: Record<string, unknown>): ImportedKey {
    let id: string;
    try {
      id = jwkThumbprint(jwk);
    } catch {
      return invalid('DPoP proof "jwk" header is not a usable public key');
    }
    const cached = this.#keys.get(id);
    if (cached) {
      this.#keys.delete(id);
      this.#keys.set(id, cached);
      return cached;
    }
    const members = Object.fromEntries(THUMBPRINT_MEMBERS[String(jwk.kty)]!.map((m) => [m, jwk[m]]));
    let key: KeyObject;
    try {
      key = nodeCrypto().createPublicKey({ key: members as import("node:crypto").JsonWebKey, format: "jwk" });
    } catch {
      return invalid('DPoP proof "jwk" header is not a usable public key');
    }
    const imported = { key, jkt: id };
    if (this.#keys.size >= KEY_CACHE_SIZE) this.#keys.delete(this.#keys.keys().next().value!);
    this.#keys.set(id, imported);
    return imported;
  }
}
