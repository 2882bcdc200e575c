/**
 * Where `plauth profile edit` keeps the (decrypted) copy the editor works on: never in the shared
 * `$TMPDIR`, but in `$XDG_RUNTIME_DIR/plauth-edit` (memory-backed and private to the user, when the
 * session has one) or else `~/.planet/.edit` (0700). Each edit gets its own 0700 directory named after
 * plauth's process id; an edit ended by SIGKILL leaves it behind, and the next plauth run that loads
 * profiles removes the directories of processes that no longer run.
 */
import { lstat, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import path from "node:path";
import type { Environment } from "../kernel/index.js";

/** `$XDG_RUNTIME_DIR` when it is an absolute directory of ours that nobody else can enter. */
async function runtimeDir(env: Environment): Promise<string | undefined> {
  const dir = env.XDG_RUNTIME_DIR;
  if (!dir || !path.isAbsolute(dir)) return undefined;
  try {
    const st = await lstat(dir);
    const ours = typeof process.getuid !== "function" || st.uid === process.getuid();
    return st.isDirectory() && ours && (st.mode & 0o077) === 0 ? dir : undefined;
  } catch {
    return undefined;
  }
}

/** The places edit copies may be, the preferred first. */
async function scratchBases(env: Environment, home: string): Promise<string[]> {
  const runtime = await runtimeDir(env);
  return [...(runtime ? [path.join(runtime, "plauth-edit")] : []), path.join(home, ".planet", ".edit")];
}

/** A new private directory for one edit (0700), under the preferred base. */
export async function editScratchDir(env: Environment, home: string): Promise<string> {
  const [base] = await scratchBases(env, home);
  await mkdir(base!, { recursive: true, mode: 0o700 });
  return mkdtemp(path.join(base!, `${process.pid}-`));
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Remove the edit directories left by plauth processes that no longer run (best effort). */
export async function removeStaleEditCopies(env: Environment, home: string): Promise<void> {
  for (const base of await scratchBases(env, home)) {
    let entries: string[];
    try {
      entries = await readdir(base);
    } catch {
      continue;
    }
    for (const entry of entries) {
      const pid = Number(/^(\d+)-/.exec(entry)?.[1]);
      if (pid && pid !== process.pid && !isRunning(pid)) await rm(path.join(base, entry), { recursive: true, force: true }).catch(() => {});
    }
  }
}
