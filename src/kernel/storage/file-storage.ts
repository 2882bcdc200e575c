/**
 * The default storage provider: files under the home directory (resolved at call time, so a changed
 * HOME is honoured), relative keys resolved against it, absolute keys used as they are.
 * Writes are atomic: a 0600 temp file created exclusively in the target directory, fsync'd, then
 * renamed over the target, so a crash never leaves a truncated file; directories are created 0700.
 * Keys that a plugin's StorageFormat claims are decoded/encoded by it; the bytes still go through here.
 * Without formats given, the provider has the default storage formats (default-formats.ts), as the
 * Python library's default provider is encryption-aware; a key that a default format claims but
 * none of this provider's formats does is refused rather than read or written as plain JSON.
 * `withLock` takes a cross-process lock beside the file (proper-lockfile); `watch` reports changes
 * through a watcher on the file's directory, which survives an atomic rename over the file.
 */
import { promises as fs, constants as fsConstants } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import {
  CorruptObjectException,
  ObjectNotFoundException,
  StorageException,
} from "../errors.js";
import type { JsonObject, LockOptions, ObjectStorageProvider, StorageFormat } from "../storage-provider.js";
import { parseJsonObject, serializeJsonObject } from "./json-format.js";
import { DEFAULT_MAX_FILE_BYTES, FileTooLargeException, permissionWarning, readFileCapped } from "../file-trust.js";
import { PROFILE_DIR } from "../profiles.js";
import { lazyLoader } from "../lazy.js";
import type { AuthLogger } from "../logging.js";
import { watchFileChanges } from "./watch-file.js";
import { defaultStorageFormats, refusePlainStorageOfFormatKey } from "./default-formats.js";

/** The file operations the provider uses; injectable so tests can make a write fail part-way. */
export type FileOps = Pick<typeof fs, "readFile" | "access" | "stat" | "rename" | "mkdir" | "open" | "rm">;

/**
 * Options of `FileStorageProvider`: the home directory keys resolve against, the storage formats, the file
 * size cap, the lock settings and the file operations.
 */
export interface FileStorageOptions {
  fileOps?: FileOps;
  /** Root for relative keys; default: the current home directory at each call. */
  homeDir?: () => string;
  /**
   * Formats contributed by plugins, consulted in order. Read live, so later registrations apply.
   * Default: the default storage formats, read at each use.
   */
  formats?: readonly StorageFormat[];
  /** Largest file read, in bytes (default 1 MiB); a larger one fails with FileTooLargeException and is left as it is. */
  maxFileBytes?: number;
  lock?: FileLockOptions;
  /** The environment the formats are given (`StorageFormatContext.env`), read at each use; default: the process's. */
  env?: () => Readonly<Record<string, string | undefined>>;
}

/**
 * How the file storage's cross-process lock behaves: after how long a crashed owner's lock is taken over, and
 * how long to wait for a lock.
 */
export interface FileLockOptions {
  /** A lock not updated for this long is considered abandoned and taken over. Default 10 s (at least 2 s). */
  staleMs?: number;
  /** How long to keep trying to take a busy lock. Default 30 s. */
  acquireTimeoutMs?: number;
  /** Where a compromised lock (taken over while held) is reported; resolved when needed. */
  logger?: () => AuthLogger | undefined;
}

const loadLockfile = lazyLoader(async () => (await import("proper-lockfile")).default);

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Stores objects as files under a root directory (keys are relative paths, `~` is the home directory): atomic
 * saves with 0600 permissions, cross-process locks (`withLock`), change watching, and the storage formats the
 * kernel's plugins register (e.g. `*.sops.json` encrypted). The default storage of every kernel.
 */
export class FileStorageProvider implements ObjectStorageProvider {
  readonly #homeDir: () => string;
  readonly #formats: readonly StorageFormat[] | null;
  readonly #env: (() => Readonly<Record<string, string | undefined>>) | undefined;
  readonly #fs: FileOps;
  readonly #maxFileBytes: number;
  readonly #lock: FileLockOptions;

  /** A file store under the home directory (default: `$HOME`), with the given formats and lock settings. */
  constructor(options: FileStorageOptions = {}) {
    this.#lock = options.lock ?? {};
    this.#fs = options.fileOps ?? fs;
    this.#maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.#homeDir = options.homeDir ?? (() => process.env.HOME || homedir());
    this.#formats = options.formats ?? null;
    this.#env = options.env;
  }

  /** Absolute file path for a key. */
  resolvePath(key: string): string {
    return path.isAbsolute(key) ? key : path.join(this.#homeDir(), key);
  }

  /** The format that reads and writes `key`; none for plain JSON, which a default format's key never is. */
  #formatFor(key: string): StorageFormat | undefined {
    const format = (this.#formats ?? defaultStorageFormats()).find((f) => f.matches(key));
    if (!format) refusePlainStorageOfFormatKey(key, this.resolvePath(key));
    return format;
  }

  /**
   * Run `fn` holding a lock directory beside the file (`<file>.lock`), kept fresh while held; a lock
   * whose owner stopped updating it (a crashed process) is taken over after `staleMs`.
   */
  async withLock<T>(key: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
    const file = this.resolvePath(key);
    await this.#fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const lockfile = await loadLockfile();
    const stale = Math.max(2000, this.#lock.staleMs ?? 10_000);
    // Short, flat retry intervals: locked work is quick, and waiters should notice the release fast.
    const maxTimeout = 100;
    const retries = Math.ceil((this.#lock.acquireTimeoutMs ?? 30_000) / maxTimeout);
    let release: () => Promise<void>;
    const { signal } = options;
    signal?.throwIfAborted();
    const locking = lockfile.lock(file, {
      realpath: false,
      stale,
      retries: { retries, minTimeout: 10, maxTimeout, factor: 1.5, randomize: true },
      onCompromised: (err) => this.#lock.logger?.()?.warning(`The lock of ${file} was compromised (${err.message})`),
    });
    try {
      release = await (signal ? abandonable(locking, signal) : locking);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) throw err;
      throw new StorageException(`Could not lock file: ${errnoCode(err) ?? (err as Error).message}`, { filePath: file, cause: err });
    }
    try {
      return await fn();
    } finally {
      await release().catch((err: unknown) => this.#lock.logger?.()?.warning(`Could not release the lock of ${file} (${errnoCode(err) ?? "error"})`));
    }
  }

  async loadObj(key: string): Promise<JsonObject> {
    const filePath = this.resolvePath(key);
    const format = this.#formatFor(key);
    let text: string;
    try {
      text = await this.#read(filePath);
    } catch (err) {
      if (err instanceof FileTooLargeException) throw err;
      if (errnoCode(err) === "ENOENT") throw new ObjectNotFoundException("File not found", { filePath, cause: err });
      throw new StorageException(`Could not read file: ${errnoCode(err) ?? (err as Error).message}`, { filePath, cause: err });
    }
    if (format) return format.decode(text, { key, path: filePath, env: this.#env?.() });
    try {
      return parseJsonObject(text);
    } catch (err) {
      throw new CorruptObjectException(`File does not hold a valid JSON object: ${(err as Error).message}`, {
        filePath,
        cause: err,
      });
    }
  }

  async saveObj(key: string, data: JsonObject): Promise<void> {
    const filePath = this.resolvePath(key);
    const format = this.#formatFor(key);
    let text: string;
    if (format) {
      const previousText = await this.#read(filePath).catch((err: unknown) => {
        if (err instanceof FileTooLargeException) throw err;
        return undefined;
      });
      text = await format.encode(data, { key, path: filePath, previousText, env: this.#env?.() });
    } else {
      text = serializeJsonObject(data);
    }
    await removeStaleTempFiles(filePath);
    await writeFileAtomic(filePath, text, this.#fs);
    if (!path.isAbsolute(key) && key.startsWith(`${PROFILE_DIR}/`)) await this.#tightenProfileDirs(key);
  }

  /**
   * `~/.planet` and the directories under it are the profile directories this library (and the
   * reference implementation, which creates them with the default umask) manages: make them 0700
   * when they are looser and owned by the current user. Other directories are never changed.
   */
  async #tightenProfileDirs(key: string): Promise<void> {
    const parts = key.split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const dir = path.join(this.#homeDir(), ...parts.slice(0, i));
      const st = await fs.stat(dir).catch(() => null);
      if (st?.isDirectory() && (st.mode & 0o077) !== 0 && st.uid === process.getuid?.()) await fs.chmod(dir, 0o700).catch(() => undefined);
    }
  }

  /** A warning when the stored object is readable by group or others (it may hold secrets); else null. */
  async accessWarning(key: string): Promise<string | null> {
    const filePath = this.resolvePath(key);
    const st = await fs.stat(filePath).catch(() => null);
    return st ? permissionWarning(st.mode, filePath) : null;
  }

  #read(filePath: string): Promise<string> {
    return readFileCapped(filePath, this.#maxFileBytes, (p, flags) => this.#fs.open(p, flags));
  }

  async objExists(key: string): Promise<boolean> {
    try {
      await this.#fs.access(this.resolvePath(key), fsConstants.F_OK);
      return true;
    } catch {
      return false;
    }
  }

  async mtime(key: string): Promise<number> {
    const filePath = this.resolvePath(key);
    try {
      return (await this.#fs.stat(filePath)).mtimeMs;
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new ObjectNotFoundException("File not found", { filePath, cause: err });
      throw new StorageException(`Could not stat file: ${errnoCode(err)}`, { filePath, cause: err });
    }
  }

  /** Watches the file's directory (an atomic save replaces the file's inode). */
  watch(key: string, onChange: () => void): () => void {
    return watchFileChanges(this.resolvePath(key), onChange);
  }

  async objRename(src: string, dst: string): Promise<void> {
    const from = this.resolvePath(src);
    const to = this.resolvePath(dst);
    try {
      await this.#fs.mkdir(path.dirname(to), { recursive: true, mode: 0o700 });
      await this.#fs.rename(from, to);
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new ObjectNotFoundException("File not found", { filePath: from, cause: err });
      throw new StorageException(`Could not rename file to ${to}: ${errnoCode(err)}`, { filePath: from, cause: err });
    }
  }
}

/**
 * `locking`, or the signal's reason once aborted; a lock taken after that is released at once
 * (proper-lockfile's retries cannot be cancelled).
 */
function abandonable(locking: Promise<() => Promise<void>>, signal: AbortSignal): Promise<() => Promise<void>> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      reject(signal.reason);
      void locking.then((release) => release(), () => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    locking.then(
      (release) => (signal.removeEventListener("abort", onAbort), resolve(release)),
      (err: unknown) => (signal.removeEventListener("abort", onAbort), reject(err)),
    );
  });
}

/**
 * The provider of an object given none (a FileBackedJsonObject built on its own): a fresh filesystem
 * provider under the home directory with the default storage formats, as the Python library's default.
 * A new one per use: it holds no state, so nothing is shared between objects, kernels or callers.
 */
export function defaultStorageProvider(): ObjectStorageProvider {
  return new FileStorageProvider();
}

/**
 * Write `text` to `filePath` atomically with mode 0600. On any failure the previous file is intact
 * and the temporary file is removed.
 */
export async function writeFileAtomic(filePath: string, text: string, ops: FileOps = fs): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${process.pid}.${process.getBuiltinModule("node:crypto").randomBytes(6).toString("hex")}.tmp`);
  try {
    await ops.mkdir(dir, { recursive: true, mode: 0o700 });
    const handle = await ops.open(tmp, "wx", 0o600);
    try {
      await handle.writeFile(text, "utf8");
      await handle.sync();
    } finally {
      await handle.close();
    }
    await ops.rename(tmp, filePath);
  } catch (err) {
    await ops.rm(tmp, { force: true }).catch(() => undefined);
    throw new StorageException(`Could not write file: ${errnoCode(err) ?? (err as Error).message}`, {
      filePath,
      cause: err,
    });
  }
}

/** A temp file of an interrupted save is removed once it is this old, whoever wrote it. */
export const STALE_TEMP_FILE_MS = 10 * 60 * 1000;

function processIsGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return errnoCode(err) === "ESRCH";
  }
}

/**
 * Remove temp files that an interrupted save of `filePath` left behind (`.<name>.<pid>.<hex>.tmp`,
 * or `.<name>.<hex>.tmp` from older versions): those whose writer process is gone, and any older
 * than STALE_TEMP_FILE_MS. A live writer's temp file (its process runs, and it is recent) is kept.
 * Best effort: failures are ignored.
 */
async function removeStaleTempFiles(filePath: string, now = Date.now()): Promise<void> {
  const dir = path.dirname(filePath);
  const base = path.basename(filePath).replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const pattern = new RegExp(`^\\.${base}\\.(?:(\\d+)\\.)?[0-9a-f]{12}\\.tmp$`);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const tmp = path.join(dir, name);
    const st = await fs.lstat(tmp).catch(() => null);
    if (!st?.isFile()) continue;
    const pid = match[1] ? Number(match[1]) : null;
    const stale = now - st.mtimeMs >= STALE_TEMP_FILE_MS || (pid !== null && pid !== process.pid && processIsGone(pid));
    if (stale) await fs.rm(tmp, { force: true }).catch(() => undefined);
  }
}
