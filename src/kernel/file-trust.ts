/**
 * File trust rules shared by config discovery and file storage:
 * - code named by a config file runs only when the file is owned by the current user (or root) and
 *   nobody else can write it — the rule of ssh's StrictModes;
 * - files holding secrets should be readable by their owner only (a warning otherwise, as ssh gives);
 * - stored objects are read up to a size limit, so a huge or endless file fails cleanly.
 */
import { promises as fs } from "node:fs";
import { AuthException, FileBackedJsonObjectException, type ErrorCode } from "./errors.js";

/** Default limit of a token, config or discovered config file read: 1 MiB. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** A file that would run code (or name code to run) is owned by someone else or writable by others. */
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

/**
 * Throw UntrustedFileException unless `file` is owned by the current user (or root) and is not
 * writable by group or others. `why` says what the file would do ("names plugins to import").
 */
export async function assertTrustedCodeFile(file: string, why: string): Promise<void> {
  const uid = currentUid();
  if (uid === null) return;
  const st = await fs.stat(file).catch(() => null);
  if (!st) return; // a missing file fails later, when it is imported, with its own error
  const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
  if (st.uid !== uid && st.uid !== 0) {
    throw new UntrustedFileException(
      `Refusing to use a file that ${why}: it is owned by uid ${st.uid}, not by the current user (uid ${uid}) or root. ` +
        `Files that run code must be owned by you and writable by nobody else`,
      { filePath: file },
    );
  }
  if ((st.mode & 0o022) !== 0) {
    throw new UntrustedFileException(
      `Refusing to use a file that ${why}: it is writable by group or others (mode ${mode}). ` +
        `Files that run code must be owned by you and writable by nobody else (chmod go-w)`,
      { filePath: file },
    );
  }
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
    const limit = maxBytes + 1;
    let buffer = Buffer.alloc(Math.min(limit, (await handle.stat()).size + 1));
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
  } finally {
    await handle.close();
  }
}
