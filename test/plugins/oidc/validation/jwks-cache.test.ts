import { beforeAll, describe, expect, test } from "@jest/globals";
import { KeyObject } from "node:crypto";
import { AuthException, TokenValidatorException } from "../../../../src/index.js";
import { AuthLogger } from "../../../../src/kernel/logging.js";
import { JwksKeyCache, SIGNATURE_ALGORITHMS } from "../../../../src/plugins/oidc/validation/index.js";
import type { KeyRing } from "./fixtures.js";
import { fixedClock, keyRing, memoryJwks } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

const RS256 = SIGNATURE_ALGORITHMS.get("RS256")!;
const PS256 = SIGNATURE_ALGORITHMS.get("PS256")!;
const ES256 = SIGNATURE_ALGORITHMS.get("ES256")!;
const EdDSA = SIGNATURE_ALGORITHMS.get("EdDSA")!;

function setup(keys: unknown[] = ring.jwks.keys, options: Partial<ConstructorParameters<typeof JwksKeyCache>[0]> = {}) {
  const endpoint = memoryJwks({ keys });
  const clock = fixedClock();
  const cache = new JwksKeyCache({ fetchJwks: endpoint.fetcher, clock, ...options });
  return { cache, endpoint, clock };
}

describe("JwksKeyCache", () => {
  test("loads keys as KeyObjects indexed by kid, with the algorithms each may verify", async () => {
    const { cache, endpoint } = setup();
    const rsa = await cache.getKey("rsa-1", RS256);
    expect(rsa?.key).toBeInstanceOf(KeyObject);
    expect(rsa?.key.type).toBe("public");
    expect(rsa?.kty).toBe("RSA");
    expect(rsa?.modulusLength).toBe(2048);
    expect([...rsa!.algorithms].sort()).toEqual(["PS256", "PS384", "PS512", "RS256", "RS384", "RS512"]);
    expect((await cache.getKey("ps-1", PS256))?.algorithms).toEqual(new Set(["PS256"]));
    expect((await cache.getKey("ec-256", ES256))?.crv).toBe("P-256");
    expect((await cache.getKey("ed-1", EdDSA))?.algorithms).toEqual(new Set(["EdDSA", "Ed25519"]));
    expect(cache.kids().sort()).toEqual(["ec-256", "ec-384", "ec-521", "ed-1", "ps-1", "rsa-1", "rsa-2"]);
    expect(endpoint.count).toBe(1);
    expect(cache.generation).toBe(1);
  });

  test("peekKey never fetches and answers only from a fresh cache", async () => {
    const { cache, endpoint, clock } = setup();
    expect(cache.peekKey("rsa-1", RS256)).toBeUndefined();
    expect(endpoint.count).toBe(0);
    await cache.refresh();
    expect(cache.peekKey("rsa-1", RS256)).toBeDefined();
    expect(cache.peekKey("rsa-1", ES256)).toBeUndefined(); // wrong key type for the alg
    clock.advance(3600);
    expect(cache.peekKey("rsa-1", RS256)).toBeUndefined(); // stale at max age
    expect(endpoint.count).toBe(1);
  });

  test("entries without kid, encryption keys, private/symmetric and unsupported keys are skipped; the rest load", async () => {
    const debug: string[] = [];
    const logger = new AuthLogger({ debug: (s: string) => debug.push(s), info: () => {}, warn: () => {}, error: () => {} });
    const { rsa1, es256 } = ring;
    const noKid = { ...rsa1.publicJwk, kid: undefined };
    const keys = [
      noKid,
      { ...rsa1.publicJwk, kid: "enc-use", use: "enc" },
      { ...rsa1.publicJwk, kid: "enc-alg", use: undefined, alg: "RSA-OAEP" },
      { ...rsa1.publicJwk, kid: "ops", key_ops: ["encrypt"] },
      { ...es256.publicJwk, kid: "es-as-rs", alg: "RS256" },
      { kty: "oct", kid: "hmac", k: "c2VjcmV0" },
      { kty: "OKP", kid: "x25519", crv: "X25519", x: "hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo" },
      { kty: "EC", kid: "secp256k1", crv: "secp256k1", x: "AAAA", y: "AAAA" },
      { ...rsa1.publicJwk, kid: "bad-n", n: "AQAB" },
      { ...ring.weakRsa.publicJwk },
      "not an object",
      null,
      rsa1.publicJwk,
      es256.publicJwk,
    ];
    const { cache } = setup(keys, { logger });
    await cache.refresh();
    expect(cache.kids().sort()).toEqual(["ec-256", "rsa-1"]);
    const text = debug.map((l) => JSON.parse(l).msg as string).join("\n");
    for (const kid of ["enc-use", "enc-alg", "ops", "es-as-rs", "hmac", "x25519", "secp256k1", "bad-n", "rsa-weak"]) {
      expect(text).toContain(`(kid "${kid}")`);
    }
    expect(text).toContain('#0 (kid (none)): no "kid"');
    expect(text).toContain("2 usable key(s) of 14");
  });

  test("a private key published in the JWKS is skipped", async () => {
    const { exportJWK } = await import("jose");
    const privateJwk = { ...(await exportJWK(ring.rsa1.privateKey)), kid: "leaked" };
    const { cache } = setup([privateJwk, ring.rsa2.publicJwk]);
    await cache.refresh();
    expect(cache.kids()).toEqual(["rsa-2"]);
  });

  test("concurrent lookups share one in-flight fetch", async () => {
    let release!: () => void;
    let count = 0;
    const gate = new Promise<void>((r) => (release = r));
    const clock = fixedClock();
    const cache = new JwksKeyCache({
      clock,
      fetchJwks: async () => {
        count++;
        await gate;
        return { keys: ring.jwks.keys };
      },
    });
    const lookups = Promise.all(["rsa-1", "rsa-2", "nope", "rsa-1"].map((kid) => cache.getKey(kid, RS256)));
    await new Promise((r) => setImmediate(r));
    expect(count).toBe(1);
    expect(cache.peekKey("rsa-1", RS256)).toBeUndefined(); // nothing cached while in flight
    release();
    const [a, b, c, d] = await lookups;
    expect(a?.kid).toBe("rsa-1");
    expect(b?.kid).toBe("rsa-2");
    expect(c).toBeUndefined();
    expect(d).toBe(a);
    expect(count).toBe(1);
  });

  test("unknown kid: one refetch per cooldown, however many lookups (strictly after the interval)", async () => {
    const { cache, endpoint, clock } = setup(ring.jwks.keys, { minJwksFetchIntervalSeconds: 60, maxAgeSeconds: 86_400 });
    await cache.refresh();
    expect(endpoint.count).toBe(1);
    for (let i = 0; i < 100; i++) expect(await cache.getKey(`bogus-${i}`, RS256)).toBeUndefined();
    expect(endpoint.count).toBe(1); // within the cooldown of the first fetch
    clock.advance(60);
    await cache.getKey("bogus", RS256);
    expect(endpoint.count).toBe(1); // last_fetch + interval < now is required
    clock.advance(1);
    await Promise.all(Array.from({ length: 100 }, (_, i) => cache.getKey(`bogus-${i}`, RS256)));
    expect(endpoint.count).toBe(2);
    for (let i = 0; i < 100; i++) await cache.getKey(`bogus-${i}`, RS256);
    expect(endpoint.count).toBe(2);
    // known kids never trigger a fetch
    for (let i = 0; i < 10; i++) expect(await cache.getKey("rsa-1", RS256)).toBeDefined();
    expect(endpoint.count).toBe(2);
  });

  test("a failing endpoint is not hammered: the unknown-kid cooldown counts failed attempts", async () => {
    const clock = fixedClock();
    let calls = 0;
    let failing = false;
    const cache = new JwksKeyCache({
      clock,
      fetchJwks: async () => {
        calls++;
        if (failing) throw new Error("503");
        return { keys: [ring.rsa1.publicJwk] };
      },
    });
    await cache.refresh();
    failing = true;
    clock.advance(301);
    const first = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => cache.getKey(`bogus-${i}`, RS256)));
    expect(first.every((r) => r.status === "rejected" && r.reason instanceof TokenValidatorException)).toBe(true);
    expect(calls).toBe(2);
    for (let i = 0; i < 20; i++) expect(await cache.getKey(`bogus-${i}`, RS256)).toBeUndefined();
    expect(calls).toBe(2);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined(); // known keys keep working
  });

  test("a key rotated in is found by the unknown-kid refetch once the cooldown has passed", async () => {
    const { cache, endpoint, clock } = setup([ring.rsa1.publicJwk]);
    await cache.refresh();
    endpoint.set({ keys: [ring.rsa1.publicJwk, ring.rsa2.publicJwk] });
    expect(await cache.getKey("rsa-2", RS256)).toBeUndefined();
    clock.advance(301);
    expect((await cache.getKey("rsa-2", RS256))?.kid).toBe("rsa-2");
    expect(endpoint.count).toBe(2);
  });

  test("max age forces a refetch; a removed key stops being trusted", async () => {
    const { cache, endpoint, clock } = setup([ring.rsa1.publicJwk, ring.rsa2.publicJwk], { maxAgeSeconds: 600 });
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined();
    endpoint.set({ keys: [ring.rsa2.publicJwk] });
    clock.advance(599);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined();
    expect(endpoint.count).toBe(1);
    clock.advance(1);
    expect(await cache.getKey("rsa-1", RS256)).toBeUndefined();
    expect(endpoint.count).toBe(2);
    expect(cache.lastFetchTime).toBe(clock.now());
  });

  test("generation increments only when the key set changes", async () => {
    const { cache, endpoint } = setup([ring.rsa1.publicJwk, ring.es256.publicJwk]);
    expect(cache.generation).toBe(0);
    await cache.refresh();
    expect(cache.generation).toBe(1);
    endpoint.set({ keys: [ring.es256.publicJwk, ring.rsa1.publicJwk, { ...ring.rsa1.publicJwk, kid: undefined }] }); // reordered, plus a skipped entry
    await cache.refresh();
    expect(cache.generation).toBe(1);
    endpoint.set({ keys: [ring.es256.publicJwk] });
    await cache.refresh();
    expect(cache.generation).toBe(2);
    endpoint.set({ keys: [] });
    await cache.refresh();
    expect(cache.generation).toBe(3);
    expect(cache.kids()).toEqual([]);
  });

  test("fetch timeout ⇒ TokenValidatorException, the signal is aborted; within the cooldown lookups fail without fetching, then retry", async () => {
    let signal: AbortSignal | undefined;
    let calls = 0;
    const clock = fixedClock();
    const cache = new JwksKeyCache({
      clock,
      timeoutMs: 20,
      fetchJwks: (s) => {
        calls++;
        signal = s;
        return calls === 1 ? new Promise(() => {}) : Promise.resolve({ keys: [ring.rsa1.publicJwk] });
      },
    });
    const err = await cache.getKey("rsa-1", RS256).catch((e) => e);
    expect(err).toBeInstanceOf(TokenValidatorException);
    expect(err.message).toContain("timed out after 20 ms");
    expect(signal?.aborted).toBe(true);
    await expect(cache.getKey("rsa-1", RS256)).rejects.toBe(err);
    expect(calls).toBe(1);
    clock.advance(31);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined();
    expect(calls).toBe(2);
  });

  test("fetch errors: AuthException passes through, others are wrapped; the old keys are kept", async () => {
    const clock = fixedClock();
    let mode: "ok" | "auth" | "other" | "malformed" = "ok";
    const authErr = new AuthException("JWKS endpoint returned 500");
    const cache = new JwksKeyCache({
      clock,
      maxAgeSeconds: 10,
      fetchJwks: async () => {
        if (mode === "auth") throw authErr;
        if (mode === "other") throw new Error("ECONNRESET");
        if (mode === "malformed") return { nokeys: true } as unknown as { keys: unknown[] };
        return { keys: [ring.rsa1.publicJwk] };
      },
    });
    await cache.refresh();
    mode = "auth";
    await expect(cache.refresh()).rejects.toBe(authErr);
    mode = "other";
    const wrapped = await cache.refresh().catch((e) => e);
    expect(wrapped).toBeInstanceOf(TokenValidatorException);
    expect(wrapped.message).toContain("ECONNRESET (Error)");
    expect(wrapped.cause).toBeInstanceOf(Error);
    mode = "malformed";
    await expect(cache.refresh()).rejects.toThrow(/no "keys" array/);
    expect(cache.peekKey("rsa-1", RS256)).toBeDefined(); // still fresh, old keys kept
    clock.advance(10);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined(); // stale, refetch failed within the cooldown: last good set
    clock.advance(21);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined(); // stale, the refetch fails: last good set
    expect(await cache.getKey("rsa-2", RS256).catch((e) => e)).toBeInstanceOf(TokenValidatorException); // not in it: the fetch error
    mode = "ok";
    clock.advance(31);
    expect(await cache.getKey("rsa-1", RS256)).toBeDefined();
    expect(cache.lastFetchTime).toBe(clock.now());
  });

  test("a kid shared by two usable keys for one algorithm is ambiguous and refused", async () => {
    const { cache } = setup([ring.rsa1.publicJwk, { ...ring.rsa2.publicJwk, kid: "rsa-1" }, { ...ring.es256.publicJwk, kid: "rsa-1" }]);
    await cache.refresh();
    expect(await cache.getKey("rsa-1", RS256)).toBeUndefined();
    expect((await cache.getKey("rsa-1", ES256))?.kty).toBe("EC");
  });

  test("rejects invalid options", () => {
    expect(() => new JwksKeyCache({} as never)).toThrow(TokenValidatorException);
    expect(() => setup([], { minJwksFetchIntervalSeconds: -1 })).toThrow(TokenValidatorException);
  });
});
