import { beforeAll, describe, expect, jest, test } from "@jest/globals";
import { ExpiredTokenException, InvalidTokenException, UnknownSigningKeyTokenException } from "../../../../src/index.js";
import { TokenValidator } from "../../../../src/plugins/oidc/validation/index.js";
import type { KeyRing } from "./fixtures.js";
import { AUDIENCE, ISSUER, NOW, b64u, baseClaims, fixedClock, keyRing, memoryJwks, signJose } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

const OPTS = { issuer: ISSUER, audience: AUDIENCE };

function setup(size: number, options: { leewaySeconds?: number; maxTokenAgeSeconds?: number } = {}) {
  const endpoint = memoryJwks(ring.jwks);
  const clock = fixedClock();
  const validator = new TokenValidator({ fetchJwks: endpoint.fetcher, clock, maxAgeSeconds: 86_400 }, { clock, verifiedTokenCacheSize: size, ...options });
  return { validator, endpoint, clock };
}

describe("verified-token cache", () => {
  test("off by default: every validation verifies the signature", async () => {
    const endpoint = memoryJwks(ring.jwks);
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: endpoint.fetcher, clock }, { clock });
    const token = await signJose(ring.rsa1);
    for (let i = 0; i < 3; i++) await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(3);
    expect(validator.verifiedTokenCacheEntries).toBe(0);
  });

  test("a hit skips only the signature: claims are re-checked per call", async () => {
    const { validator } = setup(10);
    const token = await signJose(ring.rsa1, baseClaims({ nonce: "n1" }));
    await validator.validateToken(token, OPTS);
    await expect(validator.validateToken(token, { ...OPTS, scopesAnyof: ["read"] })).resolves.toMatchObject({ sub: "user-1" });
    expect(validator.signatureChecks).toBe(1);
    // Same (cached) token, different expectations: still rejected.
    await expect(validator.validateToken(token, { issuer: ISSUER, audience: "other" })).rejects.toBeInstanceOf(InvalidTokenException);
    await expect(validator.validateToken(token, { ...OPTS, nonce: "n2" })).rejects.toBeInstanceOf(InvalidTokenException);
    await expect(validator.validateToken(token, { ...OPTS, scopesAnyof: ["admin"] })).rejects.toBeInstanceOf(InvalidTokenException);
    expect(validator.signatureChecks).toBe(1);
  });

  test("returned claims are frozen, nested values too: no caller can change what a later hit returns", async () => {
    const { validator } = setup(10);
    const token = await signJose(ring.rsa1, baseClaims({ cnf: { jkt: "thumbprint" } }));
    const first = await validator.validateToken(token, OPTS);
    expect(() => (first.iss = "tampered")).toThrow(TypeError);
    expect(() => ((first.cnf as Record<string, unknown>).jkt = "other")).toThrow(TypeError);
    const second = await validator.validateToken(token, OPTS);
    expect(second).toMatchObject({ iss: ISSUER, cnf: { jkt: "thumbprint" } });
    expect(validator.signatureChecks).toBe(1);
  });

  test("never past exp: a cached token is rejected once expired (and still honours leeway)", async () => {
    const { validator, clock } = setup(10, { leewaySeconds: 5 });
    const token = await signJose(ring.rsa1, baseClaims({ exp: NOW + 60 }));
    await validator.validateToken(token, OPTS);
    clock.advance(59);
    await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(1);
    clock.advance(1); // now == exp: the entry is dropped, the signature re-verified, leeway keeps it valid
    await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(2);
    clock.advance(5); // past exp + leeway
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(ExpiredTokenException);
  });

  test("nbf is re-evaluated on a hit", async () => {
    const { validator, clock } = setup(10);
    const token = await signJose(ring.rsa1, baseClaims({ nbf: NOW }));
    await validator.validateToken(token, OPTS);
    clock.advance(-10); // clock moves back (e.g. NTP step): not yet valid again
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(InvalidTokenException);
    expect(validator.signatureChecks).toBe(1);
  });

  test("a hit is a lookup: the token is not parsed or decoded again", async () => {
    const { validator } = setup(10);
    const token = await signJose(ring.rsa1);
    const claims = await validator.validateToken(token, OPTS);
    const parse = jest.spyOn(JSON, "parse");
    const decode = jest.spyOn(TextDecoder.prototype, "decode");
    const test = jest.spyOn(RegExp.prototype, "test");
    try {
      for (let i = 0; i < 3; i++) expect(await validator.validateToken(token, { ...OPTS, scopesAnyof: ["read"] })).toBe(claims);
      expect([parse.mock.calls.length, decode.mock.calls.length, test.mock.calls.length]).toEqual([0, 0, 0]);
    } finally {
      parse.mockRestore();
      decode.mockRestore();
      test.mockRestore();
    }
    expect(validator.signatureChecks).toBe(1);
  });

  test("a hit is the exact token: one that ends the same (the cache's key) is validated in full and refused", async () => {
    const { validator } = setup(10);
    const token = await signJose(ring.rsa1);
    const claims = await validator.validateToken(token, OPTS);
    const [h, p, s] = token.split(".");
    // Same last 32 characters, another signature or another payload: not the cached token.
    const flip = (c: string) => (c === "A" ? "B" : "A");
    const otherSignature = `${h}.${p}.${flip(s[0])}${s.slice(1)}`;
    const otherPayload = `${h}.${b64u(JSON.stringify({ ...baseClaims(), sub: "someone-else" }))}.${s}`;
    for (const forged of [otherSignature, otherPayload]) {
      expect(forged.slice(-32)).toBe(token.slice(-32));
      await expect(validator.validateToken(forged, OPTS)).rejects.toThrow("Token signature verification failed");
    }
    expect(validator.signatureChecks).toBe(3);
    expect(await validator.validateToken(token, OPTS)).toBe(claims); // still held
    expect(validator.signatureChecks).toBe(3);
  });

  test("a hit checks the call's required claims", async () => {
    const { validator } = setup(10);
    const token = await signJose(ring.rsa1);
    await validator.validateToken(token, OPTS);
    await expect(validator.validateToken(token, { ...OPTS, requiredClaims: ["client_id"] })).rejects.toThrow('Token is missing the "client_id" claim');
    expect(validator.signatureChecks).toBe(1);
  });

  test("a token that fails a claims check is not remembered", async () => {
    const { validator, clock } = setup(10);
    const token = await signJose(ring.rsa1, baseClaims({ nbf: NOW + 30 }));
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(InvalidTokenException);
    expect(validator.verifiedTokenCacheEntries).toBe(0);
    clock.advance(30);
    await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(2);
  });

  test("the maximum token age ends a hit (with leeway), as it ends the token", async () => {
    const { validator, clock } = setup(10, { maxTokenAgeSeconds: 120, leewaySeconds: 5 });
    const token = await signJose(ring.rsa1, baseClaims({ iat: NOW - 60 }));
    await validator.validateToken(token, OPTS);
    clock.advance(64); // iat + 124 s: within the age and the leeway
    await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(1);
    clock.advance(2); // iat + 126 s: too old
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(ExpiredTokenException);
  });

  test("a bad signature is never cached", async () => {
    const { validator } = setup(10);
    const [h, p, s] = (await signJose(ring.rsa1)).split(".");
    const sig = Buffer.from(s, "base64url");
    sig[5] ^= 1;
    const forged = `${h}.${p}.${b64u(sig)}`;
    for (let i = 0; i < 3; i++) await expect(validator.validateToken(forged, OPTS)).rejects.toBeInstanceOf(InvalidTokenException);
    expect(validator.signatureChecks).toBe(3);
    expect(validator.verifiedTokenCacheEntries).toBe(0);
  });

  test("cleared when the key set changes: a token whose key was removed is rejected", async () => {
    const { validator, endpoint, clock } = setup(10);
    const token = await signJose(ring.rsa2);
    await validator.validateToken(token, OPTS);
    const rsa1Token = await signJose(ring.rsa1);
    await validator.validateToken(rsa1Token, OPTS);
    expect(validator.verifiedTokenCacheEntries).toBe(2);
    endpoint.set({ keys: [ring.rsa1.publicJwk] });
    clock.advance(301);
    const unknownKid = await signJose(ring.rsa1, baseClaims(), "RS256", { kid: "new-kid" });
    // unknown kid ⇒ refetch ⇒ the key set changed ⇒ generation changes
    await expect(validator.validateToken(unknownKid, OPTS)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException);
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException);
    const before = validator.signatureChecks;
    await validator.validateToken(rsa1Token, OPTS);
    expect(validator.signatureChecks).toBe(before + 1); // cache was cleared: verified again
  });

  test("a refetch that returns the same keys keeps the cache", async () => {
    const { validator, clock } = setup(10);
    const token = await signJose(ring.rsa1);
    await validator.validateToken(token, OPTS);
    clock.advance(301);
    const unknownKid = await signJose(ring.rsa1, baseClaims(), "RS256", { kid: "unknown" });
    await expect(validator.validateToken(unknownKid, OPTS)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException);
    await validator.validateToken(token, OPTS);
    expect(validator.signatureChecks).toBe(1);
  });

  test("bounded: the oldest entry not hit since it was last passed over is evicted (CLOCK, second chance)", async () => {
    const { validator } = setup(3);
    const tokens = await Promise.all([1, 2, 3, 4].map((i) => signJose(ring.rsa1, baseClaims({ sub: `u${i}` }))));
    for (const t of tokens.slice(0, 3)) await validator.validateToken(t, OPTS);
    await validator.validateToken(tokens[0], OPTS); // a hit on #1: passed over once, so #2 goes first
    expect(validator.signatureChecks).toBe(3);
    await validator.validateToken(tokens[3], OPTS); // evicts #2
    expect(validator.verifiedTokenCacheEntries).toBe(3);
    await validator.validateToken(tokens[0], OPTS);
    await validator.validateToken(tokens[2], OPTS);
    expect(validator.signatureChecks).toBe(4);
    await validator.validateToken(tokens[1], OPTS);
    expect(validator.signatureChecks).toBe(5);
    expect(validator.verifiedTokenCacheEntries).toBe(3);
  });

  test("a max-age refetch still happens on hits (keys are re-checked, not the signature)", async () => {
    const endpoint = memoryJwks(ring.jwks);
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: endpoint.fetcher, clock, maxAgeSeconds: 60 }, { clock, verifiedTokenCacheSize: 10 });
    const token = await signJose(ring.rsa2);
    await validator.validateToken(token, OPTS);
    endpoint.set({ keys: [ring.rsa1.publicJwk] });
    clock.advance(60);
    await expect(validator.validateToken(token, OPTS)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException);
    expect(endpoint.count).toBe(2);
  });
});
