import crypto from "node:crypto";

/**
 * An RSA key pair for tests: the private key as PEM (PKCS#8, PKCS#1, and encrypted with its password) and the
 * public key, also as a JWK.
 */
export interface TestRsaKey {
  /** PKCS#8 `PRIVATE KEY` PEM. */
  privateKeyPem: string;
  /** PKCS#1 `RSA PRIVATE KEY` PEM. */
  privateKeyPkcs1Pem: string;
  /** Encrypted PKCS#8 `ENCRYPTED PRIVATE KEY` PEM, password `privateKeyPassword`. */
  encryptedPrivateKeyPem: string;
  privateKeyPassword: string;
  publicKey: crypto.KeyObject;
  publicJwk: crypto.JsonWebKey & { kid: string; alg: string; use: string };
}

/** A fresh RSA-2048 key pair in every format a test needs. */
export function generateTestRsaKey(kid: string = crypto.randomUUID()): TestRsaKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPassword = "test-key-password";
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKeyPkcs1Pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    encryptedPrivateKeyPem: privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: privateKeyPassword })
      .toString(),
    privateKeyPassword,
    publicKey,
    publicJwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" },
  };
}
