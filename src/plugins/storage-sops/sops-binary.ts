/**
 * Fallback for key types the native code does not handle (PGP, cloud KMS, Vault, Shamir key groups):
 * the `sops` binary, driven through stdin/stdout. Cleartext never touches the disk: it is piped to
 * `sops --encrypt … /dev/stdin` and the encrypted text is read from stdout (and vice versa).
 */
import { spawn } from "node:child_process";
import { promises as fs, constants as fsConstants } from "node:fs";
import path from "node:path";
import type { SopsEnvironment } from "./age-keys.js";

/** Find an executable named `sops` on `$PATH` (of the injected environment). */
export async function findSopsBinary(environment: SopsEnvironment): Promise<string | undefined> {
  const pathVar = environment.env.PATH ?? environment.env.Path ?? "";
  const names = environment.platform === "win32" ? ["sops.exe", "sops.cmd", "sops"] : ["sops"];
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        const stat = await fs.stat(candidate);
        if (!stat.isFile()) continue;
        await fs.access(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

export interface SopsRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `binary args…`, writing `input` to its stdin; resolves with exit code and output. Rejects
 * only when the process cannot be started.
 */
export function runSops(
  binary: string,
  args: readonly string[],
  input: string,
  options: { cwd?: string; env: Readonly<Record<string, string | undefined>> },
): Promise<SopsRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    // A child that exits without reading its stdin makes the write fail with EPIPE: not our error.
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(input, "utf8");
  });
}

/** One line of sops' stderr for an error message: trimmed, single line, bounded. */
export function summarizeStderr(stderr: string): string {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!line) return "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
