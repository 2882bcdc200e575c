/**
 * DPoP proof verification (RFC 9449 section 4.3), the nonce source and the in-memory replay store. Proofs are
 * made with jose (an independent implementation) and with the client's own DpopKey, and each rule
 * of the verifier is shown to refuse the proof that breaks it.
 */
import { describe, expect, test } from "@jest/globals";
import crypto from "node:crypto";
import { EmbeddedJWK, SignJWT, calculateJwkThumbprint, exportJWK, generateKeyPair, jwtVerify, type JWK } from "jose";
import {
  DpopNonces, DpopProofVerifier, DpopReplayStoreException, InvalidDpopProofException, MemoryDpopReplayStore,
  UseDpopNonceException, type Clock,
} from "../../../../src/index.js";
import { accessTokenHash, jwkThumbprint } from "../../../../src/plugin-kit.js";
import { DpopKey, dpopKeyPathFor } from "../../../../src/plugins/oidc/dpop-key.js";

const URL_ = "https://api.example.test/things";
const NOW = 1_800_000_000;
const clockAt = (seconds: number): Clock => ({ now: () => seconds * 1000 });
const clock = clockAt(NOW);

async function keyPair(alg = "ES256", options: Record<string, unknown> = {}) {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...options });
  return { privateKey, jwk: await exportJWK(publicKey) };
}

async function proof(overrides: { header?: Record<string, unknown>; claims?: Record<string, unknown>; alg?: string; key?: Awaited<ReturnType<typeof keyPair>> } = {}) {
  const alg = overrides.alg ?? "ES256";
  const key = overrides.key ?? (await keyPair(alg));
  const claims = { jti: crypto.randomUUID(), htm: "GET", htu: URL_, iat: NOW, ...overrides.claims };
  for (const [k, v] of Object.entries(claims)) if (v === undefined) delete (claims as Record<string, unknown>)[k];
  const jwt = await new SignJWT(claims).setProtectedHeader({ typ: "dpop+jwt", alg, jwk: key.jwk as JWK, ...overrides.header }).sign(key.privateKey);
  return { jwt, key };
}

const verifier = new DpopProofVerifier({ clock });

describe("DpopProofVerifier", () => {
  test("a valid proof gives the key's RFC 7638 thumbprint (as jose computes it), its jti and how long to remember it", async () => {
    const { jwt, key } = await proof({ claims: { ath: accessTokenHash("the-token") } });
    const verified = verifier.verify(jwt, { method: "GET", url: URL_, accessToken: "the-token" });
    expect(verified.jkt).toBe(await calculateJwkThumbprint(key.jwk as JWK));
    expect(verified.jkt).toBe(jwkThumbprint(key.jwk as Record<string, unknown>));
    expect(verified.alg).toBe("ES256");
    expect(verified.replayWindowSeconds).toBe(65);
  });

  test.each(["ES384", "ES512", "PS256", "RS256", "EdDSA"])("%s proofs verify", async (alg) => {
    const { jwt } = await proof({ alg });
    expect(verifier.verify(jwt, { method: "GET", url: URL_ }).alg).toBe(alg);
  });

  test("htu is compared without query and fragment, after URL normalisation (host case, default port)", async () => {
    const { jwt } = await proof({ claims: { htu: "HTTPS://API.example.test:443/things?x=1#frag" } });
    expect(() => verifier.verify(jwt, { method: "GET", url: "https://api.example.test/things?y=2" })).not.toThrow();
    expect(() => verifier.verify(jwt, { method: "GET", url: "https://api.example.test/other" })).toThrow(/htu/);
    expect(() => verifier.verify(jwt, { method: "GET", url: "http://api.example.test/things" })).toThrow(/htu/);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp, Partial<{ method: string; accessToken: string }>?]> = [
    ["typ is not dpop+jwt", async () => (await proof({ header: { typ: "JWT" } })).jwt, /typ/],
    ["htm differs", async () => (await proof({ claims: { htm: "POST" } })).jwt, /htm/],
    ["jti is missing", async () => (await proof({ claims: { jti: undefined } })).jwt, /jti/],
    ["iat is missing", async () => (await proof({ claims: { iat: undefined } })).jwt, /iat/],
    ["iat is too old", async () => (await proof({ claims: { iat: NOW - 66 } })).jwt, /too old/],
    ["iat is in the future", async () => (await proof({ claims: { iat: NOW + 6 } })).jwt, /future/],
    ["ath is missing when a token is presented", async () => (await proof()).jwt, /ath/, { accessToken: "t" }],
    ["ath is of another token", async () => (await proof({ claims: { ath: accessTokenHash("other") } })).jwt, /ath/, { accessToken: "t" }],
    ["the signature is not the key's", async () => {
      const other = await keyPair();
      const { jwt } = await proof();
      const forged = await proof({ key: { privateKey: other.privateKey, jwk: JSON.parse(Buffer.from(jwt.split(".")[0]!, "base64url").toString()).jwk } });
      return forged.jwt;
    }, /signature/],
    ["the jwk holds a private key", async () => {
      const key = await keyPair();
      const priv = await exportJWK(key.privateKey);
      return (await proof({ key: { privateKey: key.privateKey, jwk: priv } })).jwt;
    }, /private/],
    ["the key does not suit alg", async () => {
      const ec = await keyPair("ES256");
      const { jwt } = await proof({ alg: "ES384" });
      const [h, p, s] = jwt.split(".");
      const header = JSON.parse(Buffer.from(h!, "base64url").toString());
      return [Buffer.from(JSON.stringify({ ...header, jwk: ec.jwk })).toString("base64url"), p, s].join(".");
    }, /suit/],
    ["RSA key under 2048 bits", async () => {
      // jose will not sign with such a key: node:crypto does.
      const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 1024 });
      const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
      const input = `${part({ typ: "dpop+jwt", alg: "RS256", jwk: publicKey.export({ format: "jwk" }) })}.${part({ jti: "j", htm: "GET", htu: URL_, iat: NOW })}`;
      return `${input}.${crypto.sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
    }, /2048/],
    ["not a JWT", async () => "not-a-jwt", /not a JWT/],
  ];
  test.each(refusals)("refused: %s", async (_name, make, message, request = {}) => {
    const jwt = await make();
    let error: unknown;
    try {
      verifier.verify(jwt, { method: request.method ?? "GET", url: URL_, accessToken: request.accessToken });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(InvalidDpopProofException);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(jwt);
  });

  test("HMAC and none are refused, and cannot be configured", async () => {
    const hs = await new SignJWT({ jti: "j", htm: "GET", htu: URL_, iat: NOW })
      .setProtectedHeader({ typ: "dpop+jwt", alg: "HS256", jwk: { kty: "oct", k: "AAAA" } as unknown as JWK })
      .sign(new Uint8Array(32));
    expect(() => verifier.verify(hs, { method: "GET", url: URL_ })).toThrow(/not accepted/);
    const none = `${Buffer.from(JSON.stringify({ typ: "dpop+jwt", alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ jti: "j", htm: "GET", htu: URL_, iat: NOW })).toString("base64url")}.`;
    expect(() => verifier.verify(none, { method: "GET", url: URL_ })).toThrow(InvalidDpopProofException);
    expect(() => new DpopProofVerifier({ algorithms: ["HS256"] })).toThrow(/HS256/);
    expect(() => new DpopProofVerifier({ algorithms: ["none"] })).toThrow(/none/);
  });

  test("an algorithm outside the configured list is refused", async () => {
    const { jwt } = await proof({ alg: "PS256" });
    expect(() => new DpopProofVerifier({ clock, algorithms: ["es256"] }).verify(jwt, { method: "GET", url: URL_ })).toThrow(/not accepted/);
  });

  test("a required nonce: missing or stale ⇒ UseDpopNonceException; the current one passes", async () => {
    const nonces = new DpopNonces({ clock });
    const nonce = (n: string | undefined) => nonces.isValid(n);
    const without = (await proof()).jwt;
    expect(() => verifier.verify(without, { method: "GET", url: URL_, nonce })).toThrow(UseDpopNonceException);
    const stale = (await proof({ claims: { nonce: "0.not-a-nonce" } })).jwt;
    expect(() => verifier.verify(stale, { method: "GET", url: URL_, nonce })).toThrow(UseDpopNonceException);
    const current = (await proof({ claims: { nonce: nonces.current() } })).jwt;
    expect(verifier.verify(current, { method: "GET", url: URL_, nonce }).jti).toBeTruthy();
  });
});

describe("DpopKey (the client's proofs)", () => {
  test("proofs verify with jose (EmbeddedJWK) and with our verifier, carry a fresh jti, htu without query, ath and the nonce", async () => {
    const key = DpopKey.generate(clock);
    const p1 = key.proof({ method: "post", url: `${URL_}?q=1#f`, accessToken: "tok" }, "n-1");
    const p2 = key.proof({ method: "POST", url: URL_, accessToken: "tok" });
    const { payload, protectedHeader } = await jwtVerify(p1, EmbeddedJWK, { typ: "dpop+jwt", currentDate: new Date(NOW * 1000) });
    expect(payload).toMatchObject({ htm: "POST", htu: URL_, iat: NOW, ath: accessTokenHash("tok"), nonce: "n-1" });
    expect(protectedHeader.alg).toBe("ES256");
    expect(protectedHeader.jwk).not.toHaveProperty("d");
    const v1 = verifier.verify(p1, { method: "POST", url: URL_, accessToken: "tok" });
    const v2 = verifier.verify(p2, { method: "POST", url: URL_, accessToken: "tok" });
    expect(v1.jkt).toBe(key.jkt);
    expect(v1.jti).not.toBe(v2.jti);
  });

  test("a stored private JWK gives the same key back; anything else is refused", () => {
    const key = DpopKey.generate(clock);
    expect(DpopKey.fromJwk(key.toJwk(), clock).jkt).toBe(key.jkt);
    expect(() => DpopKey.fromJwk({ kty: "EC", crv: "P-256", x: "a", y: "b" }, clock)).toThrow(TypeError);
  });

  test("the key is stored beside the token, keeping a storage format's suffix", () => {
    expect(dpopKeyPathFor("/h/.planet/p/token.json")).toBe("/h/.planet/p/token.dpop.json");
    expect(dpopKeyPathFor("/h/.planet/p/token.sops.json")).toBe("/h/.planet/p/token.dpop.sops.json");
    expect(dpopKeyPathFor("p/tokenfile")).toBe("p/tokenfile.dpop");
    expect(dpopKeyPathFor("/h/p.d/token")).toBe("/h/p.d/token.dpop");
  });
});

describe("DpopNonces", () => {
  test("a nonce is good in its slot and the next; replicas sharing the secret agree; others do not", () => {
    let t = NOW * 1000;
    const moving: Clock = { now: () => t };
    const secret = "s".repeat(32);
    const a = new DpopNonces({ secret, clock: moving });
    const b = new DpopNonces({ secret, clock: moving });
    const stranger = new DpopNonces({ clock: moving });
    const n = a.current();
    expect(b.isValid(n)).toBe(true);
    expect(stranger.isValid(n)).toBe(false);
    t += 60_000;
    expect(a.isValid(n)).toBe(true);
    expect(a.current()).not.toBe(n);
    t += 60_000;
    expect(a.isValid(n)).toBe(false);
    expect(a.isValid(undefined)).toBe(false);
    expect(() => new DpopNonces({ secret: "short" })).toThrow(/32 bytes/);
  });
});

describe("MemoryDpopReplayStore", () => {
  test("a key is accepted once within its time to live, again after it", async () => {
    let t = 0;
    const store = new MemoryDpopReplayStore({ clock: { now: () => t } });
    expect(await store.rememberOnce("k", 1000)).toBe(true);
    expect(await store.rememberOnce("k", 1000)).toBe(false);
    t = 1001;
    expect(await store.rememberOnce("k", 1000)).toBe(true);
  });

  test("bounded: expired keys make room; when every key is live, new ones are refused rather than let through", async () => {
    let t = 0;
    const store = new MemoryDpopReplayStore({ maxEntries: 2, clock: { now: () => t } });
    await store.rememberOnce("a", 100);
    await store.rememberOnce("b", 100);
    await expect(store.rememberOnce("c", 100)).rejects.toBeInstanceOf(DpopReplayStoreException);
    expect(await store.rememberOnce("a", 100)).toBe(false);
    t = 101;
    expect(await store.rememberOnce("c", 100)).toBe(true);
    expect(store.size).toBe(1);
  });
});
