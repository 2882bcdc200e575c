/**
 * The default storage provider: files under the home directory (resolved at call time, so a changed
 * HOME is honoured), relative keys resolved against it, absolute keys used as they are.
 * Writes are atomic (gap S1): a 0600 temp file created exclusively in the target directory, fsync'd,
 * then renamed over the target; directories are created 0700 (gap S3). Keys that a plugin's
 * StorageFormat claims (e.g. `*.sops.json`) are decoded/encoded by it; the bytes still go through here.
 */
import { promises as fs, constants as fsConstants } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import {
  CorruptObjectException,
  FileBackedJsonObjectException,
  ObjectNotFoundException,
  StorageException,
} from "../errors.js";
import type { JsonObject, ObjectStorageProvider, StorageFormat } from "../storage-provider.js";
import { parseJsonObject, serializeJsonObject } from "./json-format.js";

/** The file operations the provider uses; injectable so tests can make a write fail part-way. */
export type FileOps = Pick<typeof fs, "readFile" | "access" | "stat" | "rename" | "mkdir" | "open" | "rm">;

export interface FileStorageOptions {
  fileOps?: FileOps;
  /** Root for relative keys; default: the current home directory at each call. */
  homeDir?: () => string;
  /** Formats contributed by plugins, consulted in order. Read live, so later registrations apply. */
  formats?: readonly StorageFormat[];
}

const SOPS_SUFFIX = ".sops.json";

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

export class FileStorageProvider implements ObjectStorageProvider {
  readonly #homeDir: () => string;
  readonly #formats: readonly StorageFormat[];
  readonly #fs: FileOps;

  constructor(options: FileStorageOptions = {}) {
    this.#fs = options.fileOps ?? fs;
    this.#homeDir = options.homeDir ?? (() => process.env.HOME || homedir());
    this.#formats = options.formats ?? [];
  }

  /** Absolute file path for a key. */
  resolvePath(key: string): string {
    return path.isAbsolute(key) ? key : path.join(this.#homeDir(), key);
  }

  #formatFor(key: string): StorageFormat | undefined {
    const format = this.#formats.find((f) => f.matches(key));
    if (!format && key.endsWith(SOPS_SUFFIX)) {
      throw new FileBackedJsonObjectException(
        "This file is SOPS-encrypted, but no storage format for SOPS is registered (register the storage-sops plugin)",
        { filePath: this.resolvePath(key) },
      );
    }
    return format;
  }

  async loadObj(key: string): Promise<JsonObject> {
    const filePath = this.resolvePath(key);
    const format = this.#formatFor(key);
    let text: string;
    try {
      text = await this.#fs.readFile(filePath, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") throw new ObjectNotFoundException("File not found", { filePath, cause: err });
      throw new StorageException(`Could not read file: ${errnoCode(err) ?? (err as Error).message}`, { filePath, cause: err });
    }
    if (format) return format.decode(text, { key, path: filePath });
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
      const previousText = await this.#fs.readFile(filePath, "utf8").catch(() => undefined);
      text = await format.encode(data, { key, path: filePath, previousText });
    } else {
      text = serializeJsonObject(data);
    }
    await writeFileAtomic(filePath, text, this.#fs);
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
 * Write `text` to `filePath` atomically with mode 0600. On any failure the previous file is intact
 * and the temporary file is removed.
 */
export async function writeFileAtomic(filePath: string, text: string, ops: FileOps = fs): Promise<void> {
  const dir = path.dirname(filePath);
  const tmp = path.join(dir, `.${path.basename(filePath)}.${randomBytes(6).toString("hex")}.tmp`);
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
