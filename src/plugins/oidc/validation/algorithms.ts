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
  /** Verify `signature` over `data` with `key` (never throws for a wrong signature; returns false). */
  verify(data: Uint8Array, key: KeyObject, signature: Uint8Array): boolean;
  /** The same verification on libuv's thread pool; `done` gets what `verify` would return or throw. */
  verifyInPool(data: Uint8Array, key: KeyObject, signature: Uint8Array, done: (error: Error | null, valid: boolean) => void): void;
}

/** An algorithm verified by node:crypto with `digest` (null for EdDSA) and the key as `keyInput` gives it. */
function nodeAlgorithm(
  fields: Pick<SignatureAlgorithm, "name" | "kty" | "crv" | "minRsaBits">,
  digest: string | null,
  keyInput: (key: KeyObject) => KeyObject | VerifyKeyObjectInput,
): SignatureAlgorithm {
  return {
    ...fields,
    verify: (data, key, signature) => nodeCrypto().verify(digest, data, keyInput(key), signature),
    verifyInPool: (data, key, signature, done) => nodeCrypto().verify(digest, data, keyInput(key), signature, done),
  };
}


const asIs = (key: KeyObject) => key;

function rsa(name: string, digest: string): SignatureAlgorithm {
  return nodeAlgorithm({ name, kty: "RSA", minRsaBits: 2048 }, digest, asIs);
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
