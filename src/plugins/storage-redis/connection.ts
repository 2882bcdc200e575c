/**
 * The ioredis client for each deployment the store supports: one server (`url`), a Redis Cluster
 * (`cluster: true`: `url` names one node; MOVED/ASK redirections and failovers are followed by the
 * client), or a master watched by Sentinel (`sentinel: "<master name>"`: `url` names a Sentinel).
 * `nodes` adds more cluster nodes or Sentinels (`host:port`); the user, password, TLS and database
 * of `url` apply to every data node.
 */
import { lazyLoader } from "../../kernel/index.js";

export interface RedisTarget {
  url: string;
  cluster?: boolean;
  sentinel?: string;
  nodes?: string[];
}

/** The commands and events the store uses, common to ioredis's `Redis` and `Cluster`. */
export interface RedisConnection {
  readonly status: string;
  eval(script: string, numKeys: number, ...args: (string | number)[]): Promise<unknown>;
  rename(src: string, dst: string): Promise<unknown>;
  set(key: string, value: string, px: "PX", ms: number, nx: "NX"): Promise<string | null>;
  hgetall(key: string): Promise<Record<string, string>>;
  hset(key: string, ...fieldsAndValues: string[]): Promise<unknown>;
  del(key: string): Promise<unknown>;
  subscribe(channel: string): Promise<unknown>;
  publish(channel: string, message: string): Promise<unknown>;
  connect(): Promise<void>;
  disconnect(): void;
  on(event: "error", listener: (err: unknown) => void): unknown;
  on(event: "ready" | "close", listener: () => void): unknown;
  on(event: "message", listener: (channel: string, message: string) => void): unknown;
}

export interface ConnectionOptions {
  commandTimeoutMs: number;
  /** Queue commands while disconnected (the subscriber) instead of failing at once (degraded mode). */
  offlineQueue: boolean;
}

/** ioredis is an optional peer dependency, imported on first use so `import "planet-auth"` never loads it. */
const loadIoredis = lazyLoader(async () => {
  try {
    return await import("ioredis");
  } catch (err) {
    throw new Error('The redis storage needs the "ioredis" package: npm install ioredis', { cause: err });
  }
});

function hostPort(node: string): { host: string; port: number } {
  const at = node.lastIndexOf(":");
  return { host: node.slice(0, at).replace(/^\[|\]$/g, ""), port: Number(node.slice(at + 1)) };
}

/** A new, not yet connected client for `target`. */
export async function createConnection(target: RedisTarget, options: ConnectionOptions): Promise<RedisConnection> {
  const { Redis, Cluster } = await loadIoredis();
  const url = new URL(target.url);
  const retryStrategy = (attempt: number) => Math.min(100 * attempt, 1000);
  // A master demoted by a failover answers writes with READONLY: reconnect (through Sentinel, to the new master).
  const reconnectOnError = (err: Error) => (/^READONLY\b/.test(err.message) ? 1 : false);
  const perNode = {
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === "rediss:" ? { tls: { servername: url.hostname } } : {}),
    // Fail fast while disconnected (degraded mode) instead of queueing requests.
    enableOfflineQueue: options.offlineQueue,
    maxRetriesPerRequest: options.offlineQueue ? null : 0,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs,
    lazyConnect: true,
    reconnectOnError,
  };
  const first = { host: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port || 6379) };
  const more = (target.nodes ?? []).map(hostPort);
  if (target.cluster) {
    const { tls, ...redisOptions } = perNode;
    return new Cluster([first, ...more], {
      redisOptions: { ...redisOptions, ...(tls ? { tls: {} } : {}) },
      enableOfflineQueue: options.offlineQueue,
      lazyConnect: true,
      clusterRetryStrategy: retryStrategy,
      slotsRefreshTimeout: options.commandTimeoutMs,
    }) as unknown as RedisConnection;
  }
  const db = url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {};
  if (target.sentinel) {
    return new Redis({
      ...perNode,
      ...db,
      sentinels: [first, ...more],
      name: target.sentinel,
      // Sentinels speak TLS when the data nodes do.
      ...(perNode.tls ? { enableTLSForSentinelMode: true } : {}),
      retryStrategy,
      sentinelRetryStrategy: retryStrategy,
    }) as unknown as RedisConnection;
  }
  return new Redis(target.url, { ...perNode, retryStrategy }) as unknown as RedisConnection;
}
