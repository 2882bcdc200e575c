/**
 * Change notification for one file, for callers that keep its contents in memory and must not stat
 * it per use. The parent directory is watched, not the file: an atomic save renames a new file over
 * the old one, which replaces the inode a file watch would be attached to. The watcher does not keep
 * the process alive.
 */
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";

/**
 * Call `onChange` whenever `filePath` may have changed (written, renamed over, removed), and also
 * when the watch itself fails, so the caller re-reads rather than trusting a stale copy. Returns a
 * function that stops watching. Throws when the directory cannot be watched (e.g. it does not exist).
 */
export function watchFileChanges(filePath: string, onChange: () => void): () => void {
  const name = path.basename(filePath);
  const watcher: FSWatcher = watch(path.dirname(filePath), { persistent: false }, (_event, changed) => {
    if (changed === null || changed.toString() === name) onChange();
  });
  watcher.on("error", () => {
    watcher.close();
    onChange();
  });
  return () => watcher.close();
}
