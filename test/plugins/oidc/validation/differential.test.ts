/**
 * Differential test: the same corpus (valid tokens and the attack corpus) goes to our TokenValidator
 * and to jose.jwtVerify with equivalent options; every accept/reject verdict must agree.
 *
 * jose's key is `createLocalJWKSet` over the same JWKS, wrapped to require a `kid` (our validator
 * selects keys by kid only, runtime.md §6.1 step 4; jose would otherwise pick a lone matching key
 * for a kid-less token). `maxTokenAge` is set (to a century) so jose also rejects an `iat` in the
 * future, which the reference (PyJWT ≥ 2.10) does; every corpus token therefore carries `iat`.
 *
 * The few places where we are deliberately stricter than jose are listed in the last test, each
 * shown to be accepted by jose and rejected by us. Every verdict is reached on each of the validator's
 * paths: one validation at a time (verified on the main thread), and validations asked for after a
 * first one in the same turn (verified on the verifier threads, or on libuv's thread pool when they
 * are turned off).
 */
import { afterEach, beforeAll, describe, expect, jest, test } from "@jest/globals";
import crypto, { createPublicKey, sign } from "node:crypto";
import { availableParallelism } from "node:os";
import type { JWTVerifyGetKey } from "jose";
import { createLocalJWKSet, jwtVerify } from "jose";
import { TokenValidator } from "../../../../src/plugins/oidc/validation/index.js";
import { verifierThreads } from "../../../../src/plugins/oidc/validation/verifier-threads.js";
import type { KeyRing, TestKey } from "./fixtures.js";
import { AUDIENCE, ISSUER, NOW, NOW_MS, b64u, baseClaims, fixedClock, keyRing, memoryJwks, signJose, signRaw } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

const ALL_ALGS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];

interface Case {
  name: string;
  token: string;
}

async function buildCorpus(r: KeyRing): Promise<Case[]> {
  const cases: Case[] = [];
  const add = (name: string, token: string) => cases.push({ name, token });
  const keyFor: Record<string, TestKey> = {
    RS256: r.rsa1, RS384: r.rsa2, RS512: r.rsa1, PS256: r.ps, PS384: r.rsa2, PS512: r.rsa1,
    ES256: r.es256, ES384: r.es384, ES512: r.es512, EdDSA: r.ed, Ed25519: r.ed,
  };
  // Valid tokens, every algorithm, jose-signed and raw-signed.
  for (const [alg, key] of Object.entries(keyFor)) {
    add(`valid ${alg} (jose)`, await signJose(key, baseClaims(), alg));
    add(`valid ${alg} (raw)`, signRaw({ alg, kid: key.kid, typ: "JWT" }, baseClaims({ sub: `raw-${alg}` }), key.privateKey, alg));
  }
  add("valid aud list", await signJose(r.rsa1, baseClaims({ aud: ["x", AUDIENCE] })));
  add("valid with extra header params", signRaw({ alg: "RS256", kid: "rsa-1", typ: "at+jwt", cty: "x", b64: false }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("valid crit b64 true", signRaw({ alg: "RS256", kid: "rsa-1", crit: ["b64"], b64: true }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("valid header with BOM", signRaw(b64u("\ufeff" + JSON.stringify({ alg: "RS256", kid: "rsa-1" })), baseClaims(), r.rsa1.privateKey, "RS256"));
  add("valid without sub", await signJose(r.rsa1, baseClaims({ sub: undefined })));
  add("valid fractional exp", await signJose(r.rsa1, baseClaims({ exp: NOW + 0.5 })));

  // Time edges (evaluated under several leeways).
  for (const exp of [NOW - 31, NOW - 30, NOW - 29, NOW - 1, NOW - 0.5, NOW, NOW + 1]) add(`exp ${exp - NOW}`, await signJose(r.rsa1, baseClaims({ exp, iat: NOW - 100 })));
  for (const nbf of [NOW, NOW + 1, NOW + 30, NOW + 31]) add(`nbf +${nbf - NOW}`, await signJose(r.rsa1, baseClaims({ nbf })));
  for (const iat of [NOW, NOW + 1, NOW + 30, NOW + 31]) add(`iat +${iat - NOW}`, await signJose(r.rsa1, baseClaims({ iat })));
  add("exp string", await signJose(r.rsa1, baseClaims({ exp: String(NOW + 100) })));
  add("nbf string", await signJose(r.rsa1, baseClaims({ nbf: "0" })));
  add("iat string", await signJose(r.rsa1, baseClaims({ iat: "0" })));

  // alg none, alg confusion, untrusted and miscased algorithms.
  for (const alg of ["none", "None", "NONE"]) add(`alg ${alg}`, signRaw({ alg, kid: "rsa-1" }, baseClaims(), undefined, "none"));
  const pem = createPublicKey({ key: r.rsa1.publicJwk as never, format: "jwk" }).export({ type: "spki", format: "pem" }) as string;
  add("HS256 with RSA public key PEM as secret", signRaw({ alg: "HS256", kid: "rsa-1" }, baseClaims(), Buffer.from(pem), "HS256"));
  add("HS256 with RSA JWK as secret", signRaw({ alg: "HS256", kid: "rsa-1" }, baseClaims(), Buffer.from(JSON.stringify(r.rsa1.publicJwk)), "HS256"));
  add("HS512 without kid", signRaw({ alg: "HS512" }, baseClaims(), Buffer.from(pem), "HS512"));
  add("alg rs256 lower case", signRaw({ alg: "rs256", kid: "rsa-1" }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("alg missing", signRaw({ kid: "rsa-1" }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("alg number", signRaw({ alg: 1, kid: "rsa-1" }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("alg RSA-OAEP", signRaw({ alg: "RSA-OAEP", kid: "rsa-1" }, baseClaims(), r.rsa1.privateKey, "RS256"));

  // Key selection.
  add("RS256 by PS256-only key", await signJose(r.ps, baseClaims(), "RS256"));
  add("ES384 header on P-256 kid", signRaw({ alg: "ES384", kid: "ec-256" }, baseClaims(), r.es384.privateKey, "ES384"));
  add("EdDSA header on RSA kid", signRaw({ alg: "EdDSA", kid: "rsa-1" }, baseClaims(), r.ed.privateKey, "EdDSA"));
  add("weak RSA key", signRaw({ alg: "RS256", kid: "rsa-weak" }, baseClaims(), r.weakRsa.privateKey, "RS256"));

  // Bad signatures.
  const good = await signJose(r.rsa1);
  const [h, p, s] = good.split(".");
  const flipped = Buffer.from(s, "base64url");
  flipped[0] ^= 0x80;
  add("payload swapped", `${h}.${b64u(JSON.stringify(baseClaims({ sub: "admin" })))}.${s}`);
  add("signature bit flipped", `${h}.${p}.${flipped.toString("base64url")}`);
  add("signature empty", `${h}.${p}.`);
  add("signature truncated", `${h}.${p}.${b64u(Buffer.from(s, "base64url").subarray(0, 255))}`);
  add("signed by other JWKS key", await signJose(r.rsa2, baseClaims(), "RS256", { kid: "rsa-1" }));
  add("PKCS1 signature under PS256", signRaw({ alg: "PS256", kid: "ps-1" }, baseClaims(), r.ps.privateKey, "RS256"));
  add("PSS signature under RS256", signRaw({ alg: "RS256", kid: "rsa-1" }, baseClaims(), r.rsa1.privateKey, "PS256"));
  add("P-384 signature under ES256", signRaw({ alg: "ES256", kid: "ec-256" }, baseClaims(), r.es384.privateKey, "ES384"));
  const es = await signJose(r.es256);
  const [eh, ep] = es.split(".");
  add("ES256 DER signature", `${eh}.${ep}.${b64u(sign("sha256", Buffer.from(`${eh}.${ep}`), r.es256.privateKey))}`);
  add("ES256 signature zeroes", `${eh}.${ep}.${b64u(Buffer.alloc(64))}`);
  const ed = await signJose(r.ed);
  const [dh, dp, ds] = ed.split(".");
  const edFlip = Buffer.from(ds, "base64url");
  edFlip[63] ^= 1;
  add("EdDSA signature flipped", `${dh}.${dp}.${edFlip.toString("base64url")}`);

  // Claims.
  for (const iss of ["https://evil.example.com", `${ISSUER}/`, 42]) add(`iss ${String(iss)}`, await signJose(r.rsa1, baseClaims({ iss })));
  for (const aud of ["other", ["a", "b"], [], 7]) add(`aud ${JSON.stringify(aud)}`, await signJose(r.rsa1, baseClaims({ aud })));
  for (const drop of ["aud", "exp", "iss", "sub"]) {
    const claims = baseClaims();
    delete claims[drop];
    add(`missing ${drop}`, await signJose(r.rsa1, claims));
  }

  // kid attacks and ignored key-carrying headers.
  add("missing kid", signRaw({ alg: "RS256" }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("missing kid, ES256", signRaw({ alg: "ES256" }, baseClaims(), r.es256.privateKey, "ES256"));
  add("kid number", signRaw({ alg: "RS256", kid: 1 }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("unknown kid", signRaw({ alg: "RS256", kid: "bogus" }, baseClaims(), r.attacker.privateKey, "RS256"));
  add("embedded attacker jwk, no kid", signRaw({ alg: "RS256", jwk: r.attacker.publicJwk }, baseClaims(), r.attacker.privateKey, "RS256"));
  add("embedded attacker jwk, real kid", signRaw({ alg: "RS256", kid: "rsa-1", jwk: r.attacker.publicJwk }, baseClaims(), r.attacker.privateKey, "RS256"));
  add("jku", signRaw({ alg: "RS256", kid: "rsa-1", jku: "https://evil.example.com/jwks" }, baseClaims(), r.attacker.privateKey, "RS256"));
  add("x5u", signRaw({ alg: "RS256", kid: "rsa-1", x5u: "https://evil.example.com/x.pem" }, baseClaims(), r.attacker.privateKey, "RS256"));

  // crit.
  add("crit unknown", signRaw({ alg: "RS256", kid: "rsa-1", crit: ["exp"], exp: 1 }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("crit empty", signRaw({ alg: "RS256", kid: "rsa-1", crit: [] }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("crit not array", signRaw({ alg: "RS256", kid: "rsa-1", crit: "b64", b64: true }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("crit b64 absent", signRaw({ alg: "RS256", kid: "rsa-1", crit: ["b64"] }, baseClaims(), r.rsa1.privateKey, "RS256"));
  add("crit b64 false", signRaw({ alg: "RS256", kid: "rsa-1", crit: ["b64"], b64: false }, baseClaims(), r.rsa1.privateKey, "RS256"));

  // Malformed.
  add("one segment", "abc");
  add("two segments", `${h}.${p}`);
  add("four segments", `${h}.${p}.${s}.${s}`);
  add("empty payload segment", `${h}..${s}`);
  add("bad base64url char", `${h}!.${p}.${s}`);
  add("base64 alphabet +", `${h}.${p}.${s.slice(0, -2)}+A`);
  add("length 1 mod 4", `${h}.${p}.${s}AAA`);
  add("header not JSON", `${b64u("not json")}.${p}.${s}`);
  add("header array", `${b64u("[]")}.${p}.${s}`);
  add("header invalid UTF-8", `${b64u(Buffer.from([0x7b, 0xff, 0x7d]))}.${p}.${s}`);
  for (const payload of ['"string"', "[1]", "12", "null", "{bad"]) {
    add(`payload ${payload}`, signRaw({ alg: "RS256", kid: "rsa-1" }, b64u(payload), r.rsa1.privateKey, "RS256"));
  }
  add("payload invalid UTF-8", signRaw({ alg: "RS256", kid: "rsa-1" }, b64u(Buffer.from([0x7b, 0xff, 0x7d])), r.rsa1.privateKey, "RS256"));
  return cases;
}

interface OptionSet {
  name: string;
  algorithms: string[];
  leeway: number;
  requiredClaims: string[];
}

const OPTION_SETS: OptionSet[] = [
  { name: "all algorithms, zero leeway", algorithms: ALL_ALGS, leeway: 0, requiredClaims: [] },
  { name: "RS256 only (default)", algorithms: ["RS256"], leeway: 0, requiredClaims: [] },
  { name: "all algorithms, 30 s leeway, sub required", algorithms: ALL_ALGS, leeway: 30, requiredClaims: ["sub"] },
];

function joseKey(jwks: { keys: unknown[] }): JWTVerifyGetKey {
  const local = createLocalJWKSet(jwks as never);
  return (header, token) => {
    if (typeof header.kid !== "string" || header.kid.length === 0) throw new Error("kid required");
    return local(header, token);
  };
}

async function joseVerdict(token: string, set: OptionSet, key: JWTVerifyGetKey): Promise<boolean> {
  try {
    await jwtVerify(token, key, {
      algorithms: set.algorithms,
      issuer: ISSUER,
      audience: AUDIENCE,
      clockTolerance: set.leeway,
      requiredClaims: ["exp", ...set.requiredClaims],
      currentDate: new Date(NOW_MS),
      maxTokenAge: 100 * 365 * 86_400,
    });
    return true;
  } catch {
    return false;
  }
}

async function ourVerdict(validator: TokenValidator, token: string, set: OptionSet): Promise<boolean> {
  try {
    await validator.validateToken(token, { issuer: ISSUER, audience: AUDIENCE, requiredClaims: set.requiredClaims });
    return true;
  } catch {
    return false;
  }
}

/**
 * Count verifications by path: the callback form of node:crypto's `verify` runs on the thread pool;
 * its synchronous form, and the public-key operation RS256/384/512 use (`publicDecrypt`), run on this thread; the
 * verifier threads count what they are handed.
 */
function countVerifications(): { main: number; pool: number; readonly threads: number } {
  const counts = { main: 0, pool: 0, handedBefore: verifierThreads.handed, get threads() { return verifierThreads.handed - this.handedBefore; } };
  const originalVerify = crypto.verify;
  jest.spyOn(crypto, "verify").mockImplementation(((...args: Parameters<typeof originalVerify>) => {
    if (typeof args[4] === "function") counts.pool++;
    else counts.main++;
    return (originalVerify as (...a: unknown[]) => unknown)(...args);
  }) as typeof originalVerify);
  const originalPublicDecrypt = crypto.publicDecrypt;
  jest.spyOn(crypto, "publicDecrypt").mockImplementation((...args: Parameters<typeof originalPublicDecrypt>) => {
    counts.main++;
    return originalPublicDecrypt(...args);
  });
  return counts;
}
afterEach(() => {
  jest.restoreAllMocks();
});
// A single core has no verifier threads (every validation is then verified here or on libuv's pool).
const onThreads = availableParallelism() > 1 ? test : test.skip;

describe("where a signature is verified", () => {
  async function setup(n: number, options: { verifierThreads?: boolean } = {}) {
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock, ...options });
    await validator.jwksKeyCache.refresh();
    const tokens = await Promise.all(Array.from({ length: n }, (_, i) => signJose(ring.rsa1, baseClaims({ sub: `u${i}` }))));
    const validate = (token: string) => validator.validateToken(token, { issuer: ISSUER, audience: AUDIENCE });
    return { tokens, validate };
  }

  onThreads("the first of a turn is verified here, the next ones on the verifier threads", async () => {
    const { tokens, validate } = await setup(4);
    const counts = countVerifications();
    const first = tokens.slice(0, 3).map(validate); // one here, two to the threads
    await null; // the next turn
    const next = validate(tokens[3]); // the first of its turn: here
    expect(await Promise.all([...first, next])).toEqual(tokens.map((_, i) => expect.objectContaining({ sub: `u${i}` })));
    expect(counts).toMatchObject({ main: 2, pool: 0, threads: 2 });
  });

  onThreads("past 16 waiting on a verifier thread, the others are verified here", async () => {
    const { tokens, validate } = await setup(40);
    const threads = verifierThreads.threadCount();
    const counts = countVerifications();
    verifierThreads.pause(true); // nothing answered until the whole burst is placed
    const results = tokens.map(validate);
    verifierThreads.pause(false);
    expect((await Promise.all(results)).map((c) => c.sub)).toEqual(tokens.map((_, i) => `u${i}`));
    // The first here; 16 for each thread; the rest here.
    expect(counts).toMatchObject({ main: 40 - 16 * threads, pool: 0, threads: 16 * threads });
  });

  onThreads("a token whose signing input does not fit a verifier thread's slot is verified here", async () => {
    const { validate } = await setup(0);
    const big = await signJose(ring.rsa1, baseClaims({ sub: "big", padding: "x".repeat(6000) }));
    const small = await signJose(ring.rsa1, baseClaims({ sub: "small" }));
    const counts = countVerifications();
    const results = await Promise.all([validate(small), validate(big), validate(small)]);
    expect(results.map((c) => c.sub)).toEqual(["small", "big", "small"]);
    expect(counts).toMatchObject({ main: 2, pool: 0, threads: 1 });
  });

  onThreads("signatures a verifier thread held when it stopped are verified here, and later ones start new threads", async () => {
    const { tokens, validate } = await setup(8);
    const bad = `${tokens[7].slice(0, tokens[7].lastIndexOf("."))}.${tokens[6].slice(tokens[6].lastIndexOf(".") + 1)}`;
    const counts = countVerifications();
    const unansweredBefore = verifierThreads.unanswered;
    const results = [...tokens.slice(0, 7), bad].map((t) => validate(t).then((c) => c.sub, (e: Error) => e.message));
    const stopped = verifierThreads.terminate();
    expect(await Promise.all(results)).toEqual([...tokens.slice(0, 7).map((_, i) => `u${i}`), "Token signature verification failed"]);
    await stopped;
    // One here, seven handed over; those the thread had not answered when it stopped were verified here.
    expect(counts.threads).toBe(7);
    expect(counts.main).toBe(1 + verifierThreads.unanswered - unansweredBefore);
    // After the stop, a new burst goes to new threads, which learn the key again.
    const before = verifierThreads.handed;
    expect((await Promise.all(tokens.slice(0, 3).map(validate))).map((c) => c.sub)).toEqual(["u0", "u1", "u2"]);
    expect(verifierThreads.handed - before).toBe(2);
  });

  test("without verifier threads: this thread takes one per turn while the thread pool holds fewer than its 4 threads", async () => {
    const { tokens, validate } = await setup(4, { verifierThreads: false });
    const counts = countVerifications();
    const first = tokens.slice(0, 3).map(validate); // one here, two to the pool
    await null; // the next turn: the pool's answers come later, in a callback
    const next = validate(tokens[3]); // two on the pool: verified here
    expect(counts).toMatchObject({ main: 2, pool: 2, threads: 0 });
    await Promise.all([...first, next]);
  });

  test("without verifier threads: from 4 on the thread pool, every validation goes there", async () => {
    const { tokens, validate } = await setup(7, { verifierThreads: false });
    const counts = countVerifications();
    const first = tokens.slice(0, 6).map(validate); // one here, five to the pool
    await null;
    const next = validate(tokens[6]);
    await Promise.all([...first, next]);
    expect(counts).toMatchObject({ main: 1, pool: 6, threads: 0 });
  });
});

describe("differential: TokenValidator vs jose.jwtVerify", () => {
  test.each(OPTION_SETS)("every verdict agrees on the thread pool, the whole corpus at once ($name)", async (set) => {
    const corpus = await buildCorpus(ring);
    const key = joseKey(ring.jwks);
    const clock = fixedClock();
    const validator = new TokenValidator(
      { fetchJwks: memoryJwks(ring.jwks).fetcher, clock },
      { clock, trustedAlgorithms: set.algorithms, leewaySeconds: set.leeway, verifierThreads: false },
    );
    const expected = await Promise.all(corpus.map(({ token }) => joseVerdict(token, set, key)));
    await validator.jwksKeyCache.refresh(); // keys at hand: every validation reaches its signature in the same turn
    const counts = countVerifications();
    // The first validation of a turn is verified on this thread; every one asked for after it in that turn goes to the pool.
    const first = ourVerdict(validator, corpus[expected.indexOf(true)].token, set);
    const ours = await Promise.all(corpus.map(({ token }) => ourVerdict(validator, token, set)));
    const disagreements = corpus.flatMap((c, i) => (ours[i] === expected[i] ? [] : [`${c.name}: jose ${expected[i]}, ours ${ours[i]}`]));
    expect(disagreements).toEqual([]);
    expect(await first).toBe(true);
    expect(counts.pool).toBeGreaterThan(20);
    expect(counts.main).toBe(1);
    expect(expected.filter(Boolean).length).toBeGreaterThan(set.algorithms.length > 1 ? 25 : 10);
  });

  onThreads.each(OPTION_SETS)("every verdict agrees on the verifier threads ($name)", async (set) => {
    const corpus = await buildCorpus(ring);
    const key = joseKey(ring.jwks);
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock, trustedAlgorithms: set.algorithms, leewaySeconds: set.leeway });
    const expected = await Promise.all(corpus.map(({ token }) => joseVerdict(token, set, key)));
    await validator.jwksKeyCache.refresh();
    const anchor = corpus[expected.indexOf(true)].token;
    const counts = countVerifications();
    const unansweredBefore = verifierThreads.unanswered;
    // In turns of 8 after a first validation (verified here), fewer than a thread's 16: each of the 8 is handed to a thread.
    const ours: boolean[] = [];
    let signaturesReached = 0;
    for (let i = 0; i < corpus.length; i += 8) {
      const checksBefore = validator.signatureChecks;
      const first = ourVerdict(validator, anchor, set);
      const turn = corpus.slice(i, i + 8).map(({ token }) => ourVerdict(validator, token, set));
      signaturesReached += validator.signatureChecks - checksBefore - 1;
      expect(await first).toBe(true);
      ours.push(...(await Promise.all(turn)));
    }
    const disagreements = corpus.flatMap((c, i) => (ours[i] === expected[i] ? [] : [`${c.name}: jose ${expected[i]}, ours ${ours[i]}`]));
    expect(disagreements).toEqual([]);
    expect(counts.threads).toBe(signaturesReached);
    expect(counts.threads).toBeGreaterThan(40);
    expect(verifierThreads.unanswered).toBe(unansweredBefore); // every verdict is the thread's own
    expect(counts.pool).toBe(0);
  });

  test.each(OPTION_SETS)("every verdict agrees ($name)", async (set) => {
    const corpus = await buildCorpus(ring);
    const key = joseKey(ring.jwks);
    const clock = fixedClock();
    const plain = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock, trustedAlgorithms: set.algorithms, leewaySeconds: set.leeway });
    const cached = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock, trustedAlgorithms: set.algorithms, leewaySeconds: set.leeway, verifiedTokenCacheSize: 1000 });
    const counts = countVerifications();
    const disagreements: string[] = [];
    let accepted = 0;
    for (const pass of [1, 2]) {
      for (const { name, token } of corpus) {
        const expected = await joseVerdict(token, set, key);
        const ours = await ourVerdict(plain, token, set);
        const oursCached = await ourVerdict(cached, token, set);
        if (ours !== expected || oursCached !== expected) disagreements.push(`pass ${pass} ${name}: jose ${expected}, ours ${ours}, cached ${oursCached}`);
        if (pass === 1 && expected) accepted++;
      }
    }
    expect(disagreements).toEqual([]);
    // The corpus exercises both verdicts substantially.
    expect(accepted).toBeGreaterThan(set.algorithms.length > 1 ? 25 : 10);
    expect(corpus.length - accepted).toBeGreaterThan(60);
    expect(cached.verifiedTokenCacheEntries).toBeGreaterThan(0);
    // One validation at a time: every signature verified on the main thread.
    expect(counts.main).toBeGreaterThan(20);
    expect(counts.pool).toBe(0);
  });

  test("where we are deliberately stricter than jose (documented differences)", async () => {
    const key = joseKey(ring.jwks);
    const set = OPTION_SETS[0];
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock, trustedAlgorithms: set.algorithms });
    const good = await signJose(ring.rsa1);
    const [h, p, s] = good.split(".");
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const stricter: Record<string, string> = {
      // jose on Node 20 decodes with atob, which forgives these; a token has one spelling here.
      "padded signature": `${h}.${p}.${s}==`,
      "whitespace in signature": `${h}.${p}.${s.slice(0, 10)} ${s.slice(10)}`,
      "non-canonical trailing bits": `${h}.${p}.${s.slice(0, -1)}${alphabet[alphabet.indexOf(s[s.length - 1]) + 1]}`,
      // PyJWT rules the reference applies (runtime.md §6.1) that jose does not.
      "sub not a string": await signJose(ring.rsa1, baseClaims({ sub: 12 })),
      "jti not a string": await signJose(ring.rsa1, baseClaims({ jti: 12 })),
      "aud list with a non-string": await signJose(ring.rsa1, baseClaims({ aud: [AUDIENCE, 7] })),
      "required claim present but null": await signJose(ring.rsa1, baseClaims({ sub: null })),
      // exp of 1e999 parses as Infinity: never expiring is not a NumericDate.
      "exp Infinity": signRaw({ alg: "RS256", kid: "rsa-1" }, b64u(`{"iss":"${ISSUER}","aud":"${AUDIENCE}","exp":1e999,"iat":${NOW}}`), ring.rsa1.privateKey, "RS256"),
    };
    for (const [name, token] of Object.entries(stricter)) {
      const required = name.includes("null") ? ["sub"] : [];
      expect([name, await joseVerdict(token, { ...set, requiredClaims: required }, key)]).toEqual([name, true]);
      expect([name, await ourVerdict(validator, token, { ...set, requiredClaims: required })]).toEqual([name, false]);
    }
  });
});
