/** A `*.sops.json` key is never stored in clear in Redis: without `encrypt`, the provider refuses it. */
import { describe, expect, test } from "@jest/globals";
import { StorageException } from "../../../src/index.js";
import { redisDescribe, redisStoreFixture } from "../../support/redis-server.js";

redisDescribe(describe)("RedisStorageProvider and SOPS file names", () => {
  const store = redisStoreFixture({ prefix: "t:", commandTimeoutMs: 500 });

  test("without encrypt, saving or loading a .sops.json key fails naming it; nothing reaches Redis", async () => {
    const provider = store.provider();
    const key = ".planet/a/token.sops.json";
    const err = await provider.saveObj(key, { access_token: "secret-access-token" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageException);
    expect((err as StorageException).message).toMatch(/announces the sops format/);
    expect((err as StorageException).filePath).toBe(key);
    expect(await store.raw.keys("t:*")).toEqual([]);
    await store.raw.hset(`t:{${key}}`, { data: '{"access_token": "x"}' }); // where the store would keep it (hash-tagged)
    await expect(provider.loadObj(key)).rejects.toThrow(/announces the sops format/);
    await provider.saveObj(".planet/a/token.json", { access_token: "fine" });
    expect(await provider.loadObj(".planet/a/token.json")).toEqual({ access_token: "fine" });
  });
});
