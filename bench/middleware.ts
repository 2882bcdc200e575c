/**
 * Requests per second through the resource-server middleware on Express and on Fastify, each against
 * an unprotected route of the same server, in the same run. The baseline is the unprotected route
 * receiving the same Authorization header (ignored); the unprotected route without it is shown too.
 * - repeated tokens: 64 RS256 access tokens cycled (after the first request each is served by the
 *   verified-token cache: decode once, claims checked, no signature check);
 * - all-new tokens: every request carries a token the server has never seen (decode, RS256 signature,
 *   claims), from a pool signed before the measurement;
 * - DPoP: the repeated tokens bound to a key (`cnf.jkt`) on a `dpop: "required"` route, each request
 *   with a fresh ES256 proof (signed before the measurement): DPoP's added cost per request is the
 *   proof's verification, the binding check and the replay store's write.
 * Tokens come from a local issuer (one RSA key, its JWKS on 127.0.0.1); every protected request also
 * passes `requireScopes`. Client and servers share this process. Prints figures; asserts nothing.
 *
 *   npx tsx bench/middleware.ts
 */
import "reflect-metadata";
import express from "express";
import Fastify from "fastify";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { generateKeyPairSync, sign } from "node:crypto";
import { bearerAuth as expressBearerAuth, requireScopes as expressRequireScopes } from "../src/integrations/express.js";
import { bearerAuth as fastifyBearerAuth, requireScopes as fastifyRequireScopes } from "../src/integrations/fastify.js";
import type { BearerAuthOptions } from "../src/integrations/bearer.js";
import { performance } from "node:perf_hooks";
import { DpopKey } from "../src/plugins/oidc/dpop-key.js";
import { measureAsync, report, type Measurement } from "./harness.js";

const REPEATED = 64;
const CONCURRENCY = 16;
const ROUND_MS = 1000;
const ROUNDS = 2;
/** Enough never-seen tokens for one framework's all-new rounds (each framework has its own validator and cache, so both use the pool). */
const NEW_TOKENS = Number(process.env.BENCH_NEW_TOKENS ?? 16_000);
const AUDIENCE = "https://api.example.test/";

// A local issuer: one RS256 key and its JWKS.
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: "jwk" }), kid: "bench", alg: "RS256", use: "sig" };
const jwksServer = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: [jwk] })));
await new Promise<void>((r) => jwksServer.listen(0, "127.0.0.1", r));
const issuer = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}`;
const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "at+jwt", kid: "bench" })).toString("base64url");
let serial = 0;
function token(cnf?: { jkt: string }): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, aud: AUDIENCE, sub: "bench-client", client_id: "bench-client", scope: "api:read", iat: now, exp: now + 3600, jti: `t${serial++}`, ...(cnf ? { cnf } : {}) };
  const input = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  return `${input}.${sign("sha256", Buffer.from(input), privateKey).toString("base64url")}`;
}
const repeated = Array.from({ length: REPEATED }, () => token());
const dpopKey = DpopKey.generate();
const bound = Array.from({ length: REPEATED }, () => token({ jkt: dpopKey.jkt }));
/** Proofs per framework (each is good once), signed before the measurement. */
const DPOP_PROOFS = Number(process.env.BENCH_DPOP_PROOFS ?? 12_000);
process.stdout.write(`signing ${NEW_TOKENS} never-seen tokens... `);
const fresh = Array.from({ length: NEW_TOKENS }, () => token());
console.log("done");
const options = (): BearerAuthOptions => ({ issuers: [{ issuer, audience: AUDIENCE, jwksUri: `${issuer}/jwks` }] });

// Express and Fastify, each with an unprotected and a protected route.
const ex = express();
ex.get("/public", (_req, res) => void res.json({ sub: "anonymous" }));
ex.get("/protected", expressBearerAuth(options()), expressRequireScopes("api:read"), (req, res) => void res.json({ sub: req.auth?.claims.sub }));
ex.get("/dpop", expressBearerAuth({ ...options(), dpop: "required" }), expressRequireScopes("api:read"), (req, res) => void res.json({ sub: req.auth?.claims.sub }));
const exServer = ex.listen(0, "127.0.0.1");
await new Promise((r) => exServer.once("listening", r));

const fa = Fastify({ logger: false });
fa.get("/public", async () => ({ sub: "anonymous" }));
await fa.register(async (api) => {
  await api.register(fastifyBearerAuth, options());
  api.get("/protected", { preHandler: fastifyRequireScopes("api:read") }, async (request) => ({ sub: request.auth?.claims.sub }));
});
await fa.register(async (api) => {
  await api.register(fastifyBearerAuth, { ...options(), dpop: "required" });
  api.get("/dpop", { preHandler: fastifyRequireScopes("api:read") }, async (request) => ({ sub: request.auth?.claims.sub }));
});
await fa.listen({ port: 0, host: "127.0.0.1" });

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function request(port: number, path: string, authorization?: string, dpop?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = authorization ? { authorization } : {};
    if (dpop) headers.dpop = dpop;
    const req = http.get({ host: "127.0.0.1", port, path, agent, headers, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`${path}: timed out`)));
    req.on("error", reject);
  });
}

// Alternate the routes and keep each one's best round, so none gets the warmer machine.
const best = (a: Measurement | undefined, b: Measurement) => (!a || b.opsPerSecond > a.opsPerSecond ? b : a);

/**
 * Requests per CPU-second of this process (client and server): on a shared machine the wall clock
 * counts other processes' time, CPU time only this one's. Same loop as `measureAsync`, warm-up excluded.
 */
async function measureCpu(name: string, fn: () => Promise<unknown>, more: () => boolean): Promise<Measurement> {
  for (let i = 0; i < 200; i++) await fn();
  let ops = 0;
  const cpu = process.cpuUsage();
  const deadline = performance.now() + ROUND_MS;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline && more()) {
        await fn();
        ops++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  const cpuMicros = used.user + used.system;
  return { name, opsPerSecond: (ops * 1e6) / cpuMicros, microsPerOp: cpuMicros / ops };
}
/**
 * Inputs prepared before the measurement and good once (never-seen tokens, DPoP proofs). Each of a
 * scenario's measurements gets an equal share; a measurement ends early when its share is used up
 * (on a fast machine), keeping room for the requests still in flight, so no input is used twice.
 */
class OnceEach<T> {
  #next = 0;
  #limit = 0;
  constructor(private readonly items: readonly T[], private readonly shares: number) {}
  /** Start a measurement: the next share (its warm-up included) becomes available. */
  allowShare(): void {
    this.#limit = Math.min(this.items.length, this.#limit + Math.floor(this.items.length / this.shares));
  }
  more = (): boolean => this.#next + CONCURRENCY < this.#limit;
  take(): T {
    if (this.#next >= this.#limit) throw new Error("prepared inputs exhausted: raise BENCH_NEW_TOKENS / BENCH_DPOP_PROOFS");
    return this.items[this.#next++]!;
  }
  get used(): number {
    return this.#next;
  }
}
/** Each pooled scenario is measured twice a round (wall clock, CPU). */
const SHARES = ROUNDS * 2;

/** Bound tokens, each with a proof of `GET http://127.0.0.1:<port>/dpop` (good once). */
function dpopRequests(port: number): Array<[string, string]> {
  return Array.from({ length: DPOP_PROOFS }, (_, i) => {
    const t = bound[i % REPEATED]!;
    return [`DPoP ${t}`, dpopKey.proof({ method: "GET", url: `http://127.0.0.1:${port}/dpop`, accessToken: t })];
  });
}

let used = 0;
async function bench(name: string, port: number): Promise<void> {
  let n = 0;
  const proofs = new OnceEach(dpopRequests(port), SHARES);
  const newTokens = new OnceEach(fresh, SHARES); // new to this framework's validator
  const pools = new Map<string, OnceEach<unknown>>([["protected, all-new tokens", newTokens], ["DPoP required, repeated tokens, new proofs", proofs]]);
  const rows: Record<string, Measurement | undefined> = {};
  const cpuRows: Record<string, Measurement | undefined> = {};
  const scenarios: Array<[string, () => Promise<void>]> = [
    // The baseline: the same request, token included, to a route that ignores it, so the ratios are the
    // middleware's cost and not the cost of moving a ~600-byte header through one process's client and server.
    ["unprotected route, token sent", () => request(port, "/public", `Bearer ${repeated[n++ % REPEATED]}`)],
    ["unprotected route, no token", () => request(port, "/public")],
    ["protected, repeated tokens", () => request(port, "/protected", `Bearer ${repeated[n++ % REPEATED]}`)],
    ["protected, all-new tokens", () => request(port, "/protected", `Bearer ${newTokens.take()}`)],
    ["DPoP required, repeated tokens, new proofs", () => request(port, "/dpop", ...proofs.take())],
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, fn] of scenarios) {
      const pool = pools.get(label);
      const more = pool?.more ?? (() => true);
      pool?.allowShare();
      rows[label] = best(rows[label], await measureAsync(label, fn, ROUND_MS, CONCURRENCY, more));
      pool?.allowShare();
      cpuRows[label] = best(cpuRows[label], await measureCpu(label, fn, more));
    }
  }
  const measured = scenarios.map(([label]) => rows[label]!);
  report(`${name}: ${CONCURRENCY} concurrent keep-alive clients, RS256 (requests/s, wall clock)`, measured, measured[0]!);
  const cpuMeasured = scenarios.map(([label]) => cpuRows[label]!);
  report(`${name}: the same, requests per CPU-second of this process (µs = CPU per request)`, cpuMeasured, cpuMeasured[0]!);
  const added = cpuRows["DPoP required, repeated tokens, new proofs"]!.microsPerOp - cpuRows["protected, repeated tokens"]!.microsPerOp;
  console.log(`  DPoP's added cost: ${added.toFixed(0)} µs of CPU per request (the same repeated tokens, bound, each with a new proof; ${proofs.used} proofs used)`);
  used = Math.max(used, newTokens.used);
}

await bench("Express 5", (exServer.address() as AddressInfo).port);
await bench("Fastify 5", (fa.server.address() as AddressInfo).port);
console.log(`\nat most ${used} of ${NEW_TOKENS} never-seen tokens used per framework; load average ${(await import("node:os")).loadavg().map((l) => l.toFixed(2)).join(" ")}`);

agent.destroy();
exServer.closeAllConnections();
exServer.close();
await fa.close();
jwksServer.close();
