/**
 * A private redis-server for a test file: random loopback port, temp dir, no persistence. Under
 * CI=true a missing or failing redis-server fails the tests; elsewhere a missing one skips them
 * with one line saying how to install it.
 */
import { afterAll, beforeAll } from "@jest/globals";
import { Redis } from "ioredis";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import { RedisStorageProvider, type RedisStorageProviderOptions } from "../../src/plugins/storage-redis/index.js";
import { makeTempDir } from "./temp-dir.js";

export const redisServerAvailable = spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;

/** `describe` when redis-server can run here (always under CI=true), else `describe.skip` with one line. */
export function redisDescribe<D extends { skip: unknown }>(describe: D): D | D["skip"] {
  if (redisServerAvailable || process.env.CI === "true") return describe;
  console.warn("redis-server not found: skipping the Redis tests (install it: apt-get install redis-server, or brew install redis)");
  return describe.skip;
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Start it again on the same port (after stop()). Data is not kept. */
  start(): Promise<void>;
  cleanup(): Promise<void>;
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((r) => server.close(r));
  return port;
}

/** `args`: more redis-server options, e.g. `["--requirepass", "…"]`. */
export async function startRedis(options: { args?: string[] } = {}): Promise<TestRedis> {
  if (!redisServerAvailable) throw new Error("redis-server is not installed (apt-get install redis-server); CI=true requires it");
  const dir = await makeTempDir("planet-auth-redis-");
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const start = async () => {
    proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir.dir, "--save", "", "--appendonly", "no", ...(options.args ?? [])], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)), 10_000);
      proc!.stdout!.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc!.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`));
      });
    });
    proc.removeAllListeners("exit");
  };
  const stop = async () => {
    if (!proc || proc.exitCode !== null) return;
    const exited = once(proc, "exit");
    proc.kill("SIGKILL");
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop, cleanup: async () => (await stop(), await dir.cleanup()) };
}

/** What `redisStoreFixture` gives a describe block; `redis` and `raw` are set once its beforeAll has run. */
export interface RedisStoreFixture {
  redis: TestRedis;
  /** A plain client on the same server, to look at (or plant) what the store keeps. */
  raw: Redis;
  /** A provider on the server with the block's defaults and `options`; closed after the block. */
  provider(options?: Partial<RedisStorageProviderOptions>): RedisStorageProvider;
  /** A provider made elsewhere (through a kernel), closed after the block too. */
  closeAfter(provider: RedisStorageProvider): RedisStorageProvider;
}

/**
 * For a describe block: a private redis-server, a plain client on it and the providers made with
 * `provider()` (`defaults` then the call's options), all stopped and closed after the block.
 */
export function redisStoreFixture(defaults: Partial<RedisStorageProviderOptions> = {}): RedisStoreFixture {
  const providers: RedisStorageProvider[] = [];
  const fixture: RedisStoreFixture = {
    redis: undefined as unknown as TestRedis,
    raw: undefined as unknown as Redis,
    provider(options = {}) {
      return fixture.closeAfter(new RedisStorageProvider({ url: fixture.redis.url, ...defaults, ...options }));
    },
    closeAfter(provider) {
      providers.push(provider);
      return provider;
    },
  };
  beforeAll(async () => {
    fixture.redis = await startRedis();
    fixture.raw = new Redis(fixture.redis.url, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    fixture.raw?.disconnect();
    await Promise.all(providers.map((p) => p.close()));
    await fixture.redis?.cleanup();
  });
  return fixture;
}
