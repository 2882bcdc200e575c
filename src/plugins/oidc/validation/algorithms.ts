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
  /** The same verification on libuv's thread pool; `done` gets what `verify` would return or throw. */
  verifyInPool(data: string | Uint8Array, key: KeyObject, signature: Uint8Array, done: (error: Error | null, valid: boolean) => void): void;
}

/** An algorithm verified by node:crypto with `digest` (null for EdDSA) and the key as `keyInput` gives it. */
function nodeAlgorithm(
  fields: Pick<SignatureAlgorithm, "name" | "kty" | "crv" | "minRsaBits">,
  digest: string | null,
  keyInput: (key: KeyObject) => KeyObject | VerifyKeyObjectInput,
): SignatureAlgorithm {
  return {
    ...fields,
    verify: (data, key, signature) => nodeCrypto().verify(digest, utf8(data), keyInput(key), signature),
    verifyInPool: (data, key, signature, done) => nodeCrypto().verify(digest, utf8(data), keyInput(key), signature, done),
  };
}

const asIs = (key: KeyObject) => key;
const utf8 = (data: string | Uint8Array): Uint8Array => (typeof data === "string" ? Buffer.from(data) : data);

/**
 * RSASSA-PKCS1-v1_5 (RS256/384/512) verified on this thread as RFC 8017 section 8.2.2 specifies it:
 * RSAVP1 (the raw public operation s^e mod n, which refuses s >= n) and an exact comparison of the
 * result with the EMSA-PKCS1-v1_5 encoding of the digest. Comparing the whole encoding, never parsing
 * it, is what rules out forgeries against lenient padding parsers. Same verdicts as node:crypto's
 * `verify` (the thread pool's path; the differential tests hold the two together) for about 2 µs less
 * per signature: a raw public-key operation and a one-shot digest cost less than a digest-verify context.
 */
function rsa(name: string, digest: "sha256" | "sha384" | "sha512"): SignatureAlgorithm {
  const generic = nodeAlgorithm({ name, kty: "RSA", minRsaBits: 2048 }, digest, asIs);
  const digestInfo = Buffer.from(DIGEST_INFO[digest], "hex");
  const digestLength = digestInfo.at(-1)!;
  // The encoding before the digest, by modulus length in bytes (00 01 FF..FF 00 DigestInfo), as a
  // latin1 ("binary") string: one string comparison checks the whole encoding.
  const prefixes = new Map<number, string>();
  const prefixFor = (k: number) => {
    let prefix = prefixes.get(k);
    if (prefix === undefined) {
      prefix = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(k - digestInfo.length - digestLength - 3, 0xff), Buffer.from([0]), digestInfo]).toString("binary");
      prefixes.set(k, prefix);
    }
    return prefix;
  };
  return {
    ...generic,
    verify(data, key, signature) {
      const { input, k } = rawPublicKey(key);
      // RFC 8017 section 8.2.2 step 1: a signature is exactly k bytes.
      if (signature.length !== k) return false;
      let encoded: Buffer;
      try {
        encoded = nodeCrypto().publicEncrypt(input, signature);
      } catch {
        return false; // s >= n (RSAVP1's "signature representative out of range")
      }
      // A one-shot digest into a string costs less than into a Buffer.
      return encoded.toString("binary") === prefixFor(k) + nodeCrypto().hash(digest, data, "binary");
    },
  };
}

// DER of DigestInfo up to the digest, RFC 8017 section 9.2 note 1; the last byte is the digest's length.
const DIGEST_INFO = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
} as const;

// Per RSA key: the options of a raw public operation and the modulus length in bytes.
const rawPublicKeys = new WeakMap<KeyObject, { input: { key: KeyObject; padding: number }; k: number }>();
function rawPublicKey(key: KeyObject): { input: { key: KeyObject; padding: number }; k: number } {
  let raw = rawPublicKeys.get(key);
  if (!raw) {
    raw = { input: { key, padding: nodeCrypto().constants.RSA_NO_PADDING }, k: Math.ceil(key.asymmetricKeyDetails!.modulusLength! / 8) };
    rawPublicKeys.set(key, raw);
  }
  return raw;
}

function rsaPss(name: string, digest: string): SignatureAlgorithm {
  return nodeAlgorithm({ name, kty: "RSA", minRsaBits: 2048 }, digest, (key) => {
    const { constants } = nodeCrypto();
    return { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  });
}

function ecdsa(name: string, digest: string, crv: string): SignatureAlgorithm {
  return nodeAlgorithm({ name, kty: "EC", crv }, digest, (key) => ({ key, dsaEncoding: "ieee-p1363" }));
}

function eddsa(name: string): SignatureAlgorithm {
  return nodeAlgorithm({ name, kty: "OKP", crv: "Ed25519" }, null, asIs);
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
