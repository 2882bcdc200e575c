/**
 * Cross-process lock around "re-read → refresh → save" of a token file (gap C1). The default uses
 * proper-lockfile: a lock directory beside the token (`<token file>.lock`), kept fresh while held,
 * and taken over when its owner stopped updating it (stale-owner recovery).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { AuthLogger, ObjectStorageProvider } from "../../kernel/index.js";

/** Releases a lock. */
export type ReleaseLock = () => Promise<void>;

export interface TokenFileLock {
  /**
   * Take the lock for the token stored under `key`. Resolves with a release function, or null when the
   * provider's objects are not files this lock can guard (the refresh then runs unlocked).
   */
  acquire(key: string, provider: ObjectStorageProvider): Promise<ReleaseLock | null>;
}

export interface ProperLockfileTokenLockOptions {
  /** A lock not updated for this long is considered abandoned and taken over. Default 10 s. */
  staleMs?: number;
  /** How long to keep trying to take a busy lock. Default 30 s. */
  acquireTimeoutMs?: number;
  logger?: AuthLogger;
}

type ResolvingProvider = ObjectStorageProvider & { resolvePath(key: string): string };

function hasResolvePath(provider: ObjectStorageProvider): provider is ResolvingProvider {
  return typeof (provider as Partial<ResolvingProvider>).resolvePath === "function";
}

export class ProperLockfileTokenLock implements TokenFileLock {
  readonly staleMs: number;
  readonly acquireTimeoutMs: number;
  readonly #logger?: AuthLogger;

  constructor(options: ProperLockfileTokenLockOptions = {}) {
    this.staleMs = Math.max(2000, options.staleMs ?? 10_000);
    this.acquireTimeoutMs = options.acquireTimeoutMs ?? 30_000;
    this.#logger = options.logger;
  }

  /** The file the lock guards for `key`, or null when the provider does not map keys to files. */
  static lockTarget(key: string, provider: ObjectStorageProvider): string | null {
    return hasResolvePath(provider) ? provider.resolvePath(key) : null;
  }

  async acquire(key: string, provider: ObjectStorageProvider): Promise<ReleaseLock | null> {
    const file = ProperLockfileTokenLock.lockTarget(key, provider);
    if (!file) return null;
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const { default: lockfile } = await import("proper-lockfile");
    // Short, flat retry intervals: refreshes are quick, and waiters should notice the release fast.
    const minTimeout = 10;
    const maxTimeout = 100;
    const retries = Math.ceil(this.acquireTimeoutMs / maxTimeout);
    const release = await lockfile.lock(file, {
      realpath: false,
      stale: this.staleMs,
      retries: { retries, minTimeout, maxTimeout, factor: 1.5, randomize: true },
      onCompromised: (err) => this.#logger?.warning(`Token file lock was compromised (${err.message})`),
    });
    return release;
  }
}
