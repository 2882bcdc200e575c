/**
 * Replay protection for DPoP proofs (RFC 9449 section 11.1): a proof's `jti` is remembered for as long as
 * the proof could still be accepted, and a second use within that window is refused. The store is
 * pluggable so a fleet shares it: `MemoryDpopReplayStore` (one process, bounded) is the default, and
 * the Redis storage provider's `rememberOnce` (SET NX PX) serves every replica on one Redis.
 */
import { AuthException, type Clock, type ErrorCode, systemClock } from "../../../kernel/index.js";
import { InvalidArgumentException } from "../token-errors.js";

declare module "../../../kernel/index.js" {
  interface ErrorCodes {
    ERR_DPOP_REPLAY_STORE: DpopReplayStoreException;
  }
}

/** Remembers keys for a while; any object with this method will do (e.g. `RedisStorageProvider`). */
export interface DpopReplayStore {
  /**
   * Remember `key` for `ttlMs` milliseconds. Resolves true when it was not remembered already (first
   * use), false when it was (a replay). Rejects when the store cannot answer: the caller must then
   * refuse the request, never accept it unchecked.
   */
  rememberOnce(key: string, ttlMs: number): Promise<boolean>;
}

/** The replay store could not answer (full, unreachable): the request is neither accepted nor proven bad. */
export class DpopReplayStoreException extends AuthException {
  static override readonly code: ErrorCode = "ERR_DPOP_REPLAY_STORE";
}

/** Default bound of the in-memory store: about 20 MB of keys, 3 000 proofs a second over a 65 s window. */
export const DEFAULT_MEMORY_REPLAY_STORE_SIZE = 200_000;

/** Options of `MemoryDpopReplayStore`: how many proof IDs it remembers and the clock. */
export interface MemoryDpopReplayStoreOptions {
  /** Most keys held at once (default 200 000). When every one is still live, new proofs are refused, not let through. */
  maxEntries?: number;
  clock?: Clock;
}

/**
 * One process's replay store. Entries are kept in insertion order with their deadline; expired ones
 * are dropped from the front as new ones arrive (every proof's window has the same length, so the
 * oldest entry expires first, give or take the proofs' clock skew).
 */
export class MemoryDpopReplayStore implements DpopReplayStore {
  readonly maxEntries: number;
  readonly #clock: Clock;
  readonly #deadlines = new Map<string, number>();

  /** A replay store in memory, remembering at most `maxEntries` proof IDs. */
  constructor(options: MemoryDpopReplayStoreOptions = {}) {
    const max = options.maxEntries ?? DEFAULT_MEMORY_REPLAY_STORE_SIZE;
    if (!Number.isInteger(max) || max < 1) throw new InvalidArgumentException("MemoryDpopReplayStore maxEntries must be a positive integer");
    this.maxEntries = max;
    this.#clock = options.clock ?? systemClock;
  }

  /** Keys remembered now (expired ones may linger until the next call). */
  get size(): number {
    return this.#deadlines.size;
  }

  async rememberOnce(key: string, ttlMs: number): Promise<boolean> {
    const now = this.#clock.now();
    const known = this.#deadlines.get(key);
    if (known !== undefined && known > now) return false;
    if (known !== undefined) this.#deadlines.delete(key);
    this.#dropExpired(now);
    if (this.#deadlines.size >= this.maxEntries) {
      throw new DpopReplayStoreException(`The DPoP replay store holds ${this.maxEntries} live proofs; refusing new ones until some expire`);
    }
    this.#deadlines.set(key, now + ttlMs);
    return true;
  }

  #dropExpired(now: number): void {
    for (const [key, deadline] of this.#deadlines) {
      if (deadline > now) {
        // Out-of-order deadlines (a longer window) only delay the purge; a full store looks further.
        if (this.#deadlines.size < this.maxEntries) return;
        continue;
      }
      this.#deadlines.delete(key);
    }
  }
}
