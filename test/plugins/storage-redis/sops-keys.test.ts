/** A `*.sops.json` key is never stored in clear in Redis: without `encrypt`, the provider refuses it. */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Redis } from "ioredis";
import { StorageException } from "../../../src/index.js";
import { RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";
import { redisDescribe, startRedis, type TestRedis } from "../../support/redis-server.js";

redisDescribe(describe)("RedisStorageProvider and SOPS file names", () => {
  let redis: TestRedis;
  let raw: Redis;
  let provider: RedisStorageProvider;

  beforeAll(async () => {
    redis = await startRedis();
    raw = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    provider = new RedisStorageProvider({ url: redis.url, prefix: "t:", commandTimeoutMs: 500 });
  });
  afterAll(async () => {
    raw.disconnect();
    await provider.close();
    await redis.cleanup();
  });

  test("without encrypt, saving or loading a .sops.json key fails naming it; nothing reaches Redis", async () => {
    const key = ".planet/a/token.sops.json";
    const err = await provider.saveObj(key, { access_token: "secret-access-token" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageException);
    expect((err as StorageException).message).toMatch(/announces the sops format/);
    expect((err as StorageException).filePath).toBe(key);
    expect(await raw.keys("t:*")).toEqual([]);
    await raw.hset(`t:{${key}}`, { data: '{"access_token": "x"}' }); // where the store would keep it (hash-tagged)
    await expect(provider.loadObj(key)).rejects.toThrow(/announces the sops format/);
    await provider.saveObj(".planet/a/token.json", { access_token: "fine" });
    expect(await provider.loadObj(".planet/a/token.json")).toEqual({ access_token: "fine" });
  });
});
