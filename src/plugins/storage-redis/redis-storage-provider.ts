/**
 * An ObjectStorageProvider on Redis, for fleets: every process using the same Redis and prefix
 * shares tokens, and `withLock` is a lease all of them respect, so one process per expiry calls the
 * token endpoint.
 *
 * Layout, for a storage key K under prefix P:
 * - `P` + K: a hash { data: the object as its file would hold it (or encrypted by `format`), mtime, fence };
 * - `P` + K + `#lock`: the lease, `<owner id>:<fence>`, set with NX and a time to live, deleted only by its owner;
 * - `P` + K + `#fence`: the last fence given; each lease gets a larger one (also after a restart that
 *   lost it: see ACQUIRE); a write made under a lease carries its fence and is refused once another
 *   owner holds the lock or a value with a newer fence was written;
 * - channel `P` + `#changed`: published on every write (the key, or for a write under a lease the
 *   value written, authenticated with the lease, so a process that was waiting for that lease needs
 *   no read to take it) and release (see change-messages.ts); it wakes watchers and lock waiters.
 *
 * Reads are served from memory for a short while (`RECENT_MS`) after this process read, wrote or
 * was announced a value, as long as change messages are being received and none came for that key:
 * a refresh's reads of a token and its origin record, and a waiter's reads once the holder's write is
 * announced, then cost no round trip. Under a lease, the leased key's value comes from taking the
 * lease (the ACQUIRE script returns it) and, after that turn, from Redis.
 *
 * Degraded, not down: when Redis cannot be reached, reads are served from this process's copy of
 * what it last read or wrote, writes are kept and written back when Redis returns (unless Redis has
 * a newer value by then), and `withLock` locks within this process only. One warning per outage
 * goes to the logger; `degradedOperations()` counts what was served that way.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import {
  DEFAULT_MAX_FILE_BYTES, FileTooLargeException, InvalidDataException, ObjectNotFoundException, StorageException, parseJsonObject, refusePlainStorageOfFormatKey, serializeJsonObject,
  type AuthLogger, type JsonObject, type LockOptions, type ObjectStorageProvider, type StorageFormat,
} from "../../kernel/index.js";
import { announcedUnder, parseChangeMessage, releaseMessage, writeMessage, type AnnouncedValue } from "./change-messages.js";
import { ChangeWaiters } from "./change-waiters.js";
import { RedisAuthenticationException, isAuthenticationReply } from "./errors.js";
import { KeyMutex } from "./key-mutex.js";
import { createConnection, type RedisConnection, type RedisTarget } from "./connection.js";
import { redisTargetReason } from "./options.js";
import { ACQUIRE, READ, RELEASE, RENEW, RESTORE, WRITE } from "./scripts.js";

/** Options of `RedisStorageProvider`: the connection, key prefix, encryption and lock settings. */
export interface RedisStorageProviderOptions {
  /** `rediss://[user:password@]host:port[/db]` (TLS), or `redis://…` to a loopback host (or with `allowCleartext`). */
  url: string;
  /** Accept `redis://` (cleartext) to a non-loopback host. Default false. */
  allowCleartext?: boolean;
  /** A Redis Cluster: `url` names one of its nodes (`nodes` more); the client follows MOVED/ASK and failovers. */
  cluster?: boolean;
  /** The master name a Sentinel watches: `url` names a Sentinel (`nodes` more); the client follows its failovers. */
  sentinel?: string;
  /** More cluster nodes or Sentinels (`host:port`), reached with `url`'s scheme and credentials. */
  nodes?: string[];
  /** Largest stored value read, in bytes (default 1 MiB, as for files); a larger one is refused before it is read. */
  maxValueBytes?: number;
  /** Prepended to every storage key. Default `planet-auth:`. */
  prefix?: string;
  /** Lease time to live; renewed while the holder runs, so it bounds only how long a dead holder blocks. Default 5 s. */
  leaseMs?: number;
  /** How long `withLock` waits for a busy lock before failing. Default 60 s. */
  lockWaitMs?: number;
  /** Timeout of every Redis command and of the first connection. Default 2 s. */
  commandTimeoutMs?: number;
  /** Encryption at rest: the stored text is this format's encoding (e.g. the SOPS format with age recipients). */
  format?: StorageFormat;
  logger?: AuthLogger;
}

interface Lease {
  key: string;
  fence: number;
  value: string;
}

interface LocalCopy {
  text: string;
  mtime: number;
  /** The fence stored with the value (0 when it was never written under a lease, or is not known). */
  fence: number;
  /** Written while Redis was unreachable: to be written back. */
  pending: boolean;
}

/** A value this process read, wrote or was announced, serving reads for a while (see `RECENT_MS`). */
interface Recent {
  copy: LocalCopy | undefined;
  at: number;
  /** The subscription's epoch when it was seen; null: valid for the current turn of the event loop only. */
  epoch: number | null;
  /** `#messages` when it was seen. */
  seq: number;
}

/** How long a value seen while change messages arrive (and none came for its key) serves reads without a round trip. */
const RECENT_MS = 1000;

/** What READ returns for a value of allowed size: data, mtime and fence, all null when nothing is stored. */
type StoredReply = [string | null, string | null, string | null];

/**
 * A Redis Cluster between two configurations: a slot with no master yet (CLUSTERDOWN, MASTERDOWN), a
 * slot moving (TRYAGAIN), a promoted replica still loading (LOADING); and the cluster client's own
 * redirections used up, whatever the last one was (during a failover, nodes that disagree on a slot's
 * master send a command back and forth with MOVED).
 */
function isReconfigurationReply(err: unknown): boolean {
  return err instanceof Error && /^(CLUSTERDOWN|TRYAGAIN|MASTERDOWN|LOADING)\b|^Too many Cluster redirections\./.test(err.message);
}

/** Raised when Redis cannot be reached: the provider falls back to its degraded mode. */
class RedisUnavailable extends Error {}

const DEFAULT_PREFIX = "planet-auth:";

export class RedisStorageProvider implements ObjectStorageProvider {
  readonly prefix: string;
  readonly leaseMs: number;
  readonly lockWaitMs: number;
  readonly #target: RedisTarget;
  readonly #commandTimeoutMs: number;
  readonly #maxValueBytes: number;
  readonly #format?: StorageFormat;
  readonly #logger?: AuthLogger;
  readonly #lease = new AsyncLocalStorage<Lease>();
  readonly #mutex = new KeyMutex();
  /** Woken by any change of a key's object (watchers). */
  readonly #waiters = new ChangeWaiters();
  /** Woken when a key's lock may have come free (processes waiting to take it). */
  readonly #lockWaiters = new ChangeWaiters();
  readonly #copies = new Map<string, LocalCopy>();
  /**
   * What this process read, wrote or was announced of a key: it serves the reads that follow (a
   * credential reads its origin record, the mtime then the object) without a round trip: for the
   * current turn of the event loop, or for `RECENT_MS` while change messages are received and none
   * came for the key. Dropped when a change of the key is published.
   */
  readonly #recent = new Map<string, Recent>();
  /** The lock value last found holding each key's lease: a write announced under it is taken without a read. */
  readonly #leasesSeen = new Map<string, string>();
  #client?: Promise<RedisConnection>;
  #subscribed?: Promise<void>;
  #subscriber?: RedisConnection;
  /** Change messages are being received. */
  #subscriptionActive = false;
  /** Incremented whenever the subscription is lost: what was seen before may have missed a message. */
  #epoch = 0;
  /** Change messages received so far. */
  #messages = 0;
  #degraded = false;
  #degradedOperations = 0;
  #closed = false;
  /** Redis refused the credentials on the last connection attempt. */
  #authFailure?: Error;

  /** A Redis store at `url` (or a Cluster or Sentinel set), under a key prefix. */
  constructor(options: RedisStorageProviderOptions) {
    const reason = redisTargetReason(options);
    if (reason) throw new InvalidDataException(`The Redis storage's ${reason.field} ${reason.rule}`, { field: reason.field });
    this.#target = {
      url: options.url,
      ...(options.cluster ? { cluster: true } : {}),
      ...(options.sentinel ? { sentinel: options.sentinel } : {}),
      ...(options.nodes ? { nodes: options.nodes } : {}),
    };
    this.#maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    this.leaseMs = options.leaseMs ?? 5000;
    this.lockWaitMs = options.lockWaitMs ?? 60_000;
    this.#commandTimeoutMs = options.commandTimeoutMs ?? 2000;
    this.#format = options.format;
    this.#logger = options.logger;
  }

  /** Operations served from this process's copy or lock because Redis was unreachable. */
  degradedOperations(): number {
    return this.#degradedOperations;
  }

  /** True while Redis is unreachable. */
  isDegraded(): boolean {
    return this.#degraded;
  }

  async loadObj(key: string): Promise<JsonObject> {
    if (!this.#format) refusePlainStorageOfFormatKey(key, key); // before any read: such a key is never used in clear
    const copy = await this.#read(key);
    if (!copy) throw new ObjectNotFoundException(`No object stored under this key in Redis`, { filePath: key });
    return this.#decode(key, copy.text);
  }

  async saveObj(key: string, data: JsonObject): Promise<void> {
    const text = await this.#encode(key, data);
    const mtime = Date.now();
    const lease = this.#lease.getStore();
    const fenced = lease?.key === key ? lease : undefined;
    const message = fenced ? writeMessage(key, { text, mtime, fence: fenced.fence, leaseValue: fenced.value }) : key;
    if (fenced) this.#leasesSeen.set(key, fenced.value); // this process's own announcement is taken too
    const seen = this.#sightingNow();
    try {
      const written = await this.#evalThroughReconfiguration(
        WRITE, 2, this.#objKey(key), this.#lockKey(key),
        text, mtime, fenced ? fenced.fence : "", fenced?.value ?? "", this.#channel(), message,
      );
      this.#recovered();
      if (typeof written !== "string") {
        throw new StorageException("Refused a write under an expired lease: another process holds the lock or wrote a newer value", { filePath: key });
      }
      const copy = { text, mtime, fence: Number(written), pending: false };
      this.#copies.set(key, copy);
      this.#remember(key, copy, seen);
    } catch (err) {
      if (!this.#isOutage(err)) throw err;
      this.#noteOutage(err);
      this.#copies.set(key, { text, mtime, fence: this.#copies.get(key)?.fence ?? 0, pending: true });
    }
  }

  async objExists(key: string): Promise<boolean> {
    return (await this.#read(key)) !== undefined;
  }

  async mtime(key: string): Promise<number> {
    const copy = await this.#read(key);
    if (!copy) throw new ObjectNotFoundException(`No object stored under this key in Redis`, { filePath: key });
    return copy.mtime;
  }

  async objRename(src: string, dst: string): Promise<void> {
    const client = await this.#connected();
    if (this.#target.cluster) {
      // The two keys live in different slots: copy, then delete (not atomic, as across two files' directories).
      const fields = await client.hgetall(this.#objKey(src));
      if (!Object.keys(fields).length) throw new ObjectNotFoundException("No object stored under this key in Redis", { filePath: src });
      await client.hset(this.#objKey(dst), ...Object.entries(fields).flat());
      await client.del(this.#objKey(src));
    } else {
      try {
        await client.rename(this.#objKey(src), this.#objKey(dst));
      } catch (err) {
        if (err instanceof Error && /no such key/i.test(err.message)) throw new ObjectNotFoundException("No object stored under this key in Redis", { filePath: src });
        throw err;
      }
    }
    const copy = this.#copies.get(src);
    this.#copies.delete(src);
    if (copy) this.#copies.set(dst, copy);
    this.#recent.delete(src);
    this.#recent.delete(dst);
    // The other processes drop what they saw of both keys.
    await Promise.all([client.publish(this.#channel(), src), client.publish(this.#channel(), dst)]);
  }

  /**
   * Remember `key` for `ttlMs` (SET NX PX): true the first time, false while it is remembered, for every
   * process on this Redis and prefix. This is the replay store a fleet of resource servers shares for
   * DPoP proofs. Unlike tokens it has no degraded mode: with Redis unreachable it rejects, so a proof is
   * never accepted without the fleet-wide check.
   */
  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new StorageException("rememberOnce needs a positive whole number of milliseconds");
    const client = await this.#connected();
    return (await client.set(`${this.prefix}#seen:${key}`, "1", "PX", ttlMs, "NX")) === "OK";
  }

  /**
   * Run `fn` holding the lease on `key`, shared by every process on this Redis and prefix; writes of
   * `key` inside `fn` are fenced. Waiters are woken by the release (pub/sub), or when the lease of a
   * holder that died runs out. Redis unreachable ⇒ the lock holds within this process only.
   * `signal` gives up waiting (see `LockOptions`).
   */
  withLock<T>(key: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    return this.#mutex.run(key, () => this.#withLease(key, fn, options.signal));
  }

  /**
   * Call `onChange` whenever the object under `key` is written by any process on this Redis and
   * prefix, as the published message arrives: no polling. Returns the stop function.
   */
  watch(key: string, onChange: () => void): () => void {
    let stopped = false;
    const stop = this.#waiters.listen(key, onChange);
    if (!this.#subscriptionActive) {
      // A change published before the subscription took effect was missed: report one once it has.
      void this.#subscribe().then(() => {
        if (!stopped && this.#subscriptionActive) onChange();
      });
    }
    return () => {
      stopped = true;
      stop();
    };
  }

  /** Close the Redis connections (the process can then exit). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#recent.clear(); // a closed provider serves nothing
    const client = this.#client ? await this.#client.catch(() => undefined) : undefined;
    client?.disconnect();
    this.#subscriber?.disconnect();
  }

  async #withLease<T>(key: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    let lease: Lease;
    try {
      lease = await this.#acquire(key, signal);
    } catch (err) {
      if (!this.#isOutage(err)) throw err;
      this.#noteOutage(err);
      return fn();
    }
    const renewal = setInterval(() => void this.#renew(lease), Math.max(50, Math.floor(this.leaseMs / 3)));
    try {
      return await this.#lease.run(lease, fn);
    } finally {
      clearInterval(renewal);
      await this.#release(lease);
    }
  }

  async #acquire(key: string, signal?: AbortSignal): Promise<Lease> {
    await this.#subscribe();
    const owner = process.getBuiltinModule("node:crypto").randomUUID();
    const deadline = Date.now() + this.lockWaitMs;
    for (;;) {
      signal?.throwIfAborted();
      const change = this.#lockWaiters.register(key);
      const seen = this.#sightingNow();
      const [fence, leftMs, ...value] = (await this.#evalThroughReconfiguration(
        ACQUIRE, 3, this.#lockKey(key), this.#fenceKey(key), this.#objKey(key), owner, this.leaseMs, this.#maxValueBytes,
      )) as [number, number, ...unknown[]];
      this.#recovered();
      if (fence > 0) {
        change.cancel();
        // Reads under the lease: this turn from the value the lease was taken with, then from Redis.
        this.#recent.delete(key);
        if (value.length !== 1) this.#remember(key, this.#storedCopy(key, value as StoredReply), { ...seen, epoch: null });
        return { key, fence, value: `${owner}:${fence}` };
      }
      if (typeof value[0] === "string") this.#leasesSeen.set(key, value[0]);
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        change.cancel();
        throw new StorageException(`Timed out after ${this.lockWaitMs} ms waiting for the Redis lock`, { filePath: key });
      }
      // Woken by the holder's release; else when its lease would have run out.
      await change.wait(Math.min(leftMs > 0 ? leftMs + 10 : 50, remaining), signal);
      // The holder's write and release often arrive together: let what the write woke (a watcher
      // finding the token fresh, which gives up waiting) run before trying the lock again.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async #renew(lease: Lease): Promise<void> {
    try {
      const client = await this.#connected();
      await client.eval(RENEW, 1, this.#lockKey(lease.key), lease.value, this.leaseMs);
    } catch {
      // The lease may then run out; the fenced write refuses what an expired holder would overwrite.
    }
  }

  async #release(lease: Lease): Promise<void> {
    try {
      await this.#evalThroughReconfiguration(RELEASE, 1, this.#lockKey(lease.key), lease.value, this.#channel(), releaseMessage(lease.key));
    } catch (err) {
      if (!this.#isOutage(err)) throw err;
      this.#noteOutage(err); // the lease runs out by itself
    }
  }

  /** The stored object (refreshing this process's copy), or the copy when Redis is unreachable. */
  async #read(key: string): Promise<LocalCopy | undefined> {
    const recent = this.#closed ? undefined : this.#recentCopy(key);
    if (recent) return recent.copy;
    const seen = this.#sightingNow();
    try {
      const client = await this.#connected();
      const reply = (await client.eval(READ, 1, this.#objKey(key), this.#maxValueBytes)) as StoredReply | [number];
      this.#recovered();
      if (reply.length === 1) {
        throw new FileTooLargeException(`The value stored in Redis (${reply[0]} bytes) is larger than the limit of ${this.#maxValueBytes} bytes; it was not read`, { filePath: key });
      }
      const copy = this.#storedCopy(key, reply);
      this.#remember(key, copy, seen);
      return copy;
    } catch (err) {
      if (!this.#isOutage(err)) throw err;
      this.#noteOutage(err);
      const copy = this.#copies.get(key);
      if (!copy) throw new StorageException("Redis is unreachable and this process holds no copy of the object", { filePath: key, cause: err });
      return copy;
    }
  }

  /** The value as READ (or ACQUIRE) returned it, kept as this process's copy; undefined when nothing is stored. */
  #storedCopy(key: string, [text, mtime, fence]: StoredReply): LocalCopy | undefined {
    if (text === null) {
      this.#copies.delete(key);
      return undefined;
    }
    const copy = { text, mtime: Number(mtime), fence: Number(fence ?? 0), pending: false };
    this.#copies.set(key, copy);
    return copy;
  }

  /** When a read or write is sent: whether what it returns can serve later reads. */
  #sightingNow(): { epoch: number | null; seq: number } {
    return { epoch: this.#subscriptionActive ? this.#epoch : null, seq: this.#messages };
  }

  /**
   * Keep what a read or write sent at `seen` found, to serve the next reads of `key`: for `RECENT_MS`
   * when change messages were received throughout and none came since (else for this turn only), and
   * never over a value announced after it was sent.
   */
  #remember(key: string, copy: LocalCopy | undefined, seen: { epoch: number | null; seq: number }): void {
    const current = this.#recent.get(key);
    if (current && current.seq > seen.seq) return;
    const lasting = seen.epoch !== null && seen.epoch === this.#epoch && this.#subscriptionActive && seen.seq === this.#messages;
    const entry: Recent = { copy, at: Date.now(), epoch: lasting ? this.#epoch : null, seq: this.#messages };
    this.#recent.set(key, entry);
    if (!lasting) {
      setImmediate(() => {
        if (this.#recent.get(key) === entry) this.#recent.delete(key);
      });
    }
  }

  #recentCopy(key: string): Recent | undefined {
    const entry = this.#recent.get(key);
    if (!entry) return undefined;
    if (entry.epoch === null || (entry.epoch === this.#epoch && this.#subscriptionActive && Date.now() - entry.at < RECENT_MS)) return entry;
    this.#recent.delete(key);
    return undefined;
  }

  /**
   * A change message. A release wakes the processes waiting for the lock. A value announced under the
   * lease this process last found holding the key, and newer than what it holds, is taken as read;
   * any other write drops what was seen of the key; either wakes the watchers.
   */
  #onChange(message: string): void {
    this.#messages++;
    const { key, value, released } = parseChangeMessage(message);
    if (released) return this.#lockWaiters.notify(key);
    const verdict = value ? this.#judge(key, value) : "drop";
    if (verdict === "take") {
      const copy = { text: value!.text, mtime: value!.mtime, fence: value!.fence, pending: false };
      this.#copies.set(key, copy);
      this.#leasesSeen.delete(key); // one announcement per lease seen: a replay is not taken
      this.#recent.set(key, { copy, at: Date.now(), epoch: this.#epoch, seq: this.#messages });
    } else if (verdict === "drop") {
      this.#recent.delete(key);
    }
    this.#waiters.notify(key);
  }

  /** take: authentic and newer than the copy held; keep: what is held is this value or newer; drop: read it again. */
  #judge(key: string, value: AnnouncedValue): "take" | "keep" | "drop" {
    const held = this.#copies.get(key);
    if (held && !held.pending && (held.fence > value.fence || (held.fence === value.fence && held.text === value.text))) return "keep";
    const lease = this.#leasesSeen.get(key);
    if (!lease || !announcedUnder(lease, key, value)) return "drop";
    if (Buffer.byteLength(value.text) > this.#maxValueBytes) return "drop";
    return "take";
  }

  #decode(key: string, text: string): Promise<JsonObject> | JsonObject {
    if (this.#format) return this.#format.decode(text, { key, path: key });
    refusePlainStorageOfFormatKey(key, key);
    return parseJsonObject(text);
  }

  /** Without `encrypt`, a key an encrypted format claims (`*.sops.json`) is refused, never stored in clear. */
  async #encode(key: string, data: JsonObject): Promise<string> {
    if (!this.#format) {
      refusePlainStorageOfFormatKey(key, key);
      return serializeJsonObject(data);
    }
    return this.#format.encode(data, { key, path: key, previousText: this.#copies.get(key)?.text });
  }

  /** `{key}` is a hash tag: a key's value, lock and fence share one Redis Cluster slot, so one script can use all three. */
  #objKey(key: string): string {
    return `${this.prefix}{${key}}`;
  }
  #lockKey(key: string): string {
    return `${this.prefix}{${key}}#lock`;
  }
  #fenceKey(key: string): string {
    return `${this.prefix}{${key}}#fence`;
  }
  #channel(): string {
    return `${this.prefix}#changed`;
  }

  #connected(): Promise<RedisConnection> {
    if (this.#closed) return Promise.reject(new StorageException("The Redis storage provider is closed"));
    this.#client ??= this.#connect().catch((err: unknown) => {
      this.#client = undefined; // the client library could not be loaded: try again next time
      throw err;
    });
    return this.#client.then((client) => {
      if (client.status === "ready") return client;
      if (this.#authFailure) {
        throw new RedisAuthenticationException(`Redis refused the storage's credentials (${this.#authFailure.message.split(" ")[0]}): check the user and password of its url`);
      }
      throw new RedisUnavailable(`Redis connection is ${client.status}`);
    });
  }

  async #connect(): Promise<RedisConnection> {
    const client = await createConnection(this.#target, { commandTimeoutMs: this.#commandTimeoutMs, offlineQueue: false });
    // Surfaced by the failing commands; refused credentials are remembered so they are not taken for an outage.
    client.on("error", (err: unknown) => {
      if (isAuthenticationReply(err)) this.#authFailure = err as Error;
    });
    client.on("ready", () => {
      this.#authFailure = undefined;
      void this.#catchUp(client);
    });
    // A failed first connection is retried in the background (retryStrategy); until then, degraded.
    await this.#connectWithin(client);
    return client;
  }

  #subscribe(): Promise<void> {
    this.#subscribed ??= (async () => {
      await this.#connected();
      const subscriber = await createConnection(this.#target, { commandTimeoutMs: this.#commandTimeoutMs, offlineQueue: true });
      this.#subscriber = subscriber;
      subscriber.on("error", () => undefined);
      subscriber.on("message", (_channel: string, message: string) => this.#onChange(message));
      subscriber.on("close", () => {
        this.#subscriptionActive = false;
        this.#epoch++;
      });
      // After a reconnection (the client subscribes again by itself): active once the subscription is back.
      subscriber.on("ready", () => {
        if (this.#subscriptionActive || this.#closed) return;
        subscriber.subscribe(this.#channel()).then(() => (this.#subscriptionActive = true), () => undefined);
      });
      await this.#connectWithin(subscriber);
      // Not connected yet: the "ready" handler subscribes once it is; until then waiters wake when a lease would run out.
      if (subscriber.status !== "ready") return;
      await subscriber.subscribe(this.#channel());
      this.#subscriptionActive = true;
    })().catch((err: unknown) => {
      // Waiters then wake when a lease would have run out: slower, still correct.
      this.#subscribed = undefined;
      this.#logger?.debug(`Redis change notifications unavailable (${describe(err)})`);
    });
    return this.#subscribed;
  }

  /**
   * Start connecting and wait at most a command's timeout: a Redis Cluster whose state is not ok (a
   * slot without a master) keeps a cluster client's first connection pending until it is. The client
   * goes on connecting in the background; meanwhile the provider is degraded.
   */
  async #connectWithin(client: RedisConnection): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.connect().catch(() => undefined),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, this.#commandTimeoutMs))),
    ]);
    clearTimeout(timer);
  }

  /** After a (re)connection: write back what this process holds that Redis lacks or has older. */
  async #catchUp(client: RedisConnection): Promise<void> {
    for (const [key, copy] of this.#copies) {
      try {
        await client.eval(RESTORE, 1, this.#objKey(key), copy.text, copy.mtime, this.#channel(), key);
        copy.pending = false;
      } catch (err) {
        this.#logger?.debug(`Could not write back a stored object to Redis yet (${describe(err)})`);
        return;
      }
    }
  }

  #isOutage(err: unknown): boolean {
    if (err instanceof RedisUnavailable) return true;
    if (!(err instanceof Error)) return false;
    const code = (err as NodeJS.ErrnoException).code;
    // READONLY: a master demoted by a failover, until the client has reconnected to the new one.
    return (
      Boolean(code && /^E[A-Z]+$/.test(code)) ||
      /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|ECONNRESET|MaxRetriesPerRequest|Failed to refresh slots cache|None of startup nodes is available|^READONLY\b/i.test(err.message) ||
      isReconfigurationReply(err)
    );
  }

  /**
   * A lock or fenced-write script, sent again while Redis is between two configurations (a failover,
   * a slot not yet served): for up to a lease, the time a holder keeps the lock without renewing it.
   * That is a reply saying so (CLUSTERDOWN, TRYAGAIN, MASTERDOWN, LOADING) and, on a Redis Cluster or
   * behind Sentinel, whose masters are replaced by design, also the master being out of reach (a
   * killed master's connection refused, the cluster client unable to refresh its slots): a failover
   * takes seconds, longer than the client's own retries. Failing sooner would make a waiter refresh on
   * its own (a second token call), or fail its refresh and send its expired token, or a holder drop the
   * token it just obtained. Past a lease, or for a single Redis at once, it is an outage (degraded mode).
   */
  async #evalThroughReconfiguration(...args: Parameters<RedisConnection["eval"]>): Promise<unknown> {
    const until = Date.now() + this.leaseMs;
    const failsOver = Boolean(this.#target.cluster || this.#target.sentinel);
    for (let pauseMs = 100; ; pauseMs = Math.min(pauseMs * 2, 1000)) {
      try {
        const client = await this.#connected();
        return await client.eval(...args);
      } catch (err) {
        const between = isReconfigurationReply(err) || (failsOver && this.#isOutage(err));
        if (!between || this.#closed || Date.now() + pauseMs > until) throw err;
        await new Promise((resolve) => setTimeout(resolve, pauseMs));
      }
    }
  }

  #noteOutage(err: unknown): void {
    this.#degradedOperations++;
    if (this.#degraded) return;
    this.#degraded = true;
    this.#logger?.warning(
      `Redis token store unreachable (${describe(err)}): serving this process's copy of tokens and locking within this process until it returns`,
    );
  }

  #recovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    this.#logger?.info("Redis token store reachable again");
  }
}

/** An error's class and code, never its text beyond the first line (it may name the server). */
function describe(err: unknown): string {
  if (!(err instanceof Error)) return typeof err;
  const code = (err as NodeJS.ErrnoException).code;
  return code ? `${err.name} ${code}` : `${err.name}: ${err.message.split("\n")[0]}`;
}
