/** PKCE (RFC 7636, S256) and the random `state` / `nonce` values (128-bit, URL-safe). */
/** node:crypto, taken on first use rather than at import (most processes never need it). */
const nodeCrypto = () => process.getBuiltinModule("node:crypto");

/** A PKCE verifier and its S256 challenge. */
export interface PkcePair {
  /** 128 characters: URL-safe base64 (no padding) of 96 random bytes. */
  verifier: string;
  /** URL-safe base64 (no padding) of SHA-256(verifier). */
  challenge: string;
  method: "S256";
}

export function pkceChallenge(verifier: string): string {
  return nodeCrypto().createHash("sha256").update(verifier, "ascii").digest("base64url");
}

/** A fresh PKCE verifier and its S256 challenge (RFC 7636). */
export function createPkcePair(): PkcePair {
  const verifier = nodeCrypto().randomBytes(96).toString("base64url");
  return { verifier, challenge: pkceChallenge(verifier), method: "S256" };
}

/** 128 random bits, URL-safe base64 (22 characters). */
export function randomState(): string {
  return nodeCrypto().randomBytes(16).toString("base64url");
}

/** 128 random bits, URL-safe base64 (22 characters). */
export function randomNonce(): string {
  return nodeCrypto().randomBytes(16).toString("base64url");
}
