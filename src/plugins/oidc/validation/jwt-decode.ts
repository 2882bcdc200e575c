/**
 * Unverified JWT (JWS compact serialization) decoding. Strict and cheap: the token must be three
 * canonical, unpadded base64url segments; header and payload must be UTF-8 JSON objects.
 *
 * Nothing returned from here is trusted. The validator verifies the signature over the exact
 * segments parsed here; everything else (credential `_iat`/`_exp` bookkeeping, the CLI's decode
 * commands) must treat the result as attacker-controlled data.
 */
import { isUtf8 } from "node:buffer";
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
  /** The ASCII bytes of `<header>.<payload>` (`splitCompactJwt` refuses anything else): the JWS signing input. */
  signingInput: Buffer;
  signature: Buffer;
}

/** Why a token is structurally malformed; never contains any part of the token. */
export class MalformedJwtError extends Error {
  override readonly name = "MalformedJwtError";
}

/**
 * The bytes of `token[start:end]`, a segment of a token `splitCompactJwt` accepted, when it is
 * canonical unpadded base64url (RFC 7515 section 2): the one encoding of its bytes, so a token cannot
 * be altered without changing them. Undefined otherwise. `splitCompactJwt` refused "+", "/" (which
 * Node's decoder takes for 62 and 63) and anything beyond ASCII; Node's decoder skips or stops at every
 * other character outside the alphabet, so every character decoding (the length) with the unused bits
 * of the last one zero is the canonical spelling. `scratch` (with room for the bytes) receives them
 * instead of a new buffer; the result is then a view of it, good until the next call with `scratch`.
 */
export function decodeSegment(token: string, start: number, end: number, scratch?: Buffer): Buffer | undefined {
  if (scratch) {
    const written = decodeInto(scratch, token, start, end);
    return written < 0 ? undefined : viewOf(scratch, written);
  }
  const bytes = Buffer.from(token.slice(start, end), "base64url");
  return isCanonical(token, start, end, bytes.length) ? bytes : undefined;
}

/** Decode `token[start:end]` into `into` (with room for it): the length written, or -1 when the segment is not canonical (see decodeSegment). */
function decodeInto(into: Buffer, token: string, start: number, end: number): number {
  const written = into.write(token.slice(start, end), 0, "base64url");
  return isCanonical(token, start, end, written) ? written : -1;
}

/** A segment that decoded to `decoded` bytes is canonical (see decodeSegment). */
function isCanonical(token: string, start: number, end: number, decoded: number): boolean {
  const length = end - start;
  const tail = length & 3;
  // Every character decoded, and the last one of a 2- or 3-character group has its 4 or 2 unused bits zero.
  return tail !== 1 && decoded === (length * 3) >> 2 && (tail === 0 || (BASE64URL_VALUES[token.charCodeAt(end - 1)] & (tail === 2 ? 0x0f : 0x03)) === 0);
}

/**
 * The first `length` bytes of `scratch`, as the same view as last time when it was the same buffer and
 * length: a validator's signatures all have its key's length, and a new view costs an object each time.
 */
function viewOf(scratch: Buffer, length: number): Buffer {
  if (lastView?.scratch !== scratch || lastView.view.length !== length) lastView = { scratch, view: scratch.subarray(0, length) };
  return lastView.view;
}
let lastView: { readonly scratch: Buffer; readonly view: Buffer } | undefined;

// Headers and payloads up to this size are decoded into one buffer of the module.
const TEXT_SCRATCH_BYTES = 4096;
let textScratch: Buffer | undefined;

// Each ASCII character's base64url value (the padding and other characters: 0xff, which has unused bits set).
const BASE64URL_VALUES: Uint8Array = (() => {
  const values = new Uint8Array(128).fill(0xff);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (let i = 0; i < 64; i++) values[alphabet.charCodeAt(i)] = i;
  return values;
})();

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function decodeJsonObject(token: string, start: number, end: number, what: string): Record<string, unknown> {
  // Into the module's text buffer when it has room (read at once, so nothing else can use it
  // meanwhile), else a buffer of the segment's size: a canonical segment decodes to exactly that.
  const size = ((end - start) * 3) >> 2;
  const into = size <= TEXT_SCRATCH_BYTES ? (textScratch ??= Buffer.allocUnsafeSlow(TEXT_SCRATCH_BYTES)) : Buffer.allocUnsafe(size);
  const length = decodeInto(into, token, start, end);
  if (length < 0) throw new MalformedJwtError(`JWT ${what} is not canonical unpadded base64url`);
  // Decoding replaces invalid UTF-8 with U+FFFD, so only a text holding one (which valid UTF-8 may
  // also encode) needs the strict check. A leading byte order mark is dropped, as TextDecoder does.
  let text = into.toString("utf8", 0, length);
  if (text.includes("\ufffd") && !isUtf8(into.subarray(0, length))) throw new MalformedJwtError(`JWT ${what} is not valid UTF-8 JSON`);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new MalformedJwtError(`JWT ${what} is not valid UTF-8 JSON`);
  }
  if (!isJsonObject(value)) throw new MalformedJwtError(`JWT ${what} is not a JSON object`);
  return value;
}

/**
 * Find the two dots of the compact serialization: exactly three segments, header and payload not
 * empty (an empty signature never verifies), and no character Node's base64 decoder would misread;
 * the rest of each segment's encoding is checked when it is decoded (`decodeSegment`). Throws
 * `MalformedJwtError`.
 */
export function splitCompactJwt(token: string): [dot1: number, dot2: number] {
  const dot1 = token.indexOf(".");
  const dot2 = token.indexOf(".", dot1 + 1);
  if (dot1 <= 0 || dot2 === -1 || dot2 === dot1 + 1 || token.indexOf(".", dot2 + 1) !== -1) {
    throw new MalformedJwtError("JWT is not three base64url segments");
  }
  // What Node's base64 decoder would read as base64url although it is not: "+", "/", and a character
  // beyond ASCII (one above U+00FF is read as its low byte). See decodeSegment for the rest.
  if (token.includes("+") || token.includes("/") || Buffer.byteLength(token, "utf8") !== token.length) {
    throw new MalformedJwtError("JWT has a character that is not base64url");
  }
  return [dot1, dot2];
}

/** Decode `token[start:end]` (canonical base64url) as a UTF-8 JSON object. Throws `MalformedJwtError`. */
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
  const signature = decodeSegment(token, dot2 + 1, token.length);
  if (signature === undefined) throw new MalformedJwtError("JWT signature is not canonical unpadded base64url");
  return { header, payload, payloadError, signingInput: Buffer.from(token.slice(0, dot2)), signature };
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
  try {
    const [dot1, dot2] = splitCompactJwt(token);
    return decodeJsonObject(token, dot1 + 1, dot2, "payload");
  } catch (e) {
    throw new InvalidArgumentException((e as Error).message, { cause: e });
  }
}
