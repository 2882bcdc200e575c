/**
 * A fleet of processes sharing one client-credentials identity, for 1, 8 and 32 processes with the
 * Redis store, a token file shared on one machine, and no store; token-endpoint calls counted at an
 * in-process OpenID Provider, latencies as p99 added over a request holding a fresh token (same run):
 * - steady state: every clock moves past the refresh point (¾ of the lifetime) while the token is
 *   still valid: the refresh runs ahead in the background, so no request should wait;
 * - forced expiry: every clock jumps past the expiry at once, so every request waits for the one refresh.
 * Then the contrast with refresh-token rotation and reuse detection at the provider: 8 processes
 * sharing one login through Redis, and the same login copied to 8 separate homes (no shared store),
 * which gets the grant revoked.
 * Every process warms up first (one token call, then one unmeasured expiry per store), so that the
 * first measured rows are not charged for compiling the code the later ones reuse.
 * Options: `--sizes 1,8,32`, `--stores redis,file,none` (defaults: all), `--no-rotation`.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startDevIssuer } from "../src/devtools/index.js";
import { childLines } from "../test/support/child-lines.js";
import { RedisStorageProvider } from "../src/plugins/storage-redis/index.js";
import type { JsonObject } from "../src/kernel/index.js";
import { startRedis } from "../test/support/redis-server.js";
import { makeTempDir } from "../test/support/temp-dir.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const member = path.join(here, "support/fleet-member.ts");
const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
};
const SIZES = (arg("sizes") ?? "1,8,32").split(",").map(Number);
const STORES = (arg("stores") ?? "redis,file,none").split(",");
const ROTATION = !process.argv.includes("--no-rotation");
const EXPIRIES = 3;
const REQUESTS = 200;
const STEP_S = 2 * 3600; // past the 3600 s token lifetime
const AHEAD_S = 2880; // 0.8 of the lifetime after the last token was issued: past its refresh point, before its expiry

interface Answer { refreshed: number; failed: number; waited: number; latenciesMs: number[] }

const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.99))]!;

const [redis, op] = await Promise.all([startRedis(), startDevIssuer({ accessTokenFormat: "opaque" })]);
let calls = 0;
op.provider.on("grant.success", () => calls++);
op.provider.on("grant.error", () => calls++);
const config = JSON.stringify(op.authClientConfig("oidc_client_credentials_secret"));
let offset = 0;
const rows: string[] = [];
const contrast: string[] = [];
const addedOnExpiry = new Map<string, number>();

/** 8 processes, one auth-code login (2 s access tokens, rotating refresh tokens), one expiry. */
async function rotationContrast(store: "redis" | "file"): Promise<string> {
  const rotating = await startDevIssuer({ accessTokenTtl: 2, configuration: { rotateRefreshToken: true } });
  let revoked = 0;
  let refreshCalls = 0;
  rotating.provider.on("grant.revoked", () => revoked++);
  rotating.provider.on("grant.success", () => refreshCalls++);
  rotating.provider.on("grant.error", () => refreshCalls++);
  const homes = await Promise.all(Array.from({ length: 8 }, () => makeTempDir("planet-auth-fleet-bench-")));
  const login = await rotating.authCodeTokens({ scope: "openid offline_access" });
  refreshCalls = 0;
  const now = Math.floor(Date.now() / 1000);
  const token = { ...login, _iat: now, _exp: now + Number(login.expires_in) } as JsonObject;
  const writer = new RedisStorageProvider({ url: redis.url, prefix: "bench-rotation:" });
  await writer.saveObj(".planet/bench/token.json", token);
  await writer.close();
  for (const home of homes) {
    await mkdir(path.join(home.dir, ".planet/bench"), { recursive: true });
    await writeFile(path.join(home.dir, ".planet/bench/token.json"), JSON.stringify(token));
  }
  const config = JSON.stringify(rotating.authClientConfig("oidc_auth_code"));
  const children = homes.map((home) => spawn(process.execPath, ["--import", "tsx", member, redis.url, "bench-rotation:", home.dir, config], { env: { ...process.env, NODE_OPTIONS: "" } }));
  const readers = children.map(childLines);
  let failed = 0;
  try {
    for (const r of readers) if ((await r.next()).value !== '"ready"') throw new Error("a fleet member did not start");
    await new Promise((r) => setTimeout(r, Math.max(0, (now + Number(login.expires_in)) * 1000 + 1050 - Date.now())));
    for (const c of children) c.stdin.write(`round ${store} 0 ${REQUESTS}\n`);
    for (const r of readers) failed += (JSON.parse((await r.next()).value as string) as Answer).failed;
  } finally {
    for (const c of children) c.stdin.end("exit\n");
    await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : null)));
    await Promise.all([...homes.map((h) => h.cleanup()), rotating.stop()]);
  }
  const where = store === "redis" ? "shared through Redis" : "copied to 8 homes";
  return `  ${where.padEnd(22)} token calls ${refreshCalls}, revoked grants ${revoked}, failed requests ${failed}`;
}
try {
  for (const size of SIZES) {
    const home = await makeTempDir("planet-auth-fleet-bench-");
    const children = Array.from({ length: size }, () =>
      spawn(process.execPath, ["--import", "tsx", member, redis.url, "bench:", home.dir, config], { env: { ...process.env, NODE_OPTIONS: "" } }),
    );
    const readers = children.map(childLines);
    try {
      for (const r of readers) if ((await r.next()).value !== '"ready"') throw new Error("a fleet member did not start");
      const round = async (store: string, requests: number): Promise<Answer[]> => {
        for (const c of children) c.stdin.write(`round ${store} ${offset} ${requests}\n`);
        return Promise.all(readers.map(async (r) => JSON.parse((await r.next()).value as string) as Answer));
      };
      // Warm-up, not measured: every process makes one token call (no store), so whichever process holds
      // the lease at a measured expiry is not charged for its first token call's compilation (≈ 20 ms of
      // CPU) — the stores measured later would otherwise be charged less of it than the first.
      offset += STEP_S;
      await round("none", 1);
      for (const store of STORES) {
        offset += STEP_S;
        await round(store, 1); // first token
        offset += STEP_S;
        await round(store, REQUESTS); // one expiry, not measured: this store's refresh path warmed in every process
        // The baseline over as many rounds as each measurement: a fresh token, same clock.
        const fresh: number[] = [];
        for (let i = 0; i < EXPIRIES; i++) fresh.push(...(await round(store, REQUESTS)).flatMap((a) => a.latenciesMs));
        const measure = async (step: number) => {
          const before = calls;
          const latencies: number[] = [];
          let failed = 0;
          let waited = 0;
          for (let i = 0; i < EXPIRIES; i++) {
            offset += step;
            const answers = await round(store, REQUESTS);
            latencies.push(...answers.flatMap((a) => a.latenciesMs));
            failed += answers.reduce((n, a) => n + a.failed, 0);
            waited += answers.reduce((n, a) => n + a.waited, 0);
          }
          return { calls: (calls - before) / EXPIRIES, added: p99(latencies) - p99(fresh), failed, waited };
        };
        const steady = await measure(AHEAD_S);
        const forced = await measure(STEP_S);
        addedOnExpiry.set(`${size} ${store}`, forced.added);
        rows.push([
          String(size).padStart(9), store.padEnd(6), p99(fresh).toFixed(2).padStart(7),
          steady.calls.toFixed(1).padStart(12), String(steady.waited).padStart(7), steady.added.toFixed(2).padStart(9),
          forced.calls.toFixed(1).padStart(12), forced.added.toFixed(2).padStart(9), String(steady.failed + forced.failed).padStart(7),
        ].join(" "));
      }
    } finally {
      for (const c of children) c.stdin.end("exit\n");
      await Promise.all(children.map((c) => (c.exitCode === null ? once(c, "exit") : null)));
      await home.cleanup();
    }
  }
  if (ROTATION) contrast.push(await rotationContrast("redis"), await rotationContrast("file"));
} finally {
  await Promise.all([redis.cleanup(), op.stop()]);
}
const load = (await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ");
console.log(`Fleet: ${REQUESTS} concurrent requests per process, ${EXPIRIES} expiries per row; load average at the end ${load}`);
console.log("                         p99   | steady state (refresh ahead)   | forced expiry            |");
console.log("processes store  fresh ms | calls/expiry waited added ms | calls/expiry added ms | failed");
for (const row of rows) console.log(row);
for (const size of SIZES) {
  const redisAdded = addedOnExpiry.get(`${size} redis`);
  const noneAdded = addedOnExpiry.get(`${size} none`);
  if (redisAdded === undefined || noneAdded === undefined) continue;
  const figures = `Redis +${redisAdded.toFixed(1)} ms, no store +${noneAdded.toFixed(1)} ms`;
  // A difference of two p99s: below 1 ms (or negative) the no-store figure is noise, and a ratio to it means nothing.
  const ratio = noneAdded >= 1 ? `Redis / no store = ${(Math.max(redisAdded, 0) / noneAdded).toFixed(2)}×` : "no ratio (the no-store figure is below this run's noise)";
  console.log(`forced expiry, ${size} processes: p99 added, ${figures}: ${ratio} (goal ≤ 2×)`);
}
if (contrast.length) console.log("Refresh-token rotation with reuse detection, 8 processes, one expiry:");
for (const line of contrast) console.log(line);
