/**
 * A fleet of processes sharing one client-credentials identity: token-endpoint calls per expiry
 * (counted at an in-process OpenID Provider) and the p99 latency a request gains when the token has
 * just expired (baseline: a request holding a fresh token, same run), for 1, 8 and 32 processes with
 * the Redis store, a token file shared on one machine, and no store.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevIssuer } from "../src/devtools/index.js";
import { childLines } from "../test/support/child-lines.js";
import { startRedis } from "../test/support/redis-server.js";
import { makeTempDir } from "../test/support/temp-dir.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const member = path.join(here, "support/fleet-member.ts");
const SIZES = [1, 8, 32];
const STORES = ["redis", "file", "none"] as const;
const EXPIRIES = 3;
const REQUESTS = 200;
const STEP_S = 2 * 3600; // past the 3600 s token lifetime

interface Answer { refreshed: number; failed: number; latenciesMs: number[] }

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

const [redis, op] = await Promise.all([startRedis(), startDevIssuer({ accessTokenFormat: "opaque" })]);
let calls = 0;
op.provider.on("grant.success", () => calls++);
op.provider.on("grant.error", () => calls++);
const config = JSON.stringify(op.authClientConfig("oidc_client_credentials_secret"));
let offset = 0;
const rows: string[] = [];
try {
  for (const size of SIZES) {
    const home = await makeTempDir("planet-auth-fleet-bench-");
    const children = Array.from({ length: size }, () =>
      spawn(process.execPath, ["--import", "tsx", member, redis.url, home.dir, config], { env: { ...process.env, NODE_OPTIONS: "" } }),
    );
    const readers = children.map(childLines);
    try {
      for (const r of readers) if ((await r.next()).value !== '"ready"') throw new Error("a fleet member did not start");
      const round = async (store: string, requests: number): Promise<Answer[]> => {
        for (const c of children) c.stdin.write(`round ${store} ${offset} ${requests}\n`);
        return Promise.all(readers.map(async (r) => JSON.parse((await r.next()).value as string) as Answer));
      };
      for (const store of STORES) {
        offset += STEP_S;
        await round(store, 1); // first token
        const fresh = (await round(store, REQUESTS)).flatMap((a) => a.latenciesMs);
        const before = calls;
        const expired: number[] = [];
        let failed = 0;
        for (let i = 0; i < EXPIRIES; i++) {
          offset += STEP_S;
          const answers = await round(store, REQUESTS);
          expired.push(...answers.flatMap((a) => a.latenciesMs));
          failed += answers.reduce((n, a) => n + a.failed, 0);
        }
        const added = p99(expired) - p99(fresh);
        rows.push(`${String(size).padStart(9)}  ${store.padEnd(6)} ${((calls - before) / EXPIRIES).toFixed(1).padStart(15)} ${p99(fresh).toFixed(2).padStart(14)} ${added.toFixed(2).padStart(17)} ${String(failed).padStart(7)}`);
      }
    } finally {
      for (const c of children) c.stdin.end("exit\n");
      await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : null)));
      await home.cleanup();
    }
  }
} finally {
  await Promise.all([redis.cleanup(), op.stop()]);
}
console.log(`Fleet: ${REQUESTS} concurrent requests per process, ${EXPIRIES} expiries per row`);
console.log("processes  store  calls/expiry  p99 fresh ms  p99 added ms (expired)  failed");
for (const row of rows) console.log(row);
