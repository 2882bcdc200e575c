/**
 * A write under a lease is announced with its value, authenticated with the lease: a process that was
 * waiting for that lease takes it without a read (commands counted with MONITOR), while a forged or
 * older announcement is never taken; with encryption the announcement carries only ciphertext.
 */
import { describe, expect, test } from "@jest/globals";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { createDefaultKernel, type JsonObject } from "../../../src/index.js";
import { RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";
import { releaseMessage, writeMessage } from "../../../src/plugins/storage-redis/change-messages.js";
import { ACQUIRE, READ } from "../../../src/plugins/storage-redis/scripts.js";
import { redisDescribe, redisStoreFixture } from "../../support/redis-server.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

redisDescribe(describe)("announced writes", () => {
  const store = redisStoreFixture({ prefix: "ann:", leaseMs: 60_000 });
  const provider = store.provider;

  /** The READ (or, with `script`, other) commands Redis executes for `key` from now until `stop()`, which waits until MONITOR has shown everything before it. */
  async function countReads(key: string, script = READ) {
    const monitor = await store.raw.monitor();
    const reads: string[] = [];
    let marker = "";
    let sawMarker!: () => void;
    const markerSeen = new Promise<void>((r) => (sawMarker = r));
    monitor.on("monitor", (_time: string, args: string[]) => {
      // MONITOR shows a script's newlines escaped.
      if (args[0]?.toLowerCase() === "eval" && args[1]?.replaceAll("\\n", "\n") === script && args.slice(3).includes(`ann:{${key}}`)) reads.push(key);
      if (marker && args[0]?.toLowerCase() === "get" && args[1] === marker) sawMarker();
    });
    return {
      async stop(): Promise<string[]> {
        marker = `ann:marker-${Math.random()}`;
        await store.raw.get(marker);
        await markerSeen;
        monitor.disconnect();
        return reads;
      },
    };
  }

  /** `holder` takes the lease on `key` and keeps it until `release()`; `write(data)` writes under it. */
  async function holdLease(holder: RedisStorageProvider, key: string) {
    let order!: (data: JsonObject | null) => void;
    let orders = new Promise<JsonObject | null>((r) => (order = r));
    let writtenNow!: () => void;
    let written = new Promise<void>((r) => (writtenNow = r));
    let holding!: () => void;
    const holds = new Promise<void>((r) => (holding = r));
    const held = holder.withLock(key, async () => {
      holding();
      for (;;) {
        const data = await orders;
        if (!data) return;
        orders = new Promise<JsonObject | null>((r) => (order = r));
        await holder.saveObj(key, data);
        const done = writtenNow;
        written = new Promise<void>((r) => (writtenNow = r));
        done();
      }
    });
    await holds;
    return {
      async write(data: JsonObject) {
        const done = written;
        order(data);
        await done;
      },
      async release() {
        order(null);
        await held;
      },
    };
  }

  /** `waiter` waits for the lease on `key` (as a refresh does), watching it; resolves `changed` on each change. */
  function waitForLease(waiter: RedisStorageProvider, key: string) {
    const stopWaiting = new AbortController();
    const changes: Array<() => void> = [];
    const stopWatching = waiter.watch(key, () => changes.splice(0).forEach((c) => c()));
    const waiting = waiter.withLock(key, async () => "took the lock", { signal: stopWaiting.signal }).catch((err: unknown) => err);
    return {
      nextChange: () => new Promise<void>((r) => changes.push(r)),
      async stop() {
        stopWatching();
        stopWaiting.abort();
        return waiting;
      },
    };
  }


  /** `key` stored as `value`, its lease held by one provider, and another provider that has found the lock busy. */
  async function leaseWithWaiter(key: string, value: JsonObject) {
    const [holder, waiter] = [provider(), provider()];
    await holder.saveObj(key, value);
    const lease = await holdLease(holder, key);
    const wait = waitForLease(waiter, key);
    await sleep(100); // the waiter has found the lock busy
    return { waiter, lease, wait };
  }

  test("a process waiting for the lease takes the holder's write from its announcement, with no read", async () => {
    const key = "taken.json";
    const { waiter, lease, wait } = await leaseWithWaiter(key, { v: "old" });
    const reads = await countReads(key);
    const changed = wait.nextChange();
    await lease.write({ v: "new" });
    await changed;
    expect(await waiter.loadObj(key)).toEqual({ v: "new" });
    expect(await waiter.mtime(key)).toEqual(expect.any(Number));
    expect(await reads.stop()).toEqual([]);
    expect(await wait.stop()).toMatchObject({ name: "AbortError" }); // it gave up waiting, as a refresh does once it has the token
    await lease.release();
  }, 10_000);

  test("a forged announcement (no lease behind it) is not taken: the waiter reads the stored value", async () => {
    const key = "forged.json";
    const { waiter, lease, wait } = await leaseWithWaiter(key, { v: "stored" });
    const reads = await countReads(key);
    const changed = wait.nextChange();
    const forged = writeMessage(key, { text: JSON.stringify({ v: "planted" }), mtime: Date.now(), fence: 9e15, leaseValue: "guessed-owner:9000000000000000" });
    await store.raw.publish("ann:#changed", forged);
    await changed;
    expect(await waiter.loadObj(key)).toEqual({ v: "stored" });
    expect(await reads.stop()).toEqual([key]);
    await wait.stop();
    await lease.release();
  }, 10_000);

  test("an announcement older than the value held is not taken, even under the current lease", async () => {
    const key = "older.json";
    const [holder, waiter] = [provider(), provider()];
    const first = await holdLease(holder, key);
    await first.write({ v: "fenced" });
    await first.release();
    expect(await waiter.loadObj(key)).toEqual({ v: "fenced" }); // held with its fence
    const storedFence = Number(await store.raw.hget("ann:{older.json}", "fence"));
    const lease = await holdLease(holder, key);
    const wait = waitForLease(waiter, key);
    await sleep(100);
    // Someone who can read the lock (and so compute the announcement) replays an older value.
    const leaseValue = (await store.raw.get("ann:{older.json}#lock"))!;
    const changed = wait.nextChange();
    await store.raw.publish("ann:#changed", writeMessage(key, { text: JSON.stringify({ v: "older" }), mtime: Date.now(), fence: storedFence - 1, leaseValue }));
    await changed;
    expect(await waiter.loadObj(key)).toEqual({ v: "fenced" });
    // The same lease's genuine newer write is taken.
    const next = wait.nextChange();
    await lease.write({ v: "newer" });
    await next;
    expect(await waiter.loadObj(key)).toEqual({ v: "newer" });
    await wait.stop();
    await lease.release();
  }, 10_000);

  test("a write and the release arriving together: the waiter that finds the value fresh gives up before trying the lock again", async () => {
    const key = "together.json";
    const [holder, waiter] = [provider(), provider()];
    await holder.saveObj(key, { v: "old" });
    const lease = await holdLease(holder, key);
    const stopWaiting = new AbortController();
    // As a refresh does: read the announced value (a few async steps), then give up waiting for the lock.
    const stopWatching = waiter.watch(key, () => void waiter.loadObj(key).then((data) => data.v === "new" && stopWaiting.abort()));
    const waiting = waiter.withLock(key, async () => "took the lock", { signal: stopWaiting.signal }).catch((err: unknown) => err);
    await sleep(100); // the waiter has found the lock busy
    const leaseValue = (await store.raw.get("ann:{together.json}#lock"))!;
    const fence = Number(leaseValue.split(":")[1]);
    const attempts = await countReads(key, ACQUIRE);
    // One MULTI: both messages reach the waiter in one read of its socket.
    await store.raw.multi()
      .publish("ann:#changed", writeMessage(key, { text: JSON.stringify({ v: "new" }), mtime: Date.now(), fence, leaseValue }))
      .publish("ann:#changed", releaseMessage(key))
      .exec();
    expect(await waiting).toMatchObject({ name: "AbortError" });
    expect(await attempts.stop()).toEqual([]);
    stopWatching();
    await lease.release();
  }, 10_000);

  test("the lease holder's first read of the value comes with the lease: no read", async () => {
    const key = "with-lease.json";
    const [writer, holder] = [provider(), provider()];
    await writer.saveObj(key, { v: 1 });
    await sleep(20);
    const reads = await countReads(key);
    expect(await holder.withLock(key, () => holder.loadObj(key))).toEqual({ v: 1 });
    expect(await reads.stop()).toEqual([]);
  });

  test("with encryption, an announcement carries the ciphertext only, and a waiter decrypts it", async () => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    const kernel = createDefaultKernel({ services: { env } });
    const encrypted = () => {
      const p = kernel.createStorageProvider({ type: "redis", url: store.redis.url, prefix: "ann-enc:", encrypt: true, leaseMs: 60_000 }) as RedisStorageProvider;
      store.closeAfter(p);
      return p;
    };
    const key = "token.json";
    const [holder, waiter] = [encrypted(), encrypted()];
    await holder.saveObj(key, { access_token: "old-access-token" });
    const listener = store.raw.duplicate();
    const messages: string[] = [];
    await listener.subscribe("ann-enc:#changed");
    listener.on("message", (_c: string, m: string) => messages.push(m));
    const lease = await holdLease(holder, key);
    const wait = waitForLease(waiter, key);
    await sleep(100);
    const changed = wait.nextChange();
    await lease.write({ access_token: "secret-new-access-token" });
    await changed;
    expect(await waiter.loadObj(key)).toEqual({ access_token: "secret-new-access-token" });
    await wait.stop();
    await lease.release();
    listener.disconnect();
    const announcement = messages.find((m) => m.includes('"text"'));
    expect(announcement).toContain("ENC[AES256_GCM");
    for (const m of messages) expect(m).not.toContain("secret-new-access-token");
  }, 10_000);
});
