/** Child processes sharing one token through Redis (see fleet-child.ts), driven round by round. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { DevIssuer } from "../../../../src/devtools/index.js";
import { childLines } from "../../../support/child-lines.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../../../..");
const childScript = path.join(here, "fleet-child.ts");

export interface RoundResult {
  authorizations: string[];
  refreshed: number;
  errors: string[];
  failed: number;
}

export interface Fleet {
  children: ChildProcessWithoutNullStreams[];
  /** Every live child sets its clock `offsetSeconds` ahead and makes `requests` concurrent requests. */
  round(offsetSeconds: number, requests: number): Promise<RoundResult[]>;
  /** Tell one child to run a round without waiting for its answer. */
  send(i: number, offsetSeconds: number, requests: number): void;
  /** The next answer of child `i`. */
  answer(i: number): Promise<RoundResult>;
  /** SIGKILL child `i`; it takes no further part. */
  kill(i: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startFleet(size: number, options: { redisUrl: string; prefix: string; tokenKey: string; config: Record<string, unknown> }): Promise<Fleet> {
  const children = Array.from({ length: size }, () =>
    spawn(process.execPath, ["--import", "tsx", childScript, options.redisUrl, options.prefix, options.tokenKey, JSON.stringify(options.config)], {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: "" },
    }),
  );
  const stderr = children.map(() => [] as string[]);
  children.forEach((c, i) => c.stderr.on("data", (d: Buffer) => stderr[i]!.push(d.toString())));
  const readers = children.map(childLines);
  const killed = new Set<number>();
  const answer = async (i: number) => {
    const line = (await readers[i]!.next()).value as string | undefined;
    if (!line) throw new Error(`fleet child ${i} stopped: ${stderr[i]!.join("").slice(-2000)}`);
    return JSON.parse(line) as RoundResult;
  };
  const stop = async () => {
    await Promise.all(children.map(async (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, "exit");
      c.stdin.end("exit\n");
      const timer = setTimeout(() => c.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }));
  };
  try {
    for (let i = 0; i < size; i++) {
      const ready = (await readers[i]!.next()).value;
      if (ready !== '"ready"') throw new Error(`fleet child ${i} did not start: ${stderr[i]!.join("").slice(-2000)}`);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const live = () => children.map((_, i) => i).filter((i) => !killed.has(i));
  const send = (i: number, offsetSeconds: number, requests: number) => children[i]!.stdin.write(`round ${offsetSeconds} ${requests}\n`);
  return {
    children,
    send,
    answer,
    async round(offsetSeconds, requests) {
      for (const i of live()) send(i, offsetSeconds, requests);
      return Promise.all(live().map(answer));
    },
    async kill(i) {
      killed.add(i);
      const c = children[i]!;
      if (c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, "exit");
      c.kill("SIGKILL");
      await exited;
    },
    stop,
  };
}

/** Counts token-endpoint calls at the issuer: those that granted a token and those that failed. */
export function tokenEndpointCounter(op: DevIssuer): { calls: number; failed: number } {
  const counter = { calls: 0, failed: 0 };
  op.provider.on("grant.success", () => counter.calls++);
  op.provider.on("grant.error", () => (counter.calls++, counter.failed++));
  return counter;
}
