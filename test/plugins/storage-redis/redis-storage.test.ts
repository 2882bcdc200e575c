/** The Redis storage provider against a real redis-server: format, encryption, lease, fencing, outage. */
import { describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { generateIdentity, identityToRecipient } from "age-encryption";
import {
  AuthLogger, FileTooLargeException, InvalidDataException, ObjectNotFoundException, StorageException, createDefaultKernel,
} from "../../../src/index.js";
import { serializeJsonObject } from "../../../src/plugin-kit.js";
import { RedisAuthenticationException, RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";
import { captureLogger } from "../../support/capture-logger.js";
import { redisDescribe, redisStoreFixture, startRedis } from "../../support/redis-server.js";

const token = { access_token: "secret-access-token-value", refresh_token: "secret-refresh-token-value", _iat: 100, _exp: 200 };

redisDescribe(describe)("RedisStorageProvider", () => {
  const store = redisStoreFixture({ prefix: "t:", commandTimeoutMs: 500 });
  const provider = store.provider;

  test("stores the object under prefix + key in the files' JSON format; missing keys are ObjectNotFound", async () => {
    const p = provider();
    await p.saveObj(".planet/a/token.json", token);
    expect(await store.raw.hget("t:{.planet/a/token.json}", "data")).toBe(serializeJsonObject(token));
    expect(await p.loadObj(".planet/a/token.json")).toEqual(token);
    expect(await p.objExists(".planet/a/token.json")).toBe(true);
    expect(typeof (await p.mtime(".planet/a/token.json"))).toBe("number");
    await expect(p.loadObj(".planet/missing.json")).rejects.toBeInstanceOf(ObjectNotFoundException);
    expect(await p.objExists(".planet/missing.json")).toBe(false);
    await p.objRename(".planet/a/token.json", ".planet/b/token.json");
    expect(await provider().loadObj(".planet/b/token.json")).toEqual(token);
  });

  test("encryption at rest through the SOPS codec: no cleartext token in Redis, read back with the age identity", async () => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    const kernel = createDefaultKernel({ services: { env } });
    const p = kernel.createStorageProvider({ type: "redis", url: store.redis.url, prefix: "enc:", encrypt: true }) as RedisStorageProvider;
    store.closeAfter(p);
    await p.saveObj("token.json", token);
    const stored = (await store.raw.hget("enc:{token.json}", "data"))!;
    expect(stored).toContain("ENC[AES256_GCM");
    expect(stored).not.toContain(token.access_token);
    expect(stored).not.toContain(token.refresh_token);
    expect(await p.loadObj("token.json")).toEqual(token);
  });

  test("withLock excludes holders across connections (as across processes)", async () => {
    const [a, b, c] = [provider(), provider(), provider()];
    await a.saveObj("counter.json", { n: 0 });
    let inside = 0;
    let overlap = false;
    const bump = (p: RedisStorageProvider) =>
      p.withLock("counter.json", async () => {
        if (++inside > 1) overlap = true;
        const { n } = await p.loadObj("counter.json");
        await new Promise((r) => setTimeout(r, 2));
        await p.saveObj("counter.json", { n: (n as number) + 1 });
        inside--;
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => bump([a, b, c][i % 3]!)));
    expect(overlap).toBe(false);
    expect(await a.loadObj("counter.json")).toEqual({ n: 30 });
    expect(await store.raw.exists("t:{counter.json}#lock")).toBe(0);
  });

  test("a value larger than the cap is refused from its length, before it is read; the stored value is left as it is", async () => {
    const big = JSON.stringify({ access_token: "x".repeat(1024 * 1024) });
    await store.raw.hset("t:{big.json}", "data", big, "mtime", 1);
    const p = provider();
    const err = await p.loadObj("big.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileTooLargeException);
    expect(String(err)).toMatch(/larger than the limit of 1048576 bytes; it was not read/);
    expect(await store.raw.hget("t:{big.json}", "data")).toBe(big);
    await expect(provider({ maxValueBytes: 20 }).loadObj("big.json")).rejects.toBeInstanceOf(FileTooLargeException);
    await store.raw.hset("t:{small.json}", "data", "{}", "mtime", 1);
    expect(await provider({ maxValueBytes: 20 }).loadObj("small.json")).toEqual({});
  });

  test("redis:// (cleartext) to a non-loopback host is refused unless allowCleartext; rediss:// is accepted; no password in the error", () => {
    const attempt = (options: { url: string; allowCleartext?: boolean }) => {
      try {
        return new RedisStorageProvider(options);
      } catch (e) {
        return e;
      }
    };
    for (const url of ["redis://:hunter2@cache.example.com:6379", "redis://10.0.0.7"]) {
      const err = attempt({ url });
      expect(err).toBeInstanceOf(InvalidDataException);
      expect(String(err)).toMatch(/redis:\/\/ \(cleartext\) to a non-loopback host: use rediss:\/\/, or set allowCleartext: true/);
      expect(String(err)).not.toContain("hunter2");
      expect(attempt({ url, allowCleartext: true })).toBeInstanceOf(RedisStorageProvider);
    }
    for (const url of ["rediss://:hunter2@cache.example.com:6380", "redis://127.0.0.1:6379", "redis://localhost", "redis://[::1]:6379"]) {
      expect(attempt({ url })).toBeInstanceOf(RedisStorageProvider);
    }
    const kernel = createDefaultKernel({ services: { env: {} } });
    const fromConfig = (options: Record<string, unknown>) => {
      try {
        return kernel.createStorageProvider({ type: "redis", ...options });
      } catch (e) {
        return e;
      }
    };
    const refused = fromConfig({ url: "redis://:hunter2@cache.example.com" });
    expect(refused).toBeInstanceOf(InvalidDataException);
    expect((refused as InvalidDataException).field).toBe("storage.url");
    expect(String(refused)).not.toContain("hunter2");
    expect(fromConfig({ url: "redis://cache.example.com", allowCleartext: true })).toBeInstanceOf(RedisStorageProvider);
    expect(String(fromConfig({ url: "rediss://cache.example.com", allowCleartext: "yes" }))).toMatch(/storage\.allowCleartext must be true or false/);
    // The rule covers every cluster node and Sentinel; the keys' hash tags need a prefix without braces.
    const node = fromConfig({ url: "rediss://redis-1.internal", cluster: true, nodes: ["redis-2.internal:6379"] });
    expect(node).toBeInstanceOf(RedisStorageProvider);
    const cleartextNode = fromConfig({ url: "redis://127.0.0.1:26379", sentinel: "mymaster", nodes: ["10.0.0.8:26379"] });
    expect((cleartextNode as InvalidDataException).field).toBe("storage.nodes");
    expect(String(cleartextNode)).toMatch(/redis:\/\/ \(cleartext\) to a non-loopback host/);
    expect(String(fromConfig({ url: "redis://127.0.0.1", prefix: "app{1}:" }))).toMatch(/storage\.prefix must not contain \{ or \}/);
    expect(String(fromConfig({ url: "redis://127.0.0.1", cluster: true, sentinel: "m" }))).toMatch(/storage\.sentinel cannot be combined with cluster: true/);
    expect(String(fromConfig({ url: "redis://127.0.0.1", cluster: true, nodes: ["no-port"] }))).toMatch(/storage\.nodes must be a list of host:port/);
  });

  test("a wrong password is an authentication error (ERR_REDIS_AUTH), not an outage: no degraded mode, no secret in the message", async () => {
    const locked = await startRedis({ args: ["--requirepass", "right-password"] });
    try {
      const log = captureLogger();
      const port = new URL(locked.url).port;
      const wrong = provider({ url: `redis://:wrong-password@127.0.0.1:${port}`, logger: new AuthLogger(log) });
      const none = provider({ url: locked.url, logger: new AuthLogger(log) });
      for (const p of [wrong, none]) {
        const err = await p.loadObj("token.json").catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RedisAuthenticationException);
        expect((err as RedisAuthenticationException).code).toBe("ERR_REDIS_AUTH");
        expect(String(err)).toMatch(/Redis refused the storage's credentials \((WRONGPASS|NOAUTH)\)/);
        expect(String(err)).not.toContain("password@");
        expect(JSON.stringify(err, Object.getOwnPropertyNames(err))).not.toContain("wrong-password");
        await expect(p.saveObj("token.json", token)).rejects.toBeInstanceOf(RedisAuthenticationException);
        await expect(p.withLock("token.json", async () => "ran")).rejects.toBeInstanceOf(RedisAuthenticationException);
        expect(p.isDegraded()).toBe(false);
        expect(p.degradedOperations()).toBe(0);
      }
      expect(log.text()).not.toMatch(/unreachable|wrong-password/);
      const right = provider({ url: `redis://:right-password@127.0.0.1:${port}` });
      await right.saveObj("token.json", token);
      expect(await right.loadObj("token.json")).toEqual(token);
    } finally {
      await locked.cleanup();
    }
  });

  test("a waiter is woken by the release (pub/sub), long before the holder's lease would run out", async () => {
    const [a, b] = [provider({ leaseMs: 60_000 }), provider({ leaseMs: 60_000 })];
    let releaseA!: () => void;
    const held = new Promise<void>((r) => (releaseA = r));
    let aHas!: () => void;
    const aHolds = new Promise<void>((r) => (aHas = r));
    const first = a.withLock("wake.json", async () => (aHas(), await held));
    await aHolds;
    const order: string[] = [];
    const second = b.withLock("wake.json", async () => void order.push("b"));
    setTimeout(() => (order.push("a released"), releaseA()), 100);
    await Promise.all([first, second]); // the test's timeout is far below the 60 s lease
    expect(order).toEqual(["a released", "b"]);
  }, 10_000);

  test("a dead holder's lease runs out and another process takes over", async () => {
    await store.raw.set("t:{dead.json}#lock", "dead-owner:1", "PX", 300);
    const ran = await provider().withLock("dead.json", async () => "took over");
    expect(ran).toBe("took over");
  });

  test("fencing: a holder whose lease expired cannot overwrite the newer holder's value", async () => {
    const [a, b] = [provider(), provider()];
    await a.saveObj("fenced.json", { v: "old" });
    await expect(
      a.withLock("fenced.json", async () => {
        await store.raw.del("t:{fenced.json}#lock"); // a's lease runs out (e.g. a long GC pause)
        await b.withLock("fenced.json", () => b.saveObj("fenced.json", { v: "newer" }));
        await a.saveObj("fenced.json", { v: "stale" });
      }),
    ).rejects.toBeInstanceOf(StorageException);
    expect(await b.loadObj("fenced.json")).toEqual({ v: "newer" });
    expect(Number(await store.raw.hget("t:{fenced.json}", "fence"))).toBeGreaterThan(0);
  });

  test("fencing survives a Redis restart without persistence: a holder paused across it cannot overwrite the newer value", async () => {
    const a = provider();
    await a.saveObj("restart.json", { v: "old" });
    let b: RedisStorageProvider | undefined;
    const stale = a.withLock("restart.json", async () => {
      await store.redis.stop(); // a pauses; Redis restarts empty: the fence key and the value are gone
      await store.redis.start();
      const fresh = new Redis(store.redis.url, { maxRetriesPerRequest: 1 });
      try {
        // a is connected again once it has written its copy back
        for (let i = 0; i < 100 && (await fresh.hget("t:{restart.json}", "data")) === null; i++) await new Promise((r) => setTimeout(r, 50));
      } finally {
        fresh.disconnect();
      }
      b = provider();
      await b.withLock("restart.json", () => b!.saveObj("restart.json", { v: "newer" }));
      await a.saveObj("restart.json", { v: "stale" });
    });
    await expect(stale).rejects.toBeInstanceOf(StorageException);
    expect(await b!.loadObj("restart.json")).toEqual({ v: "newer" });
    store.raw.disconnect();
    store.raw = new Redis(store.redis.url, { maxRetriesPerRequest: 1 });
  }, 20_000);

  test("degraded, not down: Redis stopped ⇒ reads from this process's copy, writes kept, one warning, a counter; back ⇒ written back", async () => {
    const log = captureLogger();
    const p = provider({ logger: new AuthLogger(log) });
    await p.saveObj("outage.json", { v: 1 });
    await store.redis.stop();
    try {
      expect(await p.loadObj("outage.json")).toEqual({ v: 1 });
      await p.withLock("outage.json", () => p.saveObj("outage.json", { v: 2 }));
      expect(await p.loadObj("outage.json")).toEqual({ v: 2 });
      expect(p.isDegraded()).toBe(true);
      expect(p.degradedOperations()).toBeGreaterThanOrEqual(3);
      expect(log.lines.filter((l) => l.includes("unreachable"))).toHaveLength(1);
      expect(log.text()).not.toContain("secret");
    } finally {
      await store.redis.start();
    }
    store.raw.disconnect();
    store.raw = new Redis(store.redis.url, { maxRetriesPerRequest: 1 });
    // The restarted Redis is empty; the provider writes its copy back once it reconnects.
    for (let i = 0; i < 100 && (await store.raw.hget("t:{outage.json}", "data")) === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await store.raw.hget("t:{outage.json}", "data")).toBe(serializeJsonObject({ v: 2 }));
    expect(await p.loadObj("outage.json")).toEqual({ v: 2 });
    expect(p.isDegraded()).toBe(false);
  }, 20_000);
});
