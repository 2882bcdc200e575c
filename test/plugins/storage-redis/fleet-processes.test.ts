/**
 * A fleet of processes sharing one token through one real redis-server: each expiry costs exactly
 * one token-endpoint call (counted at the issuer) however many processes and concurrent requests
 * need the token, and every process ends with the token the one call returned.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startDevIssuer, type DevIssuer } from "../../../src/devtools/index.js";
import type { JsonObject } from "../../../src/kernel/index.js";
import { RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";
import { redisDescribe, startRedis, type TestRedis } from "../../support/redis-server.js";
import { startFleet, tokenEndpointCounter, type Fleet, type RoundResult } from "./support/fleet.js";

const PROCESSES = 8;
const REQUESTS = 1000;
const EXPIRIES = 20;
/**
 * Longer than the issuer's access-token lifetime (3600 s): each round's clocks are past the last token's
 * expiry. The tokens are opaque, so their lifetime is counted on the processes' clocks from `expires_in`
 * (a JWT's own `iat`/`exp` would be on the issuer's clock).
 */
const EXPIRY_STEP_S = 2 * 3600;
/** Expiries of the rotation test, which waits out real 2 s token lifetimes (about 2.5 s each). */
const ROTATING_EXPIRIES = 20;
const TOKEN_KEY = ".planet/fleet/token.json";

function expectOneSharedToken(results: RoundResult[], stored: string): void {
  for (const r of results) {
    expect(r.errors).toEqual([]);
    expect(r.authorizations).toEqual([`Bearer ${stored}`]);
  }
  expect(results.reduce((n, r) => n + r.refreshed, 0)).toBe(1);
}

redisDescribe(describe)("a fleet of processes sharing one token through Redis", () => {
  let redis: TestRedis;
  let op: DevIssuer;
  let reader: RedisStorageProvider;
  let fleet: Fleet | undefined;
  let victim: Fleet | undefined;
  beforeAll(async () => {
    [redis, op] = await Promise.all([startRedis(), startDevIssuer({ accessTokenFormat: "opaque" })]);
    reader = new RedisStorageProvider({ url: redis.url, prefix: "fleet:" });
  });
  afterAll(async () => {
    await Promise.all([fleet?.stop(), victim?.stop()]);
    await reader.close();
    await Promise.all([redis.cleanup(), op.stop()]);
  });
  const storedAccessToken = async (key = TOKEN_KEY) => String((await reader.loadObj(key)).access_token);

  test(`${PROCESSES} processes × ${REQUESTS} concurrent requests on one expired token: 1 token-endpoint call per expiry, ${EXPIRIES} expiries`, async () => {
    const calls = tokenEndpointCounter(op);
    fleet = await startFleet(PROCESSES, { redisUrl: redis.url, prefix: "fleet:", tokenKey: TOKEN_KEY, config: op.authClientConfig("oidc_client_credentials_secret") });
    const seen = new Set<string>();
    // Round 0 is the first login (no token in Redis yet); rounds 1..EXPIRIES each follow an expiry.
    for (let round = 0; round <= EXPIRIES; round++) {
      const before = calls.calls;
      const results = await fleet.round(round * EXPIRY_STEP_S, REQUESTS);
      expect(calls.calls - before).toBe(1);
      const stored = await storedAccessToken();
      expectOneSharedToken(results, stored);
      expect(seen.has(stored)).toBe(false);
      seen.add(stored);
    }
    await fleet.stop();
  }, 90_000);

  test("the lease holder killed (SIGKILL) while its token call is stalled: another process takes over after the lease, 1 call per expiry, no torn value", async () => {
    const calls = tokenEndpointCounter(op);
    const stalled = await startStallingTokenEndpoint();
    const key = ".planet/fleet/killed.json";
    const config = op.authClientConfig("oidc_client_credentials_secret");
    try {
      fleet = await startFleet(4, { redisUrl: redis.url, prefix: "fleet:", tokenKey: key, config });
      expectOneSharedToken(await fleet.round(0, REQUESTS), await storedAccessToken(key));
      for (let expiry = 1; expiry <= 2; expiry++) {
        // The victim's token endpoint never answers: it takes the lease, calls, and is killed mid-call.
        victim = await startFleet(1, { redisUrl: redis.url, prefix: "fleet:", tokenKey: key, config: { ...config, token_endpoint: stalled.url } });
        const before = calls.calls;
        const stalledBefore = stalled.requests;
        victim.send(0, expiry * EXPIRY_STEP_S, 1);
        await stalled.nextRequest();
        expect(stalled.requests).toBe(stalledBefore + 1);
        await victim.kill(0);
        const results = await fleet.round(expiry * EXPIRY_STEP_S, REQUESTS);
        expect(calls.calls - before).toBe(1);
        expect(calls.failed).toBe(0);
        const stored = await reader.loadObj(key); // parses: a whole token, not a torn one
        expect(typeof stored._exp).toBe("number");
        expectOneSharedToken(results, String(stored.access_token));
      }
      await fleet.stop();
    } finally {
      await stalled.stop();
    }
  }, 90_000);

  test(`refresh-token rotation with reuse detection: ${PROCESSES} processes sharing one login refresh ${ROTATING_EXPIRIES} times, 0 revoked grants`, async () => {
    // Real time here: a refreshed ID token is validated on the process's clock, so the clocks stay true
    // and the access tokens live 2 s instead.
    const rotating = await startDevIssuer({ accessTokenTtl: 2, configuration: { rotateRefreshToken: true } });
    const revoked = { grants: 0 };
    rotating.provider.on("grant.revoked", () => revoked.grants++);
    const calls = tokenEndpointCounter(rotating);
    const key = ".planet/fleet/login.json";
    try {
      // One login by the parent (auth code + PKCE, the scripted user consenting), stored where the fleet reads it.
      const login = await rotating.authCodeTokens({ scope: "openid offline_access" });
      expect(typeof login.refresh_token).toBe("string");
      const now = Math.floor(Date.now() / 1000);
      await reader.saveObj(key, { ...login, _iat: now, _exp: now + Number(login.expires_in) } as JsonObject);
      const config = rotating.authClientConfig("oidc_auth_code");
      fleet = await startFleet(PROCESSES, { redisUrl: redis.url, prefix: "fleet:", tokenKey: key, config });
      const refreshTokens = new Set([login.refresh_token]);
      for (let expiry = 1; expiry <= ROTATING_EXPIRIES; expiry++) {
        const exp = Number((await reader.loadObj(key))._exp);
        await new Promise((r) => setTimeout(r, Math.max(0, exp * 1000 + 50 - Date.now()))); // the shared token has expired
        const before = calls.calls;
        const results = await fleet.round(0, REQUESTS);
        expect(calls.calls - before).toBe(1);
        const stored = await reader.loadObj(key);
        expectOneSharedToken(results, String(stored.access_token));
        expect(refreshTokens.has(stored.refresh_token)).toBe(false); // rotated at every refresh
        refreshTokens.add(stored.refresh_token);
      }
      expect(calls.failed).toBe(0);
      expect(revoked.grants).toBe(0);
      await fleet.stop();
    } finally {
      await rotating.stop();
    }
  }, 150_000);

  test("Redis stopped and restarted during the run: 0 failed requests while a valid token is held, one shared token again after the restart", async () => {
    const calls = tokenEndpointCounter(op);
    const key = ".planet/fleet/outage.json";
    fleet = await startFleet(4, { redisUrl: redis.url, prefix: "fleet:", tokenKey: key, config: op.authClientConfig("oidc_client_credentials_secret") });
    expectOneSharedToken(await fleet.round(0, REQUESTS), await storedAccessToken(key));
    const held = (await fleet.round(0, 1))[0]!.authorizations[0];
    await redis.stop();
    for (const offset of [60, 600, 1200]) { // the token is still valid (3600 s), Redis is down
      const before = calls.calls;
      for (const r of await fleet.round(offset, REQUESTS)) {
        expect(r.failed).toBe(0);
        expect(r.authorizations).toEqual([held]);
      }
      expect(calls.calls).toBe(before);
    }
    await redis.start();
    // Until a process has reconnected it locks within itself only; its client retries at least every second.
    await new Promise((r) => setTimeout(r, 2000));
    const before = calls.calls;
    const results = await fleet.round(EXPIRY_STEP_S, REQUESTS); // expired: refreshed, through Redis again
    const stored = await storedAccessToken(key);
    for (const r of results) {
      expect(r.failed).toBe(0);
      expect(r.authorizations).toEqual([`Bearer ${stored}`]);
    }
    expect(calls.calls - before).toBe(1);
    await fleet.stop();
  }, 90_000);
});

/** A token endpoint that accepts requests and never answers, like an issuer stalled mid-call. */
async function startStallingTokenEndpoint() {
  let wake: (() => void) | undefined;
  const state = { requests: 0 };
  const server = http.createServer(() => {
    state.requests++;
    wake?.();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`,
    get requests() {
      return state.requests;
    },
    nextRequest: () => new Promise<void>((r) => (wake = r)),
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
