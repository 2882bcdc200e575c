/**
 * Requests while the token endpoint refuses connections, with the kernel's default HTTP client
 * (GotHttpClient: a refused POST is retried after 0, 2 and 4 s, so one failing attempt takes ≈6 s).
 * The token held is expired (lenient mode sends it), the worst case: every request wants a refresh.
 *
 * 1. Time per request past the first failure, next to decorating with a fresh token in the same run
 *    (goal: the same figure — no request waits on the network).
 * 2. Token-endpoint attempts over 60 s of simulated time, one request every 10 ms of it; the simulated
 *    clock runs in real time while an attempt is in flight and skips ahead otherwise (goal: the
 *    back-off schedule — 1, 2, 4, then 5 s after each failure — not one attempt per request).
 * Printed, never asserted. Run: npx tsx bench/refresh-outage.ts (takes about a minute: the attempts are real).
 */
import { createServer } from "node:net";
import { performance } from "node:perf_hooks";
import { Auth, GotHttpClient, createKernel, type HttpClient } from "../src/kernel/index.js";
import { oidcPlugin, type RefreshingOidcTokenRequestAuthenticator } from "../src/plugins/oidc/index.js";
import { measureSync, report } from "./harness.js";

/** A 127.0.0.1 port nothing listens on: connections are refused. */
async function refusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const base = `http://127.0.0.1:${await refusedPort()}`;
/** Simulated time: real time (network waits take as long as they take) plus the skips the loop makes. */
let skippedMs = 0;
let frozenAt: number | null = null;
const clock = { now: () => frozenAt ?? Date.now() + skippedMs };
const defaultHttp = new GotHttpClient();
let attempts = 0;
const counting: HttpClient = {
  request: (req) => {
    attempts++;
    return defaultHttp.request(req);
  },
};
const kernel = createKernel({ plugins: [oidcPlugin], services: { http: counting, clock } });
const config = { client_type: "oidc_device_code", auth_server: base, client_id: "bench", token_endpoint: `${base}/token` };
const nowS = Math.floor(clock.now() / 1000);

const fresh = (await Auth.initializeFromConfigDict(config, {
  kernel,
  initialTokenData: { access_token: "fresh", refresh_token: "r", _iat: nowS, _exp: nowS + 3600 },
})).requestAuthenticator();
const outage = (await Auth.initializeFromConfigDict(config, {
  kernel,
  initialTokenData: { access_token: "expired", refresh_token: "r", _iat: nowS - 7200, _exp: nowS - 3600 },
})).requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
await fresh.authorizationHeaders();

// The first request waits for the first attempt; it fails after the HTTP client's retries.
const t = performance.now();
const first = await outage.authorizationHeaders();
const firstMs = performance.now() - t;
console.log(`\nFirst request (waits for the first attempt): ${(firstMs / 1000).toFixed(1)} s, ${attempts} attempt; header sent: ${first.Authorization}`);
console.log(`  last refresh error: ${(outage.lastRefreshError() as Error)?.name} after ${outage.consecutiveFailures()} failure(s)`);

// 1. Past the first failure, within the back-off (the clock is held still while measuring): decoration must not wait.
frozenAt = clock.now();
const decorate = (a: typeof fresh) => () => {
  const headers: Record<string, string> = {};
  if (a.decorate(headers)) throw new Error("a request waited");
};
const baseline = measureSync("decorate, fresh token (baseline)", decorate(fresh));
const during = measureSync("decorate, endpoint down, past 1st failure", decorate(outage));
report("Time per request while the token endpoint refuses connections", [baseline, during], baseline);
frozenAt = null;

// 2. Attempts over 60 s of simulated time.
const before = attempts;
const start = clock.now();
const wall = performance.now();
let requests = 0;
let waited = 0;
const attemptTimes: number[] = [];
while (clock.now() - start < 60_000) {
  const attemptsBefore = attempts;
  const startedAt = clock.now() - start;
  if (outage.decorate({})) waited++;
  requests++;
  await outage.refreshSettled(); // a background attempt, if one started, runs in real time
  if (attempts > attemptsBefore) attemptTimes.push(Math.round(startedAt / 100) / 10);
  skippedMs += 10;
}
console.log(`\nOver 60 s of simulated time (${requests.toLocaleString("en-US")} requests, one per 10 ms while no attempt is in flight; ${((performance.now() - wall) / 1000).toFixed(1)} s of real time):`);
console.log(`  token-endpoint attempts: ${attempts - before} (one per request would be ${requests.toLocaleString("en-US")}); requests that waited: ${waited}`);
console.log(`  attempts started at (simulated s): ${attemptTimes.join(", ")}`);
