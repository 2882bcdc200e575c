import { describe, expect, test, beforeAll } from "@jest/globals";
import { createPublicKey } from "node:crypto";
import {
  AuthException,
  ExpiredTokenException,
  InvalidAlgorithmTokenException,
  InvalidArgumentException,
  InvalidTokenException,
  ScopeNotGrantedTokenException,
  TokenValidatorException,
  UnknownSigningKeyTokenException,
} from "../../../../src/index.js";
import { AuthEvent } from "../../../../src/index.js";
import { AuthLogger } from "../../../../src/kernel/logging.js";
import { JwksKeyCache, TokenValidator } from "../../../../src/plugins/oidc/validation/index.js";
import type { KeyRing } from "./fixtures.js";
import { AUDIENCE, CLIENT_ID, ISSUER, NOW, b64u, baseClaims, fixedClock, keyRing, memoryJwks, signJose, signRaw } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

const ALL_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

function makeValidator(options: ConstructorParameters<typeof TokenValidator>[1] = {}) {
  const endpoint = memoryJwks(ring.jwks);
  const clock = fixedClock();
  const validator = new TokenValidator({ fetchJwks: endpoint.fetcher, clock }, { clock, ...options });
  return { validator, endpoint, clock };
}

const OPTS = { issuer: ISSUER, audience: AUDIENCE };

async function rejection(p: Promise<unknown>): Promise<AuthException> {
  try {
    await p;
  } catch (e) {
    return e as AuthException;
  }
  throw new Error("expected a rejection");
}

async function expectRejected(
  p: Promise<unknown>,
  cls: abstract new (...a: any[]) => AuthException,
  event: AuthEvent | undefined,
  token?: string,
): Promise<AuthException> {
  const err = await rejection(p);
  expect(err.constructor).toBe(cls);
  expect(err.event()).toBe(event);
  if (token) {
    expect(err.message).not.toContain(token);
    const sig = token.split(".")[2];
    if (sig && sig.length > 8) expect(err.message).not.toContain(sig);
  }
  return err;
}

describe("TokenValidator: valid tokens", () => {
  test("accepts an RS256 token by default and returns its claims", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1);
    const claims = await validator.validateToken(token, OPTS);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, sub: "user-1", scope: "read write" });
  });

  test.each([
    ["RS384", "rsa1"],
    ["RS512", "rsa2"],
    ["PS256", "ps"],
    ["PS384", "rsa1"],
    ["PS512", "rsa1"],
    ["ES256", "es256"],
    ["ES384", "es384"],
    ["ES512", "es512"],
    ["EdDSA", "ed"],
    ["Ed25519", "ed"],
  ] as const)("accepts %s when trusted", async (alg, keyName) => {
    const { validator } = makeValidator({ trustedAlgorithms: [alg.toLowerCase()] });
    const token = await signJose(ring[keyName], baseClaims(), alg);
    await expect(validator.validateToken(token, OPTS)).resolves.toMatchObject({ sub: "user-1" });
  });

  test("trusted algorithms are case-insensitive in configuration", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ["Es256", "RS256"] });
    expect(validator.trustedAlgorithms).toEqual(["ES256", "RS256"]);
    await expect(validator.validateToken(await signJose(ring.es256), OPTS)).resolves.toBeDefined();
  });

  test("aud may be a list containing the audience", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1, baseClaims({ aud: ["other", AUDIENCE] }));
    await expect(validator.validateToken(token, OPTS)).resolves.toMatchObject({ aud: ["other", AUDIENCE] });
  });

  test("accepts a JwksKeyCache instance and shares it", async () => {
    const endpoint = memoryJwks(ring.jwks);
    const clock = fixedClock();
    const cache = new JwksKeyCache({ fetchJwks: endpoint.fetcher, clock });
    const a = new TokenValidator(cache, { clock });
    const b = new TokenValidator(cache, { clock });
    const token = await signJose(ring.rsa1);
    await a.validateToken(token, OPTS);
    await b.validateToken(token, OPTS);
    expect(a.jwksKeyCache).toBe(cache);
    expect(endpoint.count).toBe(1);
  });

  test("refuses to trust none, HS* and unknown algorithms at construction", () => {
    for (const alg of ["none", "HS256", "hs512", "RSA-OAEP", ""]) {
      expect(() => makeValidator({ trustedAlgorithms: [alg] })).toThrow(InvalidArgumentException);
    }
    expect(() => makeValidator({ trustedAlgorithms: [] })).toThrow(InvalidArgumentException);
    expect(() => makeValidator({ leewaySeconds: -1 })).toThrow(InvalidArgumentException);
  });
});

describe("TokenValidator: arguments (step 1)", () => {
  test("empty token, issuer or audience ⇒ InvalidArgumentException", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1);
    await expect(validator.validateToken("", OPTS)).rejects.toBeInstanceOf(InvalidArgumentException);
    await expect(validator.validateToken(token, { issuer: "", audience: AUDIENCE })).rejects.toBeInstanceOf(InvalidArgumentException);
    await expect(validator.validateToken(token, { issuer: ISSUER, audience: "" })).rejects.toBeInstanceOf(InvalidArgumentException);
    await expect(validator.validateToken(undefined as unknown as string, OPTS)).rejects.toBeInstanceOf(InvalidArgumentException);
  });
});

describe("TokenValidator: attack corpus", () => {
  test("alg none (unsigned) ⇒ InvalidAlgorithmTokenException", async () => {
    const { validator, endpoint } = makeValidator();
    for (const alg of ["none", "None", "NONE"]) {
      const token = signRaw({ alg, kid: "rsa-1", typ: "JWT" }, baseClaims(), undefined, "none");
      const err = await expectRejected(validator.validateToken(token, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM, token);
      expect(err.message).toContain(alg);
    }
    expect(endpoint.count).toBe(0);
  });

  test("HS256 signed with the RSA public key as HMAC secret (alg confusion) ⇒ InvalidAlgorithmTokenException", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ALL_ALGS });
    const publicPem = createPublicKey({ key: ring.rsa1.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" }) as string;
    for (const secret of [Buffer.from(publicPem), Buffer.from(JSON.stringify(ring.rsa1.publicJwk))]) {
      const token = signRaw({ alg: "HS256", kid: "rsa-1" }, baseClaims(), secret, "HS256");
      await expectRejected(validator.validateToken(token, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM, token);
    }
  });

  test("an algorithm that is valid but not trusted ⇒ InvalidAlgorithmTokenException", async () => {
    const { validator, endpoint } = makeValidator(); // RS256 only
    for (const [key, alg] of [[ring.es256, "ES256"], [ring.rsa1, "PS256"], [ring.rsa1, "RS512"], [ring.ed, "EdDSA"]] as const) {
      const token = await signJose(key, baseClaims(), alg);
      const err = await expectRejected(validator.validateToken(token, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM, token);
      expect(err.message).toContain(alg);
    }
    expect(endpoint.count).toBe(0);
  });

  test("a header alg in the wrong case (rs256) ⇒ InvalidAlgorithmTokenException", async () => {
    const { validator } = makeValidator();
    const token = signRaw({ alg: "rs256", kid: "rsa-1" }, baseClaims(), ring.rsa1.privateKey, "RS256");
    await expectRejected(validator.validateToken(token, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM, token);
  });

  test("missing or non-string alg ⇒ InvalidAlgorithmTokenException", async () => {
    const { validator } = makeValidator();
    for (const header of [{ kid: "rsa-1" }, { alg: 256, kid: "rsa-1" }, { alg: "", kid: "rsa-1" }]) {
      const token = signRaw(header, baseClaims(), ring.rsa1.privateKey, "RS256");
      await expectRejected(validator.validateToken(token, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM, token);
    }
  });

  test("a key usable only with another algorithm is not a match (JWK alg, key type, curve)", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ALL_ALGS });
    // ps-1 declares alg PS256: an RS256 signature by it is refused even though the key is RSA.
    const rsByPs = await signJose(ring.ps, baseClaims(), "RS256");
    await expectRejected(validator.validateToken(rsByPs, OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, rsByPs);
    // An ES384 header naming the P-256 key's kid.
    const wrongCurve = signRaw({ alg: "ES384", kid: "ec-256" }, baseClaims(), ring.es384.privateKey, "ES384");
    await expectRejected(validator.validateToken(wrongCurve, OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, wrongCurve);
    // An EdDSA header naming an RSA kid.
    const wrongKty = signRaw({ alg: "EdDSA", kid: "rsa-1" }, baseClaims(), ring.ed.privateKey, "EdDSA");
    await expectRejected(validator.validateToken(wrongKty, OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, wrongKty);
  });

  test("RSA keys below 2048 bits are never used", async () => {
    const { validator } = makeValidator();
    const token = signRaw({ alg: "RS256", kid: "rsa-weak" }, baseClaims(), ring.weakRsa.privateKey, "RS256");
    await expectRejected(validator.validateToken(token, OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, token);
  });

  test("bad signature ⇒ InvalidTokenException (TOKEN_INVALID)", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ALL_ALGS });
    const good = await signJose(ring.rsa1);
    const [h, p, s] = good.split(".");
    const otherPayload = b64u(JSON.stringify(baseClaims({ sub: "admin" })));
    const flipped = Buffer.from(s, "base64url");
    flipped[10] ^= 1;
    const cases = [
      `${h}.${otherPayload}.${s}`, // payload swapped
      `${h}.${p}.${flipped.toString("base64url")}`, // signature bit flipped
      `${h}.${p}.`, // signature stripped
      `${h}.${p}.${b64u(Buffer.from(s, "base64url").subarray(0, 100))}`, // truncated
      await signJose(ring.rsa2, baseClaims(), "RS256", { kid: "rsa-1" }), // signed by another JWKS key, kid of rsa-1
      signRaw({ alg: "ES256", kid: "ec-256" }, baseClaims(), ring.es384.privateKey, "ES384"), // P-384 signature under an ES256 header
      signRaw({ alg: "PS256", kid: "ps-1" }, baseClaims(), ring.ps.privateKey, "RS256"), // PKCS#1 v1.5 signature under a PS header
    ];
    // An ES signature with the wrong length (DER instead of IEEE P1363).
    const es = await signJose(ring.es256);
    const { sign } = await import("node:crypto");
    const [eh, ep] = es.split(".");
    cases.push(`${eh}.${ep}.${b64u(sign("sha256", Buffer.from(`${eh}.${ep}`), ring.es256.privateKey))}`);
    for (const token of cases) {
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
  });

  test("PS with a salt length other than the digest length is rejected (as jose/WebCrypto)", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ["ps256"] });
    const { sign, constants } = await import("node:crypto");
    const h = b64u(JSON.stringify({ alg: "PS256", kid: "ps-1" }));
    const p = b64u(JSON.stringify(baseClaims()));
    const sig = sign("sha256", Buffer.from(`${h}.${p}`), { key: ring.ps.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 0 });
    const token = `${h}.${p}.${b64u(sig)}`;
    await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
  });

  test("expired ⇒ ExpiredTokenException; exp == now is expired (zero leeway)", async () => {
    const { validator } = makeValidator();
    for (const exp of [NOW - 1, NOW]) {
      const token = await signJose(ring.rsa1, baseClaims({ exp, iat: NOW - 100 }));
      const err = await expectRejected(validator.validateToken(token, OPTS), ExpiredTokenException, AuthEvent.TOKEN_INVALID_EXPIRED, token);
      expect((err as InvalidTokenException).jwtBody).toMatchObject({ exp });
    }
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ exp: NOW + 1 })), OPTS)).resolves.toBeDefined();
  });

  test("not yet valid (nbf, iat in the future) ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    for (const claims of [baseClaims({ nbf: NOW + 1 }), baseClaims({ iat: NOW + 1 })]) {
      const token = await signJose(ring.rsa1, claims);
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ nbf: NOW, iat: NOW })), OPTS)).resolves.toBeDefined();
  });

  test("leeway applies to exp, nbf and iat", async () => {
    const { validator } = makeValidator({ leewaySeconds: 30 });
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ exp: NOW - 29, iat: NOW - 100 })), OPTS)).resolves.toBeDefined();
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ nbf: NOW + 30 })), OPTS)).resolves.toBeDefined();
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ iat: NOW + 30 })), OPTS)).resolves.toBeDefined();
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, baseClaims({ exp: NOW - 30, iat: NOW - 100 })), OPTS), ExpiredTokenException, AuthEvent.TOKEN_INVALID_EXPIRED);
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, baseClaims({ nbf: NOW + 31 })), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, baseClaims({ iat: NOW + 31 })), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
  });

  test("wrong iss (including a trailing slash difference or a non-string) ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    for (const iss of ["https://evil.example.com", `${ISSUER}/`, [ISSUER], 42]) {
      const token = await signJose(ring.rsa1, baseClaims({ iss }));
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
  });

  test("wrong aud ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    for (const aud of ["https://other.example.com", ["a", "b"], [], [AUDIENCE, 7], { aud: AUDIENCE }, 7]) {
      const token = await signJose(ring.rsa1, baseClaims({ aud }));
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
  });

  test("missing required claims (aud, exp, iss, requiredClaims, nonce when given) ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    for (const drop of ["aud", "exp", "iss"]) {
      const claims = baseClaims();
      delete claims[drop];
      const token = await signJose(ring.rsa1, claims);
      const err = await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
      expect(err.message).toContain(drop);
    }
    const token = await signJose(ring.rsa1, baseClaims({ cid: null }));
    await expectRejected(validator.validateToken(token, { ...OPTS, requiredClaims: ["azp"] }), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expectRejected(validator.validateToken(token, { ...OPTS, requiredClaims: ["cid"] }), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expect(validator.validateToken(token, { ...OPTS, requiredClaims: ["sub", "scope"] })).resolves.toBeDefined();
    await expectRejected(validator.validateToken(token, { ...OPTS, nonce: "n-1" }), InvalidTokenException, AuthEvent.TOKEN_INVALID);
  });

  test("non-numeric exp/nbf/iat and non-string sub/jti ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    for (const claims of [
      baseClaims({ exp: String(NOW + 100) }),
      baseClaims({ nbf: "0" }),
      baseClaims({ iat: true }),
      baseClaims({ sub: 12 }),
      baseClaims({ jti: ["x"] }),
    ]) {
      const token = await signJose(ring.rsa1, claims);
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
    // exp of 1e999 parses as Infinity: not a NumericDate.
    const inf = signRaw({ alg: "RS256", kid: "rsa-1" }, b64u(`{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":1e999}`), ring.rsa1.privateKey, "RS256");
    await expectRejected(validator.validateToken(inf, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, inf);
  });

  test("missing kid ⇒ UnknownSigningKeyTokenException without any JWKS fetch", async () => {
    const { validator, endpoint } = makeValidator();
    for (const header of [{ alg: "RS256" }, { alg: "RS256", kid: "" }, { alg: "RS256", kid: 1 }]) {
      const token = signRaw(header, baseClaims(), ring.rsa1.privateKey, "RS256");
      await expectRejected(validator.validateToken(token, OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, token);
    }
    expect(endpoint.count).toBe(0);
  });

  test("unknown kid ⇒ UnknownSigningKeyTokenException naming the kid; a flood costs one fetch per cooldown", async () => {
    const { validator, endpoint, clock } = makeValidator();
    await validator.validateToken(await signJose(ring.rsa1), OPTS);
    expect(endpoint.count).toBe(1);
    clock.advance(301); // past the 300 s cooldown, inside the 1 h max age
    const flood = await Promise.all(
      Array.from({ length: 50 }, (_, i) => signRaw({ alg: "RS256", kid: `bogus-${i}` }, baseClaims(), ring.attacker.privateKey, "RS256")),
    );
    const errors = await Promise.all(flood.map((t) => rejection(validator.validateToken(t, OPTS))));
    for (const err of errors) {
      expect(err).toBeInstanceOf(UnknownSigningKeyTokenException);
      expect(err.event()).toBe(AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY);
    }
    expect(errors[3].message).toContain("bogus-3");
    expect(endpoint.count).toBe(2); // the flood shared one fetch
    for (const t of flood) await rejection(validator.validateToken(t, OPTS)); // serial flood within the cooldown
    expect(endpoint.count).toBe(2);
    clock.advance(301);
    await rejection(validator.validateToken(flood[0], OPTS));
    expect(endpoint.count).toBe(3);
  });

  test("jku, x5u, x5c and embedded jwk headers are ignored: an attacker key in the header is never used", async () => {
    const { validator, endpoint } = makeValidator();
    const attackerJwk = ring.attacker.publicJwk;
    const attackerHeaders = [
      { alg: "RS256", jwk: attackerJwk }, // no kid: embedded key only
      { alg: "RS256", kid: "attacker", jwk: { ...attackerJwk, kid: "attacker" } },
      { alg: "RS256", kid: "rsa-1", jwk: attackerJwk }, // real kid, attacker signature
      { alg: "RS256", kid: "rsa-1", jku: "https://evil.example.com/jwks.json" },
      { alg: "RS256", kid: "rsa-1", x5u: "https://evil.example.com/cert.pem" },
      { alg: "RS256", kid: "rsa-1", x5c: ["MIIBIjANBgkq"] },
    ];
    const expected = [UnknownSigningKeyTokenException, UnknownSigningKeyTokenException, InvalidTokenException, InvalidTokenException, InvalidTokenException, InvalidTokenException];
    for (const [i, header] of attackerHeaders.entries()) {
      const token = signRaw(header, baseClaims(), ring.attacker.privateKey, "RS256");
      const cls = expected[i];
      await expectRejected(validator.validateToken(token, OPTS), cls, cls === InvalidTokenException ? AuthEvent.TOKEN_INVALID : AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY, token);
    }
    // A legitimately signed token that also carries a jku header is fine: the header is simply not used.
    const legit = signRaw({ alg: "RS256", kid: "rsa-1", jku: "https://evil.example.com/jwks.json" }, baseClaims(), ring.rsa1.privateKey, "RS256");
    await expect(validator.validateToken(legit, OPTS)).resolves.toBeDefined();
    expect(endpoint.count).toBeLessThanOrEqual(2);
  });

  test("crit with unknown or malformed extensions ⇒ InvalidTokenException", async () => {
    const { validator } = makeValidator();
    const headers = [
      { alg: "RS256", kid: "rsa-1", crit: ["exp"], exp: NOW + 100 },
      { alg: "RS256", kid: "rsa-1", crit: ["http://example.com/ext"], "http://example.com/ext": true },
      { alg: "RS256", kid: "rsa-1", crit: [] },
      { alg: "RS256", kid: "rsa-1", crit: "b64" },
      { alg: "RS256", kid: "rsa-1", crit: [""] },
      { alg: "RS256", kid: "rsa-1", crit: ["b64"] }, // listed but absent
      { alg: "RS256", kid: "rsa-1", crit: ["b64"], b64: "false" },
      { alg: "RS256", kid: "rsa-1", crit: ["b64"], b64: false }, // unencoded payload: not a JWT
    ];
    for (const header of headers) {
      const token = signRaw(header, baseClaims(), ring.rsa1.privateKey, "RS256");
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
    // b64: true is understood (as jose does).
    const ok = signRaw({ alg: "RS256", kid: "rsa-1", crit: ["b64"], b64: true }, baseClaims(), ring.rsa1.privateKey, "RS256");
    await expect(validator.validateToken(ok, OPTS)).resolves.toBeDefined();
  });

  test("malformed tokens ⇒ InvalidTokenException before any key lookup", async () => {
    const { validator, endpoint } = makeValidator();
    const good = await signJose(ring.rsa1);
    const [h, p, s] = good.split(".");
    const cases = [
      "abc",
      `${h}.${p}`,
      `${h}.${p}.${s}.${s}`,
      `${h}..${s}`,
      `.${p}.${s}`,
      `${h}.${p}.${s}=`, // padding
      `${h}.${p}.${s.slice(0, -1)}+`, // base64 (not url) alphabet
      `${h}.${p}.${s.slice(0, -1)}/`,
      `${h}!.${p}.${s}`,
      `${h}.${p} .${s}`, // whitespace
      `${h}.${p}.${s}AAA`, // length ≡ 1 (mod 4)
      `${b64u("not json")}.${p}.${s}`,
      `${b64u("[1,2]")}.${p}.${s}`,
      `${b64u("null")}.${p}.${s}`,
      `${b64u(Buffer.from([0x7b, 0xff, 0x7d]))}.${p}.${s}`, // invalid UTF-8
    ];
    for (const token of cases) {
      await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
    // Payload that is not a JSON object, correctly signed: rejected, with the header still attached.
    for (const payload of [b64u('"a string"'), b64u("[1]"), b64u("12"), b64u("{bad json")]) {
      const token = signRaw({ alg: "RS256", kid: "rsa-1" }, payload, ring.rsa1.privateKey, "RS256");
      const err = (await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token)) as InvalidTokenException;
      expect(err.jwtHeader).toEqual({ alg: "RS256", kid: "rsa-1" });
      expect(err.jwtBody).toBeUndefined();
    }
    expect(endpoint.count).toBe(1); // only the last group (well-formed header) reached the key lookup
  });

  test("non-canonical base64url (unused trailing bits set) is rejected", async () => {
    const { validator } = makeValidator();
    const good = await signJose(ring.rsa1);
    const [h, p, s] = good.split(".");
    // RSA-2048 signature: 256 bytes ⇒ 342 chars, rem 2 ⇒ last char carries 4 unused bits.
    const last = s[s.length - 1];
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const tweaked = alphabet[alphabet.indexOf(last) + 1];
    const token = `${h}.${p}.${s.slice(0, -1)}${tweaked}`;
    expect(Buffer.from(`${s.slice(0, -1)}${tweaked}`, "base64url")).toEqual(Buffer.from(s, "base64url"));
    await expectRejected(validator.validateToken(token, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
  });

  test("oversize tokens are rejected before any parsing", async () => {
    const { validator, endpoint } = makeValidator();
    const huge = await signJose(ring.rsa1, baseClaims({ pad: "x".repeat(20_000) }));
    const err = await expectRejected(validator.validateToken(huge, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, huge);
    expect((err as InvalidTokenException).jwtHeader).toBeUndefined();
    expect(err.message).toContain("16384");
    expect(endpoint.count).toBe(0);
    const garbage = "!".repeat(16_385);
    await expectRejected(validator.validateToken(garbage, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    const { validator: small } = makeValidator({ maxTokenLength: 100 });
    await expectRejected(small.validateToken(await signJose(ring.rsa1), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
  });
});

describe("TokenValidator: nonce and scopes (steps 6–7)", () => {
  test("nonce must match; a mismatch has event TOKEN_INVALID_BAD_NONCE", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1, baseClaims({ nonce: "n-1" }));
    await expect(validator.validateToken(token, { ...OPTS, nonce: "n-1" })).resolves.toMatchObject({ nonce: "n-1" });
    await expectRejected(validator.validateToken(token, { ...OPTS, nonce: "n-2" }), InvalidTokenException, AuthEvent.TOKEN_INVALID_BAD_NONCE, token);
  });

  test("scopes_anyof: any of, from scope (string) or scp (list)", async () => {
    const { validator } = makeValidator();
    const withScope = await signJose(ring.rsa1, baseClaims({ scope: "read  write\tadmin" }));
    await expect(validator.validateToken(withScope, { ...OPTS, scopesAnyof: ["delete", "admin"] })).resolves.toBeDefined();
    const err = await expectRejected(validator.validateToken(withScope, { ...OPTS, scopesAnyof: ["delete", "rea"] }), ScopeNotGrantedTokenException, AuthEvent.TOKEN_INVALID_BAD_SCOPE, withScope);
    expect(err.message).toContain("delete rea");
    expect(err.message).toContain("read write admin");

    const scp = await signJose(ring.rsa1, baseClaims({ scope: undefined, scp: ["profile", "email"] }));
    await expect(validator.validateToken(scp, { ...OPTS, scopesAnyof: ["email"] })).resolves.toBeDefined();
    await expectRejected(validator.validateToken(scp, { ...OPTS, scopesAnyof: ["openid"] }), ScopeNotGrantedTokenException, AuthEvent.TOKEN_INVALID_BAD_SCOPE);

    // scope is empty (falsy) ⇒ scp is used
    const emptyScope = await signJose(ring.rsa1, baseClaims({ scope: "", scp: ["email"] }));
    await expect(validator.validateToken(emptyScope, { ...OPTS, scopesAnyof: ["email"] })).resolves.toBeDefined();

    const none = await signJose(ring.rsa1, baseClaims({ scope: undefined }));
    const noScope = await expectRejected(validator.validateToken(none, { ...OPTS, scopesAnyof: ["read"] }), InvalidTokenException, AuthEvent.TOKEN_INVALID_BAD_SCOPE, none);
    expect(noScope.message).toContain("no scope claim");
    // without scopes_anyof, no scope claim is fine
    await expect(validator.validateToken(none, OPTS)).resolves.toBeDefined();
    await expect(validator.validateToken(none, { ...OPTS, scopesAnyof: [] })).resolves.toBeDefined();
  });

  test("scope checks run last: an expired token without scopes is reported as expired", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1, baseClaims({ scope: undefined, exp: NOW - 5, iat: NOW - 10 }));
    await expectRejected(validator.validateToken(token, { ...OPTS, scopesAnyof: ["read"] }), ExpiredTokenException, AuthEvent.TOKEN_INVALID_EXPIRED);
  });
});

describe("TokenValidator: ID tokens (§6.3)", () => {
  const ID_OPTS = { issuer: ISSUER, clientId: CLIENT_ID };
  test("audience is the client ID; azp rules", async () => {
    const { validator } = makeValidator();
    const ok = await signJose(ring.rsa1, baseClaims({ aud: CLIENT_ID, nonce: "n" }));
    await expect(validator.validateIdToken(ok, { ...ID_OPTS, nonce: "n" })).resolves.toMatchObject({ aud: CLIENT_ID });
    const okList = await signJose(ring.rsa1, baseClaims({ aud: [CLIENT_ID, "x"], azp: CLIENT_ID }));
    await expect(validator.validateIdToken(okList, ID_OPTS)).resolves.toBeDefined();
    const okAzp = await signJose(ring.rsa1, baseClaims({ aud: CLIENT_ID, azp: CLIENT_ID }));
    await expect(validator.validateIdToken(okAzp, ID_OPTS)).resolves.toBeDefined();

    for (const claims of [
      baseClaims({ aud: [CLIENT_ID, "x"] }), // list without azp
      baseClaims({ aud: CLIENT_ID, azp: "other" }), // azp mismatch
      baseClaims({ aud: [CLIENT_ID], azp: "other" }),
    ]) {
      const token = await signJose(ring.rsa1, claims);
      await expectRejected(validator.validateIdToken(token, ID_OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, token);
    }
    await expectRejected(validator.validateIdToken(await signJose(ring.rsa1, baseClaims()), ID_OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expectRejected(validator.validateIdToken(ok, { ...ID_OPTS, nonce: "m" }), InvalidTokenException, AuthEvent.TOKEN_INVALID_BAD_NONCE);
    await expect(validator.validateIdToken(ok, { issuer: ISSUER, clientId: "" })).rejects.toBeInstanceOf(InvalidArgumentException);
  });
});

describe("TokenValidator: exceptions and logging", () => {
  test("InvalidTokenExceptions carry the unverified header and body, and have stable codes", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1, baseClaims({ aud: "nope" }));
    const err = (await rejection(validator.validateToken(token, OPTS))) as InvalidTokenException;
    expect(err.jwtHeader).toEqual({ alg: "RS256", kid: "rsa-1" });
    expect(err.jwtBody).toMatchObject({ aud: "nope", iss: ISSUER });
    expect(err.code).toBe("ERR_INVALID_TOKEN");
  });

  test("failures are logged at debug with the exception's event and no token or subject", async () => {
    const lines: string[] = [];
    const host = { debug: (s: string) => lines.push(s), info: () => {}, warn: () => {}, error: () => {} };
    const { validator } = makeValidator({ logger: new AuthLogger(host) });
    const token = await signJose(ring.rsa1, baseClaims({ exp: NOW - 1, iat: NOW - 10 }));
    await rejection(validator.validateToken(token, OPTS));
    const record = lines.map((l) => JSON.parse(l)).find((r) => r.event === AuthEvent.TOKEN_INVALID_EXPIRED);
    expect(record).toBeDefined();
    expect(record.jwt_header).toEqual({ alg: "RS256" });
    expect(record.jwt_payload).toMatchObject({ iss: ISSUER, aud: AUDIENCE });
    expect(lines.join("\n")).not.toContain(token.split(".")[2]);
    expect(lines.join("\n")).not.toContain("user-1");
  });

  test("JWKS fetch errors propagate: library exceptions as they are, others wrapped", async () => {
    const clock = fixedClock();
    const authErr = new AuthException("JWKS endpoint said no");
    const v1 = new TokenValidator({ fetchJwks: async () => { throw authErr; }, clock }, { clock });
    const token = await signJose(ring.rsa1);
    await expect(v1.validateToken(token, OPTS)).rejects.toBe(authErr);
    const v2 = new TokenValidator({ fetchJwks: async () => { throw new TypeError("socket hang up"); }, clock }, { clock });
    const err = await rejection(v2.validateToken(token, OPTS));
    expect(err).toBeInstanceOf(TokenValidatorException);
    expect(err.message).toContain("socket hang up (TypeError)");
  });

  test("hazmatUnverifiedDecode returns header, payload and signature bytes", async () => {
    const token = await signJose(ring.rsa1);
    const { header, payload, signature } = TokenValidator.hazmatUnverifiedDecode(token);
    expect(header).toEqual({ alg: "RS256", kid: "rsa-1" });
    expect(payload).toMatchObject({ sub: "user-1" });
    expect(signature).toBeInstanceOf(Buffer);
    expect(signature.length).toBe(256);
    expect(() => TokenValidator.hazmatUnverifiedDecode("a.b")).toThrow(InvalidArgumentException);
  });
});

describe("TokenValidator: hot-path internals", () => {
  test("the parsed-header cache cannot be poisoned through an exception's jwtHeader", async () => {
    const { validator } = makeValidator();
    const bad = await signJose(ring.rsa1, baseClaims({ aud: "nope" }));
    const err = (await rejection(validator.validateToken(bad, OPTS))) as InvalidTokenException;
    err.jwtHeader!.kid = "rsa-2";
    err.jwtHeader!.alg = "none";
    // Same header segment as `bad`: must still resolve rsa-1 / RS256.
    await expect(validator.validateToken(await signJose(ring.rsa1), OPTS)).resolves.toBeDefined();
  });

  test("tokens longer than the scratch buffer are verified with their own buffers", async () => {
    const { validator } = makeValidator({ maxTokenLength: 200_000 });
    const token = await signJose(ring.rsa1, baseClaims({ pad: "x".repeat(90_000) }));
    expect(token.length).toBeGreaterThan(100_000);
    await expect(validator.validateToken(token, OPTS)).resolves.toMatchObject({ sub: "user-1" });
    const [h, p, s] = token.split(".");
    const sig = Buffer.from(s, "base64url");
    sig[1] ^= 1;
    const forged = `${h}.${p}.${b64u(sig)}`;
    await expectRejected(validator.validateToken(forged, OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID, forged);
  });

  test("the scratch buffer is not shared across interleaved validations of different tokens", async () => {
    const { validator } = makeValidator({ trustedAlgorithms: ALL_ALGS });
    const tokens = await Promise.all([ring.rsa1, ring.es256, ring.ed, ring.rsa2].map((k) => signJose(k)));
    const [h, p, s] = tokens[0].split(".");
    const sig = Buffer.from(s, "base64url");
    sig[3] ^= 1;
    const forged = `${h}.${p}.${b64u(sig)}`;
    const results = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => validator.validateToken(i % 5 === 4 ? forged : tokens[i % 5], OPTS)));
    results.forEach((r, i) => expect(r.status).toBe(i % 5 === 4 ? "rejected" : "fulfilled"));
  });
});

describe("policy options: algorithms from the keys, audiences, token age, RFC 9068", () => {
  test('trustedAlgorithms "jwks": every algorithm of a key without "alg"; none, HS256 and unknown names never', async () => {
    const { validator } = makeValidator({ trustedAlgorithms: "jwks" });
    for (const alg of ["RS256", "RS512", "PS384"]) await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims(), alg), OPTS)).resolves.toMatchObject({ sub: "user-1" });
    await expect(validator.validateToken(await signJose(ring.es384), OPTS)).resolves.toBeDefined();
    await expect(validator.validateToken(await signJose(ring.ed), OPTS)).resolves.toBeDefined();
    await expectRejected(validator.validateToken(signRaw({ alg: "none", kid: ring.rsa1.kid }, baseClaims(), undefined, "none"), OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM);
    const hmac = signRaw({ alg: "HS256", kid: ring.rsa1.kid }, baseClaims(), Buffer.from(JSON.stringify(ring.rsa1.publicJwk)), "HS256");
    await expectRejected(validator.validateToken(hmac, OPTS), InvalidAlgorithmTokenException, AuthEvent.TOKEN_INVALID_BAD_ALGORITHM);
    // An ES256 key cannot verify an ES384 header, whatever the token says.
    await expectRejected(validator.validateToken(signRaw({ alg: "ES384", kid: ring.es256.kid }, baseClaims(), ring.es256.privateKey, "ES256"), OPTS), UnknownSigningKeyTokenException, AuthEvent.TOKEN_INVALID_BAD_SIGNING_KEY);
  });

  test("an audience list accepts a token for any of them", async () => {
    const { validator } = makeValidator();
    const token = await signJose(ring.rsa1, baseClaims({ aud: "https://second.example/" }));
    await expect(validator.validateToken(token, { issuer: ISSUER, audience: [AUDIENCE, "https://second.example/"] })).resolves.toBeDefined();
    await expectRejected(validator.validateToken(token, { issuer: ISSUER, audience: [AUDIENCE] }), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expect(validator.validateToken(token, { issuer: ISSUER, audience: [] })).rejects.toBeInstanceOf(InvalidArgumentException);
  });

  test("maxTokenAgeSeconds: iat required, and no older than the limit plus the leeway", async () => {
    const { validator } = makeValidator({ maxTokenAgeSeconds: 300, leewaySeconds: 5 });
    await expect(validator.validateToken(await signJose(ring.rsa1, baseClaims({ iat: NOW - 304 })), OPTS)).resolves.toBeDefined();
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, baseClaims({ iat: NOW - 306 })), OPTS), ExpiredTokenException, AuthEvent.TOKEN_INVALID_EXPIRED);
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, baseClaims({ iat: undefined })), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    expect(() => makeValidator({ maxTokenAgeSeconds: 0 })).toThrow(InvalidArgumentException);
  });

  test('profile "rfc9068": typ at+jwt and the profile\'s claims', async () => {
    const { validator } = makeValidator({ profile: "rfc9068" });
    const claims = baseClaims({ client_id: CLIENT_ID, jti: "id-1" });
    await expect(validator.validateToken(await signJose(ring.rsa1, claims, "RS256", { typ: "at+JWT" }), OPTS)).resolves.toBeDefined();
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, claims, "RS256", { typ: "JWT" }), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, { ...claims, client_id: 7 }, "RS256", { typ: "at+jwt" }), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
    await expectRejected(validator.validateToken(await signJose(ring.rsa1, { ...claims, jti: undefined }, "RS256", { typ: "at+jwt" }), OPTS), InvalidTokenException, AuthEvent.TOKEN_INVALID);
  });
});
