/**
 * Token refreshes through the Redis store, in one process with one provider per simulated process:
 * a waiter learns of the holder's token the moment it is written (not when the lock comes free), and
 * in steady state the refresh runs ahead of expiry so no request waits.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Credential } from "../../../src/kernel/index.js";
import { FileBackedOidcCredential, RefreshingOidcTokenRequestAuthenticator, type OidcRefreshClient } from "../../../src/plugins/oidc/index.js";
import { RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";
import { manualClock } from "../oidc/helpers.js";
import { redisDescribe, startRedis, type TestRedis } from "../../support/redis-server.js";

const T0 = 1_700_000_000;
const KEY = ".planet/wakeup/token.json";

/** A scripted auth client: counts refreshes and issues opaque tokens valid for 100 s from the clock. */
function countingClient(clock: { now(): number }) {
  let n = 0;
  const client: OidcRefreshClient & { refreshes: number } = {
    refreshes: 0,
    async refresh(): Promise<Credential> {
      client.refreshes++;
      return new FileBackedOidcCredential({ access_token: `at-${++n}`, refresh_token: "rt", expires_in: 100 }, null, null, clock);
    },
    login: () => Promise.reject(new Error("no login in this test")),
    canLoginUnattended: () => false,
  };
  return client;
}

redisDescribe(describe)("refreshes through the Redis store", () => {
  let redis: TestRedis;
  const providers: RedisStorageProvider[] = [];
  const provider = () => {
    const p = new RedisStorageProvider({ url: redis.url, prefix: "wake:", leaseMs: 60_000 });
    providers.push(p);
    return p;
  };
  const authenticator = (p: RedisStorageProvider, clock: { now(): number }, client: OidcRefreshClient, key = KEY) =>
    new RefreshingOidcTokenRequestAuthenticator(new FileBackedOidcCredential(null, key, p, clock), client, { clock });

  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await redis.cleanup();
  });

  test("a waiter takes the holder's token when it is written, while the holder still holds the lock", async () => {
    const clock = manualClock(T0 * 1000);
    const [holder, waiter] = [provider(), provider()];
    await holder.saveObj(KEY, { access_token: "expired", refresh_token: "rt", _iat: T0 - 200, _exp: T0 - 100 });
    const client = countingClient(clock);
    const auth = authenticator(waiter, clock, client);
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let write!: () => void;
    const writing = new Promise<void>((r) => (write = r));
    let holding!: () => void;
    const holds = new Promise<void>((r) => (holding = r));
    const events: string[] = [];
    // The holder writes a fresh token under its lease, then keeps the lock (e.g. still saving other files) until told.
    const held = holder.withLock(KEY, async () => {
      holding();
      await writing;
      await holder.saveObj(KEY, { access_token: "fresh", refresh_token: "rt", _iat: T0, _exp: T0 + 100 });
      await released;
      events.push("holder released");
    });
    await holds;
    const headers = auth.authorizationHeaders().then((h) => (events.push("waiter has a token"), h));
    await new Promise((r) => setTimeout(r, 50)); // the waiter is waiting for the lock
    write();
    const timeout = setTimeout(release, 5000); // without the wake-up on write, the waiter would wait for this
    expect((await headers).Authorization).toBe("Bearer fresh");
    release();
    clearTimeout(timeout);
    await held;
    expect(events).toEqual(["waiter has a token", "holder released"]);
    expect(client.refreshes).toBe(0);
  }, 10_000);

  test("steady state: past the refresh point and before expiry, no request waits, and the fleet makes one refresh", async () => {
    const clock = manualClock(T0 * 1000);
    const key = ".planet/wakeup/steady.json";
    const client = countingClient(clock);
    const fleet = [provider(), provider(), provider()].map((p) => authenticator(p, clock, client, key));
    await providers[0]!.saveObj(key, { access_token: "first", refresh_token: "rt", _iat: T0, _exp: T0 + 100 });
    for (const a of fleet) expect((await a.authorizationHeaders()).Authorization).toBe("Bearer first");
    clock.set((T0 + 80) * 1000); // past ¾ of the lifetime, still valid
    for (const a of fleet) expect(a.preRequestHook()).toBeUndefined(); // synchronous: nobody waits
    await Promise.all(fleet.map((a) => a.refreshSettled()));
    expect(client.refreshes).toBe(1);
    const tokens = await Promise.all(fleet.map(async (a) => (await a.authorizationHeaders()).Authorization));
    expect(tokens).toEqual(["Bearer at-1", "Bearer at-1", "Bearer at-1"]);
  });
});
