/**
 * File trust rules shared by config discovery and file storage:
 * - a file that runs code, names code to run, or chooses credentials, endpoints or storage is used
 *   only when it is owned by the current user (or root) and nobody else can write it, nor any
 *   directory above it — the rule of ssh's StrictModes, applied to every directory up to `/`. A
 *   world-writable directory with the sticky bit (like `/tmp`) is accepted: others cannot rename or
 *   remove what you own in it. The file is opened once, without following a symbolic link, and the
 *   checks are of that open descriptor and of the directories that really hold that same file, so
 *   nothing can be swapped in between;
 * - files holding secrets should be readable by their owner only (a warning otherwise, as ssh gives);
 * - stored objects are read up to a size limit, so a huge or endless file fails cleanly.
 */
import { constants as fsConstants, promises as fs, type Stats } from "node:fs";
import path from "node:path";
import { AuthException, FileBackedJsonObjectException, type ErrorCode } from "./errors.js";

/** Default limit of a token, config or discovered config file read: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** A file that would run code, or choose credentials, is not one only you (or root) control. */
export class UntrustedFileException extends AuthException {
  static override readonly code: ErrorCode = "ERR_UNTRUSTED_FILE";
}

/** A stored object is larger than the configured read limit. The file is left untouched. */
export class FileTooLargeException extends FileBackedJsonObjectException {
  static override readonly code: ErrorCode = "ERR_FILE_TOO_LARGE";
}

/** The current user's id, or null where the platform has none (Windows). */
function currentUid(): number | null {
  return typeof process.getuid === "function" ? process.getuid() : null;
}

/** Whether `st` is owned by the user (default: the current one) or root; always true where there are no user ids. */
export function ownedByUserOrRoot(st: { uid: number }, uid: number | null = currentUid()): boolean {
  return uid === null || st.uid === uid || st.uid === 0;
}

export interface TrustOptions {
  /**
   * The user who must own the file (root is always accepted). Default: the current user; the
   * checks are skipped only where the platform has no user ids (Windows).
   */
  uid?: number;
  /** Directories already found sound during one check of several files: not checked again. */
  checkedDirs?: Set<string>;
}

/** A file read through one descriptor opened without following a symbolic link. */
export interface OpenedFile {
  /** The path as given. */
  readonly path: string;
  /** The same file with every directory resolved (no symbolic link on the way): what code imports use. */
  readonly realPath: string;
  readonly text: string;
  /** `fstat` of the descriptor the text was read from. */
  readonly stat: Stats;
}

/** The sticky bit: in such a directory only an entry's owner (or the directory's) may rename or remove it. */
const STICKY = 0o1000;

const RULE = "Such files must be owned by you and writable by nobody else (root's are accepted too), in directories nobody else can write";

function untrusted(file: string, why: string, problem: string, fix = ""): UntrustedFileException {
  return new UntrustedFileException(`Refusing to use a file that ${why}: ${problem}. ${RULE}${fix}`, { filePath: file });
}

function octal(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, "0");
}

/** Why `st` (of `what`) fails the owner/mode rule for `uid`, or null when it passes. */
function ownerModeProblem(st: Stats, uid: number, what: string): string | null {
  if (st.uid !== uid && st.uid !== 0) return `${what} is owned by uid ${st.uid}, not by the current user (uid ${uid}) or root`;
  if ((st.mode & 0o022) !== 0 && !(st.isDirectory() && (st.mode & STICKY) !== 0)) {
    return `${what} is writable by group or others (mode ${octal(st.mode)})`;
  }
  return null;
}

/**
 * Open `file` for reading without following a symbolic link (and without blocking on a FIFO), read
 * at most `maxBytes` from that descriptor, and `fstat` it. ENOENT and the like are thrown as they are.
 */
export async function openNoFollow(file: string, maxBytes: number): Promise<OpenedFile> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NOFOLLOW ?? 0) | (fsConstants.O_NONBLOCK ?? 0));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ELOOP") {
      throw new UntrustedFileException(
        "Refusing to follow a symbolic link: configuration files and plugin modules are opened without following links (name the file itself)",
        { filePath: file, cause: err },
      );
    }
    throw err;
  }
  try {
    const stat = await handle.stat();
    if (stat.isDirectory()) throw Object.assign(new Error(`${file} is a directory`), { code: "EISDIR" });
    const realPath = path.join(await fs.realpath(path.dirname(file)), path.basename(file));
    const text = stat.isFile() ? await readCapped(handle, file, maxBytes, stat.size) : "";
    return { path: file, realPath, text, stat };
  } finally {
    await handle.close();
  }
}

/**
 * Throw UntrustedFileException unless the opened file passes the rule: a regular file owned by the
 * user (or root), writable by nobody else, held by a directory chain up to `/` that only the user
 * (or root) can change, and still the very file that was opened (same device and inode).
 * `why` says what the file would do ("names plugins to import").
 */
export async function assertTrustedOpenedFile(opened: OpenedFile, why: string, options: TrustOptions = {}): Promise<void> {
  const uid = options.uid ?? currentUid();
  if (uid === null) return;
  const { stat, realPath, path: file } = opened;
  if (!stat.isFile()) throw untrusted(file, why, "it is not a regular file");
  const problem = ownerModeProblem(stat, uid, "it");
  if (problem) throw untrusted(file, why, problem, /writable/.test(problem) ? " (chmod go-w)" : "");
  const now = await fs.lstat(realPath).catch(() => null);
  if (!now || now.dev !== stat.dev || now.ino !== stat.ino) throw untrusted(file, why, "it was replaced while it was being checked");
  for (let dir = path.dirname(realPath); ; dir = path.dirname(dir)) {
    if (options.checkedDirs?.has(dir)) return;
    const st = await fs.lstat(dir);
    const dirProblem = st.isSymbolicLink() ? `the directory ${dir} was replaced by a symbolic link` : ownerModeProblem(st, uid, `the directory ${dir}`);
    if (dirProblem) throw untrusted(file, why, `${dirProblem}, so someone else could replace the file`);
    options.checkedDirs?.add(dir);
    if (path.dirname(dir) === dir) return;
  }
}

/**
 * Check `file` by the same rule (see `assertTrustedOpenedFile`) and return its real path, which is
 * what an import of it must use. A missing file is not an error here (it fails where it is used).
 */
export async function assertTrustedCodeFile(file: string, why: string, options: TrustOptions = {}): Promise<string> {
  let opened: OpenedFile;
  try {
    opened = await openNoFollow(file, DEFAULT_MAX_FILE_BYTES);
  } catch (err) {
    if (err instanceof AuthException) throw err;
    return file;
  }
  await assertTrustedOpenedFile(opened, why, options);
  return opened.realPath;
}

/** A warning when a file holding secrets can be read by group or others; null when it cannot. */
export function permissionWarning(mode: number, file: string): string | null {
  if (currentUid() === null || (mode & 0o044) === 0) return null;
  const octal = (mode & 0o777).toString(8).padStart(4, "0");
  return `${file} is readable by group or others (mode ${octal}); it may hold secrets: chmod 600 it`;
}

/**
 * Read a UTF-8 file of at most `maxBytes` bytes. Larger ⇒ FileTooLargeException naming the file and
 * the limit; the check reads at most `maxBytes + 1` bytes, so a file that grows meanwhile is caught too.
 */
export async function readFileCapped(
  file: string,
  maxBytes: number,
  open: (path: string, flags: string) => Promise<fs.FileHandle> = fs.open,
): Promise<string> {
  const handle = await open(file, "r");
  try {
    return await readCapped(handle, file, maxBytes, (await handle.stat()).size);
  } finally {
    await handle.close();
  }
}

async function readCapped(handle: fs.FileHandle, file: string, maxBytes: number, size: number): Promise<string> {
  const limit = maxBytes + 1;
  let buffer = Buffer.alloc(Math.min(limit, size + 1));
  let length = 0;
  for (;;) {
    if (length === buffer.length) {
      if (buffer.length >= limit) break;
      buffer = Buffer.concat([buffer, Buffer.alloc(Math.min(buffer.length, limit - buffer.length))]);
    }
    const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  if (length > maxBytes) {
    throw new FileTooLargeException(`File is larger than the limit of ${maxBytes} bytes; it was not read`, { filePath: file });
  }
  return buffer.toString("utf8", 0, length);
}
