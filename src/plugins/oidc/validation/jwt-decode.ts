/**
 * Unverified JWT (JWS compact serialization) decoding. Strict and cheap: the token must be three
 * canonical, unpadded base64url segments; header and payload must be UTF-8 JSON objects.
 *
 * Nothing returned from here is trusted. The validator verifies the signature over the exact
 * segments parsed here; everything else (credential `_iat`/`_exp` bookkeeping, the CLI's decode
 * commands) must treat the result as attacker-controlled data.
 */
import { InvalidArgumentException } from "../token-errors.js";

/** A JWT's JOSE header. */
export type JwtHeader = Record<string, unknown>;
/** A JWT's claims. */
export type JwtPayload = Record<string, unknown>;

/** A JWT's header and payload, decoded without verification. */
export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signature: Buffer;
}

/** The parts of a compact JWS the validator needs, decoded but not verified. */
export interface ParsedJwt {
  header: JwtHeader;
  /** The payload object, or undefined when it is not a JSON object (only possible with `lenientPayload`). */
  payload: JwtPayload | undefined;
  /** Why the payload could not be decoded, when `payload` is undefined. */
  payloadError?: string;
  /** ASCII bytes of `<header>.<payload>`: the JWS signing input. */
  signingInput: Buffer;
  signature: Buffer;
}

/** Why a token is structurally malformed; never contains any part of the token. */
export class MalformedJwtError extends Error {
  override readonly name = "MalformedJwtError";
}

// Three base64url segments; only the signature may be empty (and then never verifies).
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const STRICT_UTF8 = new TextDecoder("utf-8", { fatal: true });

// Base64url alphabet index of a character code (only called on validated characters).
function b64uIndex(code: number): number {
  if (code >= 65 && code <= 90) return code - 65; // A-Z
  if (code >= 97 && code <= 122) return code - 71; // a-z
  if (code >= 48 && code <= 57) return code + 4; // 0-9
  return code === 45 ? 62 : 63; // '-' : '_'
}

/**
 * Canonical unpadded base64url: a length that is not 1 (mod 4), and zero unused trailing bits (so
 * each byte string has exactly one encoding and a token cannot be altered without changing its bytes).
 */
function isCanonicalSegment(token: string, start: number, end: number): boolean {
  const rem = (end - start) % 4;
  if (rem === 0) return true;
  if (rem === 1) return false;
  const last = b64uIndex(token.charCodeAt(end - 1));
  return rem === 2 ? (last & 0x0f) === 0 : (last & 0x03) === 0;
}

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeJsonObject(token: string, start: number, end: number, what: string): Record<string, unknown> {
  const bytes = Buffer.from(token.slice(start, end), "base64url");
  let value: unknown;
  try {
    value = JSON.parse(STRICT_UTF8.decode(bytes));
  } catch {
    throw new MalformedJwtError(`JWT ${what} is not valid UTF-8 JSON`);
  }
  if (!isJsonObject(value)) throw new MalformedJwtError(`JWT ${what} is not a JSON object`);
  return value;
}

/**
 * Check the compact-serialization structure (three segments, canonical unpadded base64url) and
 * return the positions of the two dots. Throws `MalformedJwtError`.
 */
export function splitCompactJwt(token: string): [dot1: number, dot2: number] {
  if (!COMPACT_JWS.test(token)) throw new MalformedJwtError("JWT is not three base64url segments");
  const dot1 = token.indexOf(".");
  const dot2 = token.indexOf(".", dot1 + 1);
  if (!isCanonicalSegment(token, 0, dot1) || !isCanonicalSegment(token, dot1 + 1, dot2) || !isCanonicalSegment(token, dot2 + 1, token.length)) {
    throw new MalformedJwtError("JWT segment is not canonical unpadded base64url");
  }
  return [dot1, dot2];
}

/** Decode `token[start:end]` (already checked base64url) as a UTF-8 JSON object. Throws `MalformedJwtError`. */
export function decodeJsonSegment(token: string, start: number, end: number, what: "header" | "payload"): Record<string, unknown> {
  return decodeJsonObject(token, start, end, what);
}

/**
 * Parse a compact JWS without verifying anything. Throws `MalformedJwtError` for structural
 * problems (not three segments, non-canonical base64url, header not a JSON object). A payload that is
 * not a JSON object throws too unless `lenientPayload` is set (then `payload` is undefined and
 * `payloadError` says why).
 */
export function parseCompactJwt(token: string, lenientPayload = false): ParsedJwt {
  const [dot1, dot2] = splitCompactJwt(token);
  const header = decodeJsonObject(token, 0, dot1, "header");
  let payload: JwtPayload | undefined;
  let payloadError: string | undefined;
  try {
    payload = decodeJsonObject(token, dot1 + 1, dot2, "payload");
  } catch (e) {
    if (!lenientPayload) throw e;
    payloadError = (e as Error).message;
  }
  return {
    header,
    payload,
    payloadError,
    signingInput: Buffer.from(token.slice(0, dot2), "latin1"),
    signature: Buffer.from(token.slice(dot2 + 1), "base64url"),
  };
}

/**
 * Decode a JWT's header, payload and signature bytes **without any verification** (the Python
 * library's `TokenValidator.hazmat_unverified_decode`). Malformed ⇒ `InvalidArgumentException`.
 */
export function decodeJwtUnverified(token: string): DecodedJwt {
  if (typeof token !== "string" || token.length === 0) throw new InvalidArgumentException("JWT must be a non-empty string");
  try {
    const { header, payload, signature } = parseCompactJwt(token);
    return { header, payload: payload!, signature };
  } catch (e) {
    if (e instanceof MalformedJwtError) throw new InvalidArgumentException(e.message, { cause: e });
    throw e;
  }
}

/**
 * Decode only the payload **without any verification**: the cheapest way to read `iat`/`exp` for
 * credential bookkeeping. Malformed ⇒ `InvalidArgumentException`.
 */
export function decodeJwtPayloadUnverified(token: string): JwtPayload {
  if (typeof token !== "string" || token.length === 0) throw new InvalidArgumentException("JWT must be a non-empty string");
  if (!COMPACT_JWS.test(token)) throw new InvalidArgumentException("JWT is not three base64url segments");
  const dot1 = token.indexOf(".");
  const dot2 = token.indexOf(".", dot1 + 1);
  if (!isCanonicalSegment(token, dot1 + 1, dot2)) throw new InvalidArgumentException("JWT segment is not canonical unpadded base64url");
  try {
    return decodeJsonObject(token, dot1 + 1, dot2, "payload");
  } catch (e) {
    throw new InvalidArgumentException((e as Error).message, { cause: e });
  }
}
