/**
 * A kernel's lifecycle: `await kernel.close()` (and `Symbol.asyncDispose`) runs the disposers its
 * services and storage providers registered with `onClose` through the public plugin API.
 */
import { describe, expect, test } from "@jest/globals";
import {
  PluginException, StorageException, builtinPlugins, createKernel, type JsonObject, type ObjectStorageProvider, type Token,
} from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { redisDescribe, startRedis } from "../support/redis-server.js";

const CONNECTION: Token<{ open: boolean }> = Symbol("test.connection");

/** A plugin whose service opens a "connection" when built and a storage type that opens one per provider. */
function openingPlugin(log: string[]) {
  return definePlugin({
    name: "opening",
    version: "1.0.0",
    register: (registry) => registry.provide(CONNECTION, {
      useFactory: (services) => {
        const connection = { open: true };
        log.push("service opened");
        services.onClose(() => {
          connection.open = false;
          log.push("service closed");
        });
        return connection;
      },
    }),
    storageProviders: [{
      name: "opening-store",
      fromOptions: (options: JsonObject, services) => {
        log.push(`store ${String(options.id)} opened`);
        services.onClose(async () => {
          await new Promise((r) => setTimeout(r, 5));
          log.push(`store ${String(options.id)} closed`);
        });
        return {} as ObjectStorageProvider;
      },
    }],
  });
}

describe("kernel.close()", () => {
  test("closes what the plugin's services and storage providers opened, last opened first; a service never built is not built to close it", async () => {
    const log: string[] = [];
    const kernel = createKernel({ plugins: [openingPlugin(log)] });
    kernel.createStorageProvider({ type: "opening-store", id: 1 });
    const connection = kernel.resolve(CONNECTION);
    kernel.createStorageProvider({ type: "opening-store", id: 2 });
    await kernel.close();
    expect(connection.open).toBe(false);
    expect(log).toEqual(["store 1 opened", "service opened", "store 2 opened", "store 2 closed", "service closed", "store 1 closed"]);

    const unused: string[] = [];
    await createKernel({ plugins: [openingPlugin(unused)] }).close();
    expect(unused).toEqual([]);
  });

  test("is idempotent, and Symbol.asyncDispose is the same close", async () => {
    const log: string[] = [];
    const kernel = createKernel({ plugins: [openingPlugin(log)] });
    kernel.resolve(CONNECTION);
    await kernel[Symbol.asyncDispose]();
    await kernel.close();
    expect(log).toEqual(["service opened", "service closed"]);
  });

  test("nothing can be opened on a closed kernel: onClose throws", async () => {
    const log: string[] = [];
    const kernel = createKernel({ plugins: [openingPlugin(log)] });
    await kernel.close();
    expect(() => kernel.createStorageProvider({ type: "opening-store", id: 3 })).toThrow(PluginException);
    expect(() => kernel.onClose(() => undefined)).toThrow(/This kernel is closed/);
  });

  test("every disposer runs when some fail; one failure is thrown as is, several as an AggregateError", async () => {
    const ran: number[] = [];
    const one = createKernel();
    one.onClose(() => void ran.push(1));
    one.onClose(() => {
      throw new Error("first failure");
    });
    await expect(one.close()).rejects.toThrow("first failure");
    expect(ran).toEqual([1]);

    const two = createKernel();
    two.onClose(() => Promise.reject(new Error("a")));
    two.onClose(() => void ran.push(2));
    two.onClose(() => Promise.reject(new Error("b")));
    const err = await two.close().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AggregateError);
    expect((err as AggregateError).errors.map((e: Error) => e.message)).toEqual(["b", "a"]);
    expect(ran).toEqual([1, 2]);
  });
});

redisDescribe(describe)("the redis storage plugin", () => {
  test("a provider built from options is closed with its kernel", async () => {
    const redis = await startRedis();
    try {
      const kernel = createKernel({ plugins: builtinPlugins, services: { env: {} } });
      const store = kernel.createStorageProvider({ type: "redis", url: redis.url, prefix: "lifecycle:" });
      await store.saveObj("k", { a: 1 });
      expect(await store.loadObj("k")).toEqual({ a: 1 });
      await kernel.close();
      await expect(store.loadObj("k")).rejects.toThrow(StorageException);
      await expect(store.loadObj("k")).rejects.toThrow(/closed/);
    } finally {
      await redis.cleanup();
    }
  });
});
