/**
 * A fleet of processes sharing one token through one real redis-server: each expiry costs exactly
 * one token-endpoint call (counted at the issuer) however many processes and concurrent requests
 * need the token, and every process ends with the token the one call returned.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { startDevIssuer, type DevIssuer } from "../../../src/devtools/index.js";
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
  beforeAll(async () => {
    [redis, op] = await Promise.all([startRedis(), startDevIssuer({ accessTokenFormat: "opaque" })]);
    reader = new RedisStorageProvider({ url: redis.url, prefix: "fleet:" });
  });
  afterAll(async () => {
    await fleet?.stop();
    await reader.close();
    await Promise.all([redis.cleanup(), op.stop()]);
  });
  const storedAccessToken = async () => String((await reader.loadObj(TOKEN_KEY)).access_token);

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
});
