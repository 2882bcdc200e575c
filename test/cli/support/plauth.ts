/**
 * Runs the built `plauth` (dist/cli/main.js) as a real process with a temp HOME and only the
 * environment a test gives it (never the developer's PL_* variables or home).
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PLAUTH = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../dist/cli/main.js");

export interface PlauthResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface PlauthOptions {
  home: string;
  env?: Record<string, string>;
  /** Working directory (default: the home directory). */
  cwd?: string;
  /** Written to standard input, which is then closed. */
  input?: string;
  /** The program to run instead of the built `plauth` (e.g. a host application's namespaced one). */
  script?: string;
}

export interface RunningPlauth {
  child: ChildProcess;
  /** Resolves with the first match of `pattern` in stdout so far or to come. */
  waitForStdout(pattern: RegExp): Promise<RegExpMatchArray>;
  result: Promise<PlauthResult>;
}

const running = new Set<ChildProcess>();

/** Stop every plauth process still running (e.g. a login left polling by a failed test). */
export function stopAllPlauth(): void {
  for (const child of running) child.kill();
}

export function startPlauth(args: string[], options: PlauthOptions): RunningPlauth {
  const child = spawn(process.execPath, [options.script ?? PLAUTH, ...args], {
    cwd: options.cwd ?? options.home,
    env: { PATH: process.env.PATH ?? "", HOME: options.home, ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  running.add(child);
  child.on("close", () => running.delete(child));
  let stdout = "";
  let stderr = "";
  const waiters: Array<{ pattern: RegExp; resolve: (m: RegExpMatchArray) => void }> = [];
  child.stdout!.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    for (const w of [...waiters]) {
      const m = stdout.match(w.pattern);
      if (m) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  child.stderr!.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
  if (options.input !== undefined) child.stdin!.end(options.input);
  const result = new Promise<PlauthResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
  return {
    child,
    result,
    waitForStdout(pattern) {
      const m = stdout.match(pattern);
      if (m) return Promise.resolve(m);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void result.then((r) => reject(new Error(`plauth exited (${r.code}) before printing ${pattern}:\n${r.stdout}\n${r.stderr}`)));
      });
    },
  };
}

export function plauth(args: string[], options: PlauthOptions): Promise<PlauthResult> {
  return startPlauth(args, { input: "", ...options }).result;
}
