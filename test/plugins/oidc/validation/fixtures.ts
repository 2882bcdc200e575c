/**
 * Keys, JWKS and token builders for the validation tests. jose generates the keys and signs the
 * ordinary tokens; `signRaw` (node:crypto) signs arbitrary headers/payloads for the attack corpus.
 */
import { KeyObject, createHmac, createPrivateKey, constants, generateKeyPairSync, sign } from "node:crypto";
import type { JWK } from "jose";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import type { Clock } from "../../../../src/kernel/seams.js";

export const NOW_MS = 1_700_000_000_000;
export const NOW = NOW_MS / 1000;
export const ISSUER = "https://issuer.example.com/oauth2/default";
export const AUDIENCE = "https://api.example.com";
export const CLIENT_ID = "client-123";

export function fixedClock(ms = NOW_MS): Clock & { set(ms: number): void; advance(seconds: number): void } {
  let t = ms;
  return {
    now: () => t,
    set: (v) => {
      t = v;
    },
    advance: (s) => {
      t += s * 1000;
    },
  };
}

export interface TestKey {
  kid: string;
  alg: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

export function b64u(data: string | Buffer): string {
  return Buffer.from(data).toString("base64url");
}

async function joseKey(kid: string, alg: string, options: { crv?: string; modulusLength?: number } = {}): Promise<TestKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, use: "sig" };
  return { kid, alg, privateKey: KeyObject.from(privateKey), publicJwk };
}

export interface KeyRing {
  rsa1: TestKey;
  rsa2: TestKey;
  ps: TestKey;
  es256: TestKey;
  es384: TestKey;
  es512: TestKey;
  ed: TestKey;
  attacker: TestKey;
  /** A 1024-bit RSA key: below jose's (and our) 2048-bit minimum. */
  weakRsa: TestKey;
  jwks: { keys: JWK[] };
}

let ringPromise: Promise<KeyRing> | undefined;

/** One key ring per test file (RSA key generation is the slow part). */
export function keyRing(): Promise<KeyRing> {
  ringPromise ??= (async () => {
    const [rsa1, rsa2, ps, es256, es384, es512, ed, attacker] = await Promise.all([
      joseKey("rsa-1", "RS256"),
      joseKey("rsa-2", "RS256"),
      joseKey("ps-1", "PS256"),
      joseKey("ec-256", "ES256"),
      joseKey("ec-384", "ES384"),
      joseKey("ec-521", "ES512"),
      joseKey("ed-1", "EdDSA"),
      joseKey("rsa-1", "RS256"), // the attacker reuses a real kid
    ]);
    const weak = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const weakRsa: TestKey = {
      kid: "rsa-weak",
      alg: "RS256",
      privateKey: weak.privateKey,
      publicJwk: { ...(weak.publicKey.export({ format: "jwk" }) as JWK), kid: "rsa-weak", use: "sig" },
    };
    // ps-1 is declared PS256-only through its JWK "alg"; the others are usable with any compatible alg.
    ps.publicJwk.alg = "PS256";
    const jwks = { keys: [rsa1, rsa2, ps, es256, es384, es512, ed, weakRsa].map((k) => k.publicJwk) };
    return { rsa1, rsa2, ps, es256, es384, es512, ed, attacker, weakRsa, jwks };
  })();
  return ringPromise;
}

export function baseClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: "user-1",
    iat: NOW - 60,
    exp: NOW + 3600,
    scope: "read write",
    ...overrides,
  };
}

/** Sign with jose (the ordinary, well-formed path). */
export async function signJose(key: TestKey, claims: Record<string, unknown> = baseClaims(), alg = key.alg, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, kid: key.kid, ...header }).sign(key.privateKey);
}

const DIGEST: Record<string, string> = { "256": "sha256", "384": "sha384", "512": "sha512" };

/** Sign arbitrary header/payload JSON (or raw strings) with node:crypto; HS* uses `secret`. */
export function signRaw(
  header: Record<string, unknown> | string,
  payload: Record<string, unknown> | string,
  key: KeyObject | Buffer | undefined,
  alg: string,
): string {
  const h = typeof header === "string" ? header : b64u(JSON.stringify(header));
  const p = typeof payload === "string" ? payload : b64u(JSON.stringify(payload));
  const input = Buffer.from(`${h}.${p}`);
  let sig: Buffer;
  if (alg === "none") sig = Buffer.alloc(0);
  else if (alg.startsWith("HS")) sig = createHmac(DIGEST[alg.slice(2)], key as Buffer).update(input).digest();
  else if (alg.startsWith("RS")) sig = sign(DIGEST[alg.slice(2)], input, key as KeyObject);
  else if (alg.startsWith("PS")) sig = sign(DIGEST[alg.slice(2)], input, { key: key as KeyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(alg.slice(2)) / 8 });
  else if (alg.startsWith("ES")) sig = sign(DIGEST[alg.slice(2)], input, { key: key as KeyObject, dsaEncoding: "ieee-p1363" });
  else sig = sign(null, input, key as KeyObject);
  return `${h}.${p}.${b64u(sig)}`;
}

export function privateKeyFromJwk(jwk: JWK): KeyObject {
  return createPrivateKey({ key: jwk as never, format: "jwk" });
}

/** An in-memory JWKS endpoint that counts fetches; `set` swaps the document. */
export function memoryJwks(initial: { keys: unknown[] }) {
  let doc = initial;
  let count = 0;
  const fetcher = async (): Promise<{ keys: unknown[] }> => {
    count++;
    return structuredClone(doc);
  };
  return {
    fetcher,
    get count() {
      return count;
    },
    set(next: { keys: unknown[] }) {
      doc = next;
    },
  };
}
