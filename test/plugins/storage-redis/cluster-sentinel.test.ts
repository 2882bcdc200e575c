/**
 * The Redis store on a local Redis Cluster (3 masters, 1 replica each) and on a master + replica
 * watched by Sentinel, both started from the Debian redis-server: a key's value, lock and fence share
 * one slot, and a failover of the master holding the lock while a refresh is in flight (coordinated,
 * or forced by killing it) still costs one token call per expiry and loses no token.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import type { Credential } from "../../../src/kernel/index.js";
import { FileBackedOidcCredential, RefreshingOidcTokenRequestAuthenticator, type OidcRefreshClient } from "../../../src/plugins/oidc/index.js";
import { RedisStorageProvider, type RedisStorageProviderOptions } from "../../../src/plugins/storage-redis/index.js";
import { manualClock } from "../oidc/helpers.js";
import { redisDescribe } from "../../support/redis-server.js";
import { redisCli, startRedisCluster, startRedisSentinel, type TestRedisCluster, type TestRedisSentinel } from "../../support/redis-cluster.js";

const T0 = 1_700_000_000;

/** A scripted auth client whose token calls wait on `gate` while it is set; counts the calls. */
function gatedClient(clock: { now(): number }) {
  let n = 0;
  const client: OidcRefreshClient & { calls: number; gate?: Promise<void>; called?: () => void } = {
    calls: 0,
    async refresh(): Promise<Credential> {
      client.calls++;
      client.called?.();
      if (client.gate) await client.gate;
      return new FileBackedOidcCredential({ access_token: `at-${++n}`, refresh_token: "rt", expires_in: 100 }, null, null, clock);
    },
    login: () => Promise.reject(new Error("no login in this test")),
    canLoginUnattended: () => false,
  };
  return client;
}

/** An authenticator's last refresh error as "<class>: <message>", or null. */
function refreshError(auth: RefreshingOidcTokenRequestAuthenticator): string | null {
  const err = auth.lastRefreshError();
  return err instanceof Error ? `${err.name}: ${err.message}` : err === null ? null : String(err);
}

/** Until the provider answers from Redis again (its client reconnects by itself, at least every second). */
async function reachable(p: RedisStorageProvider): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await p.objExists(".probe").then(() => !p.isDegraded(), () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the provider did not reconnect");
}

/**
 * 3 processes (one provider each) on one expired token, the first `asking` of them asking for it at
 * once: resolves when one of them holds the lock and its token call is in flight, held until `open()`.
 * `headers` are the asking ones'.
 */
async function heldRefresh(options: RedisStorageProviderOptions, key: string, providers: RedisStorageProvider[], asking = 3) {
  const clock = manualClock(T0 * 1000);
  const client = gatedClient(clock);
  const fleet = [0, 1, 2].map(() => {
    const p = new RedisStorageProvider(options);
    providers.push(p);
    return p;
  });
  await fleet[0]!.saveObj(key, { access_token: "expired", refresh_token: "rt", _iat: T0 - 200, _exp: T0 - 100 });
  const auths = fleet.map((p) => new RefreshingOidcTokenRequestAuthenticator(new FileBackedOidcCredential(null, key, p, clock), client, { clock }));
  let open!: () => void;
  client.gate = new Promise<void>((r) => (open = r));
  const called = new Promise<void>((r) => (client.called = r));
  const headers = Promise.all(auths.slice(0, asking).map((a) => a.authorizationHeaders())).then((all) => all.map((h) => h.Authorization));
  await called;
  return { clock, client, fleet, auths, open, headers };
}

/**
 * `heldRefresh`, then `failover()` moves the master holding the lock before the token call is let
 * go: one call, every process gets its token, and Redis holds it. Then one more expiry, after the failover.
 */
async function failoverDuringRefresh(options: RedisStorageProviderOptions, key: string, failover: () => Promise<void>, providers: RedisStorageProvider[]) {
  const { clock, client, fleet, auths, open, headers } = await heldRefresh(options, key, providers);
  try {
    await failover();
    await Promise.all(fleet.map(reachable));
  } finally {
    open(); // also when the failover failed: nothing is left waiting on the held token call
  }
  // No refresh fails (a process whose refresh failed would send its expired token); the errors show why one did.
  expect({ headers: await headers, refreshErrors: auths.map(refreshError) }).toEqual({ headers: ["Bearer at-1", "Bearer at-1", "Bearer at-1"], refreshErrors: [null, null, null] });
  expect(client.calls).toBe(1);
  const reader = new RedisStorageProvider(options);
  providers.push(reader);
  expect((await reader.loadObj(key)).access_token).toBe("at-1");
  // The next expiry, on the new master.
  client.gate = undefined;
  clock.set((T0 + 200) * 1000);
  expect((await Promise.all(auths.map((a) => a.authorizationHeaders()))).map((h) => h.Authorization)).toEqual(["Bearer at-2", "Bearer at-2", "Bearer at-2"]);
  expect(client.calls).toBe(2);
  expect((await reader.loadObj(key)).access_token).toBe("at-2");
}

redisDescribe(describe)("the Redis store on Redis Cluster", () => {
  let cluster: TestRedisCluster;
  const providers: RedisStorageProvider[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await cluster?.cleanup();
  });
  // Every node a seed, as a fleet would configure it: a client made while one is down still finds the cluster.
  const options = (): RedisStorageProviderOptions => ({
    url: cluster.url, nodes: cluster.ports.slice(1).map((port) => `127.0.0.1:${port}`), cluster: true, prefix: "c:", leaseMs: 10_000,
  });

  test("each object's value, lock and fence share one slot; objects spread over the masters; the client follows MOVED", async () => {
    const p = new RedisStorageProvider(options());
    providers.push(p);
    const keys = Array.from({ length: 12 }, (_, i) => `.planet/svc-${i}/token.json`);
    const masters = new Set<number>();
    for (const key of keys) {
      await p.withLock(key, () => p.saveObj(key, { access_token: key }));
      const slots = await Promise.all([`c:{${key}}`, `c:{${key}}#lock`, `c:{${key}}#fence`].map((k) => redisCli(cluster.ports[0]!, "cluster", "keyslot", k)));
      expect(new Set(slots).size).toBe(1);
      masters.add(await cluster.masterOf(`c:{${key}}`));
    }
    expect(masters.size).toBeGreaterThan(1); // so most keys were reached through a redirection
    for (const key of keys) {
      const fresh = new RedisStorageProvider(options());
      providers.push(fresh);
      expect((await fresh.loadObj(key)).access_token).toBe(key);
    }
    await p.objRename(keys[0]!, ".planet/renamed/token.json");
    expect(await p.objExists(keys[0]!)).toBe(false);
    expect((await p.loadObj(".planet/renamed/token.json")).access_token).toBe(keys[0]);
  }, 30_000);

  test("a failover of the master holding the lock while the token call is in flight: one call per expiry, no token lost", async () => {
    const key = ".planet/failover/token.json";
    await failoverDuringRefresh(options(), key, async () => {
      const master = await cluster.masterOf(`c:{${key}}`);
      expect((await redisCli(master, "exists", `c:{${key}}#lock`))).toBe("1"); // the lock is on this master
      const promoted = await cluster.failover(master);
      expect(await cluster.masterOf(`c:{${key}}`)).toBe(promoted);
    }, providers);
  }, 60_000);

  test("the token's slot served by no master (CLUSTERDOWN) for longer than the client's own retries, across the holder's write: one call, no token lost", async () => {
    const key = ".planet/clusterdown/token.json";
    const { client, open, headers, auths } = await heldRefresh(options(), key, providers); // one process holds the lock; the others wait
    const master = await cluster.masterOf(`c:{${key}}`);
    const slot = await redisCli(master, "cluster", "keyslot", `c:{${key}}`);
    // No node serves the slot: every command on the token's keys is answered CLUSTERDOWN.
    for (const port of cluster.ports) await redisCli(port, "cluster", "delslots", slot).catch(() => "");
    try {
      expect(await redisCli(master, "get", `c:{${key}}#lock`)).toMatch(/^CLUSTERDOWN/);
    } finally {
      open(); // the holder's fenced write meets CLUSTERDOWN
      await new Promise((r) => setTimeout(r, 2500)); // past the cluster client's own retries (16 x 100 ms)
      await redisCli(master, "cluster", "addslots", slot);
    }
    expect({ headers: await headers, refreshErrors: auths.map(refreshError) }).toEqual({ headers: ["Bearer at-1", "Bearer at-1", "Bearer at-1"], refreshErrors: [null, null, null] });
    expect(client.calls).toBe(1);
    const reader = new RedisStorageProvider(options());
    providers.push(reader);
    await reachable(reader);
    expect((await reader.loadObj(key)).access_token).toBe("at-1");
  }, 60_000);

  test("a provider made while the cluster's state is fail answers within its command timeout (degraded), and serves once the cluster is ok", async () => {
    const key = ".planet/cluster-fail/token.json";
    const writer = new RedisStorageProvider(options());
    providers.push(writer);
    await writer.saveObj(key, { access_token: "stored" });
    const master = await cluster.masterOf(`c:{${key}}`);
    const slot = await redisCli(master, "cluster", "keyslot", `c:{${key}}`);
    for (const port of cluster.ports) await redisCli(port, "cluster", "delslots", slot).catch(() => "");
    try {
      expect(await redisCli(cluster.ports[0]!, "cluster", "info")).toContain("cluster_state:fail");
      // A cluster client's first connection stays pending while the state is fail: the provider does not wait for it.
      const fresh = new RedisStorageProvider({ ...options(), commandTimeoutMs: 500 });
      providers.push(fresh);
      await expect(fresh.loadObj(key)).rejects.toThrow(/unreachable/);
      expect(fresh.isDegraded()).toBe(true);
      await redisCli(master, "cluster", "addslots", slot);
      await reachable(fresh);
      expect((await fresh.loadObj(key)).access_token).toBe("stored");
    } finally {
      await redisCli(master, "cluster", "addslots", slot).catch(() => "");
    }
  }, 60_000);

  test("processes that ask for the token while the master holding the lock is down (killed, not yet replaced): they wait for the failover; one call, no token lost", async () => {
    // A key on a master that still has a replica (another test may have crashed one already).
    let key = "";
    for (let i = 0; !key; i++) {
      const candidate = `.planet/asked-while-down-${i}/token.json`;
      if (await cluster.hasReplica(await cluster.masterOf(`c:{${candidate}}`))) key = candidate;
    }
    const { client, fleet, auths, open, headers: first } = await heldRefresh(options(), key, providers, 1); // takes the lock; its token call is held
    const master = await cluster.masterOf(`c:{${key}}`);
    let late!: Promise<Record<string, string>[]>;
    try {
      // The other two ask while no master serves the token's slot.
      await cluster.crash(master, `c:{${key}}`, () => (late = Promise.all(auths.slice(1).map((a) => a.authorizationHeaders()))));
      await Promise.all(fleet.map(reachable));
    } finally {
      open();
    }
    const headers = [...(await first), ...(await late).map((h) => h.Authorization)];
    expect({ headers, refreshErrors: auths.map(refreshError) }).toEqual({ headers: ["Bearer at-1", "Bearer at-1", "Bearer at-1"], refreshErrors: [null, null, null] });
    expect(client.calls).toBe(1);
  }, 60_000);

  test("the master holding the lock killed while the token call is in flight (a forced failover): one call per expiry, no token lost", async () => {
    const key = ".planet/crash/token.json";
    await failoverDuringRefresh(options(), key, async () => {
      const master = await cluster.masterOf(`c:{${key}}`);
      expect(await redisCli(master, "exists", `c:{${key}}#lock`)).toBe("1");
      expect(await cluster.crash(master, `c:{${key}}`)).not.toBe(master);
    }, providers);
  }, 60_000);
});

redisDescribe(describe)("the Redis store with Sentinel", () => {
  let sentinel: TestRedisSentinel;
  const providers: RedisStorageProvider[] = [];
  beforeAll(async () => {
    sentinel = await startRedisSentinel();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(providers.map((p) => p.close()));
    await sentinel?.cleanup();
  });

  test("the master is found through Sentinel, and its failover while the token call is in flight costs one call and loses no token", async () => {
    const options: RedisStorageProviderOptions = { url: sentinel.url, sentinel: sentinel.masterName, prefix: "s:", leaseMs: 10_000 };
    const key = ".planet/sentinel/token.json";
    await failoverDuringRefresh(options, key, async () => {
      const before = await sentinel.masterPort();
      expect(await redisCli(before, "exists", `s:{${key}}#lock`)).toBe("1");
      expect(await sentinel.failover()).not.toBe(before);
    }, providers);
  }, 60_000);
});
