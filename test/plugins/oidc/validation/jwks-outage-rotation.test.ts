/**
 * The JWKS cache against a real local JWKS endpoint (127.0.0.1) that goes down and rotates keys,
 * with the injected clock: at most one fetch per cooldown in every state, the last good key set used
 * during an outage, and a newly published key found within the cooldown.
 */
import { afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { AuthException } from "../../../../src/kernel/errors.js";
import { UnknownSigningKeyTokenException } from "../../../../src/plugins/oidc/token-errors.js";
import { GotHttpClient } from "../../../../src/kernel/http.js";
import { AuthLogger } from "../../../../src/kernel/logging.js";
import { JwksApiClient } from "../../../../src/plugins/oidc/api/index.js";
import { JwksKeyCache, TokenValidator } from "../../../../src/plugins/oidc/validation/index.js";
import { AUDIENCE, ISSUER, NOW, baseClaims, fixedClock, keyRing, signJose, type KeyRing } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

/** A JWKS endpoint on 127.0.0.1 that can stop listening (connections refused) and come back on its port. */
async function startJwksServer(initial: { keys: unknown[] }) {
  let doc = initial;
  let server: Server | undefined;
  let port = 0;
  const listen = async () => {
    server = createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(doc)));
    await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  };
  await listen();
  return {
    get url() {
      return `http://127.0.0.1:${port}/jwks`;
    },
    publish(next: { keys: unknown[] }) {
      doc = next;
    },
    async down() {
      const current = server;
      if (!current) return;
      server = undefined;
      current.closeAllConnections();
      await new Promise((resolve) => current.close(resolve));
    },
    up: listen,
  };
}

type JwksServer = Awaited<ReturnType<typeof startJwksServer>>;
let running: JwksServer | undefined;
afterEach(async () => {
  await running?.down();
  running = undefined;
});

async function setup(initial: { keys: unknown[] }, options: { minJwksFetchIntervalSeconds?: number } = {}) {
  const server = (running = await startJwksServer(initial));
  const clock = fixedClock();
  const warnings: string[] = [];
  const logger = new AuthLogger({ debug: () => {}, info: () => {}, warn: (s: string) => warnings.push(s), error: () => {} });
  const http = new GotHttpClient({ retryLimit: 0, timeoutMs: 2000 });
  let fetches = 0;
  const cache = new JwksKeyCache({
    clock,
    logger,
    ...options,
    fetchJwks: (signal) => {
      fetches++;
      return new JwksApiClient({ http, jwksUri: server.url }).jwks({ signal });
    },
  });
  const validator = new TokenValidator(cache, { clock, logger });
  const validate = (token: string) => validator.validateToken(token, { issuer: ISSUER, audience: AUDIENCE });
  return { server, clock, cache, validate, warnings, fetches: () => fetches };
}

const longLived = () => baseClaims({ exp: NOW + 30 * 86_400 });

describe("JWKS endpoint outage", () => {
  test("no key set yet: 2,000 tokens cause one fetch per cooldown, each failing at once with the fetch error", async () => {
    const { server, clock, validate, fetches } = await setup({ keys: [ring.rsa1.publicJwk] });
    const token = await signJose(ring.rsa1, longLived());
    await server.down();
    for (let window = 1; window <= 2; window++) {
      const results = await Promise.allSettled(Array.from({ length: 1000 }, () => validate(token)));
      for (let i = 0; i < 1000; i++) await validate(token).catch(() => undefined);
      const reasons = new Set(results.map((r) => (r.status === "rejected" ? (r.reason as AuthException).code : "accepted")));
      expect(reasons).toEqual(new Set(["ERR_NETWORK"])); // the connection-refused error of the one fetch
      expect(fetches()).toBe(window);
      clock.advance(31); // the default cooldown is 30 s
    }
    await server.up();
    await expect(validate(token)).resolves.toMatchObject({ sub: "user-1" });
    expect(fetches()).toBe(3);
  });

  test("after a failed fetch the next one waits 1 s, doubling with each failure up to the cooldown; Retry-After says when", async () => {
    const { server, clock, cache, validate, fetches } = await setup({ keys: [ring.rsa1.publicJwk] });
    const token = await signJose(ring.rsa1, longLived());
    await server.down();
    const waits: number[] = [];
    const retryAfters: number[] = [];
    let waited = 0;
    while (waits.length < 7) {
      const before = fetches();
      await validate(token).catch(() => undefined);
      if (fetches() > before) {
        waits.push(waited);
        retryAfters.push(cache.retryAfterSeconds);
        waited = 0;
      }
      clock.advance(0.5);
      waited += 0.5;
    }
    // Attempts 0.5 s past each wait (the clock moves in 0.5 s steps): 1, 2, 4, 8, 16, then the 30 s cooldown.
    expect(waits).toEqual([0, 1.5, 2.5, 4.5, 8.5, 16.5, 30.5]);
    expect(retryAfters).toEqual([1, 2, 4, 8, 16, 30, 30]);
    await server.up();
    clock.advance(31);
    await expect(validate(token)).resolves.toMatchObject({ sub: "user-1" });
    expect(cache.retryAfterSeconds).toBe(0);
  });

  test("a key set past its max age keeps verifying tokens while the endpoint is down (stale-if-error), one fetch per cooldown", async () => {
    const { server, clock, validate, fetches, warnings } = await setup({ keys: [ring.rsa1.publicJwk] });
    const token = await signJose(ring.rsa1, longLived());
    await validate(token);
    expect(fetches()).toBe(1);
    await server.down();
    clock.advance(3601); // past the default max age of one hour
    for (let window = 1; window <= 2; window++) {
      for (let i = 0; i < 2000; i++) await expect(validate(token)).resolves.toMatchObject({ sub: "user-1" });
      expect(fetches()).toBe(1 + window);
      clock.advance(31);
    }
    expect(warnings.filter((w) => w.includes("still using the key set fetched"))).toHaveLength(2);
    // Unknown kids during the outage: no extra fetches within the cooldown, and they are not trusted.
    const bogus = await signJose({ ...ring.rsa2, kid: "not-published" }, longLived());
    const before = fetches();
    for (let i = 0; i < 100; i++) await expect(validate(bogus)).rejects.toBeDefined();
    expect(fetches() - before).toBeLessThanOrEqual(1);
  });
});

describe("JWKS key rotation", () => {
  test("a token signed with a key published after the last fetch is accepted once the 30 s cooldown has passed", async () => {
    const { server, clock, validate, fetches } = await setup({ keys: [ring.rsa1.publicJwk] });
    await validate(await signJose(ring.rsa1, longLived()));
    server.publish({ keys: [ring.rsa1.publicJwk, ring.rsa2.publicJwk] });
    const rotated = await signJose(ring.rsa2, longLived());
    clock.advance(1);
    await expect(validate(rotated)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException); // within the cooldown
    expect(fetches()).toBe(1);
    clock.advance(30);
    await expect(validate(rotated)).resolves.toMatchObject({ sub: "user-1" });
    expect(fetches()).toBe(2);
  });

  test("minJwksFetchIntervalSeconds stays a parameter", async () => {
    const { server, clock, validate } = await setup({ keys: [ring.rsa1.publicJwk] }, { minJwksFetchIntervalSeconds: 120 });
    await validate(await signJose(ring.rsa1, longLived()));
    server.publish({ keys: [ring.rsa2.publicJwk] });
    const rotated = await signJose(ring.rsa2, longLived());
    clock.advance(31);
    await expect(validate(rotated)).rejects.toBeInstanceOf(UnknownSigningKeyTokenException);
    clock.advance(90);
    await expect(validate(rotated)).resolves.toMatchObject({ sub: "user-1" });
  });
});
