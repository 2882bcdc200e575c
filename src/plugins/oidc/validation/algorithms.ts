/**
 * The JWS signature algorithms the validator can verify, and how to verify each with a
 * node:crypto `KeyObject` (the hot path). Mirrors jose's JWS algorithm table for the asymmetric
 * algorithms: RS*, PS* (salt length = digest length, RSA keys of at least 2048 bits), ES* (IEEE P1363
 * r||s signatures on the matching curve) and EdDSA / Ed25519. Symmetric (HS*) and `none` are never
 * supported: a validator that trusts a public JWKS has no business accepting MACs.
 */
import type { KeyObject, VerifyKeyObjectInput } from "node:crypto";

// node:crypto is taken on first use rather than at import (a verification needs a KeyObject, so it is loaded by then).
let crypto: typeof import("node:crypto") | undefined;
const nodeCrypto = () => (crypto ??= process.getBuiltinModule("node:crypto"));

/** The key type (`kty`) of a signature algorithm. */
export type SignatureKeyType = "RSA" | "EC" | "OKP";

/** A JWS signature algorithm the validator supports: its name, key type and how it verifies. */
export interface SignatureAlgorithm {
  /** Canonical JWS name, exactly as it must appear in a token header. */
  readonly name: string;
  readonly kty: SignatureKeyType;
  /** EC curve (P-256...) or OKP subtype (Ed25519) the key must have. */
  readonly crv?: string;
  /** Minimum RSA modulus length (jose: 2048). */
  readonly minRsaBits?: number;
  /**
   * Verify `signature` over `data` with `key` (never throws for a wrong signature; returns false). A
   * string is its UTF-8 bytes, so a JWS signing input with any non-ASCII character never verifies.
   */
  verify(data: string | Uint8Array, key: KeyObject, signature: Uint8Array): boolean;
  /** How this algorithm verifies with `key` (made once per key): what a verifier thread is given. */
  verification(key: KeyObject): SignatureVerification;
  /** The same verification on libuv's thread pool; `done` gets what `verify` would return or throw. */
  verifyInPool(data: string | Uint8Array, key: KeyObject, signature: Uint8Array, done: (error: Error | null, valid: boolean) => void): void;
}

/**
 * How to verify a signature with one key under one algorithm: node:crypto's `verify` with `keyInput`,
 * or for RSASSA-PKCS1-v1_5 the public-key operation (see `verifyAs`). Plain data around KeyObjects, so it
 * crosses to a verifier thread with `postMessage`.
 */
export interface SignatureVerification {
  /** The digest; null for EdDSA, which signs the message itself. */
  readonly digest: string | null;
  /** node:crypto `verify`'s key argument: the key, with its padding or signature encoding. */
  readonly keyInput: KeyObject | VerifyKeyObjectInput;
  /** RS256/384/512: `publicDecrypt`'s options, the signature's length (the modulus's) and the DER of DigestInfo up to the digest (latin1). */
  readonly pkcs1?: { readonly decryptInput: { readonly key: KeyObject; readonly padding: number }; readonly signatureLength: number; readonly digestInfo: string };
}

/**
 * Verify `signature` over `data` (a string is its UTF-8 bytes) as `how` says; false for a wrong
 * signature. Self-contained (node:crypto is an argument, nothing comes from this module's scope)
 * because a verifier thread runs this function's own source: one rule on every thread.
 *
 * RSASSA-PKCS1-v1_5 (RFC 8017 section 8.2.2) is checked as OpenSSL's own `RSA_verify` checks it, without
 * the digest-verify context node:crypto's `verify` builds on every call: the public-key operation with
 * PKCS #1 type 1 padding (`publicDecrypt`: RSAVP1, which refuses s >= n, then a block that must be
 * 00 01, at least eight FF, 00), and an exact comparison of what follows with DigestInfo || H. With
 * the signature's length fixed to the modulus's, that is the comparison of the whole EMSA-PKCS1-v1_5
 * encoding step 4 asks for: garbage after the digest, another DigestInfo or a short padding string
 * cannot pass. Same verdicts as node:crypto's `verify` (the thread pool's path; the differential tests
 * and crafted encodings hold them together) for about 2 µs less per signature.
 */
export function verifyAs(crypto: typeof import("node:crypto"), how: SignatureVerification, data: string | Uint8Array, signature: Uint8Array): boolean {
  const pkcs1 = how.pkcs1;
  if (pkcs1 === undefined) return crypto.verify(how.digest, typeof data === "string" ? Buffer.from(data) : data, how.keyInput, signature);
  // Step 1: a signature is exactly as long as the modulus.
  if (signature.length !== pkcs1.signatureLength) return false;
  let t;
  try {
    t = crypto.publicDecrypt(pkcs1.decryptInput, signature);
  } catch {
    return false; // s >= n, or not a type 1 block
  }
  // A one-shot digest into a latin1 ("binary") string: one string comparison checks DigestInfo || H.
  return t.toString("binary") === pkcs1.digestInfo + crypto.hash(how.digest!, data, "binary");
}

/** An algorithm whose `SignatureVerification` for a key is `verificationOf(key)`, made once per key. */
function algorithm(fields: Pick<SignatureAlgorithm, "name" | "kty" | "crv" | "minRsaBits">, verificationOf: (key: KeyObject) => SignatureVerification): SignatureAlgorithm {
  const verifications = new WeakMap<KeyObject, SignatureVerification>();
  const verification = (key: KeyObject) => {
    let how = verifications.get(key);
    if (how === undefined) verifications.set(key, (how = verificationOf(key)));
    return how;
  };
  return {
    ...fields,
    verification,
    verify: (data, key, signature) => verifyAs(nodeCrypto(), verification(key), data, signature),
    verifyInPool(data, key, signature, done) {
      const how = verification(key);
      nodeCrypto().verify(how.digest, typeof data === "string" ? Buffer.from(data) : data, how.keyInput, signature, done);
    },
  };
}

/** RSASSA-PKCS1-v1_5 (RS256/384/512), verified on the public-key operation by `verifyAs`. */
function rsa(name: string, digest: "sha256" | "sha384" | "sha512"): SignatureAlgorithm {
  const digestInfo = Buffer.from(DIGEST_INFO[digest], "hex").toString("binary");
  return algorithm({ name, kty: "RSA", minRsaBits: 2048 }, (key) => ({
    digest,
    keyInput: key,
    pkcs1: { decryptInput: { key, padding: nodeCrypto().constants.RSA_PKCS1_PADDING }, signatureLength: Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8), digestInfo },
  }));
}

// DER of DigestInfo up to the digest, RFC 8017 section 9.2 note 1.
const DIGEST_INFO = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
} as const;

function rsaPss(name: string, digest: string): SignatureAlgorithm {
  return algorithm({ name, kty: "RSA", minRsaBits: 2048 }, (key) => {
    const { constants } = nodeCrypto();
    return { digest, keyInput: { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST } };
  });
}

function ecdsa(name: string, digest: string, crv: string): SignatureAlgorithm {
  return algorithm({ name, kty: "EC", crv }, (key) => ({ digest, keyInput: { key, dsaEncoding: "ieee-p1363" } }));
}

function eddsa(name: string): SignatureAlgorithm {
  return algorithm({ name, kty: "OKP", crv: "Ed25519" }, (key) => ({ digest: null, keyInput: key }));
}

const TABLE: readonly SignatureAlgorithm[] = [
  rsa("RS256", "sha256"),
  rsa("RS384", "sha384"),
  rsa("RS512", "sha512"),
  rsaPss("PS256", "sha256"),
  rsaPss("PS384", "sha384"),
  rsaPss("PS512", "sha512"),
  ecdsa("ES256", "sha256", "P-256"),
  ecdsa("ES384", "sha384", "P-384"),
  ecdsa("ES512", "sha512", "P-521"),
  eddsa("EdDSA"),
  eddsa("Ed25519"),
];

/** Canonical name → algorithm. */
export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, SignatureAlgorithm> = new Map(TABLE.map((a) => [a.name, a]));

/** Lower-case name → canonical name (trusted-algorithm configuration is case-insensitive). */
export const CANONICAL_ALGORITHM_NAMES: ReadonlyMap<string, string> = new Map(TABLE.map((a) => [a.name.toLowerCase(), a.name]));

/** The algorithms a key of this type/curve can verify (before any JWK `alg` restriction). */
export function algorithmsForKey(kty: string, crv: string | undefined): SignatureAlgorithm[] {
  return TABLE.filter((a) => a.kty === kty && (a.crv === undefined || a.crv === crv));
}
