/**
 * Requests per second through Express with the bearer middleware (every request validated: RS256
 * signature, issuer, audience, expiry) against an unprotected route of the same server, in the same
 * run. Tokens are real client-credentials JWTs from the in-process OpenID Provider, cycled so that
 * no token repeats within 64 requests. Client and server share this process. Prints figures; asserts
 * nothing.
 *
 *   npx tsx bench/middleware.ts
 */
import "reflect-metadata";
import express from "express";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { OidcMultiIssuerValidator, createDefaultKernel } from "../src/index.js";
import { bearerAuth, requireScopes } from "../src/integrations/express.js";
import { startOidcServer } from "../test/support/oidc-server.js";
import { measureAsync, report, type Measurement } from "./harness.js";

const TOKENS = 64;
const CONCURRENCY = 16;
const ROUND_MS = 1500;
const ROUNDS = 3;

const op = await startOidcServer();
const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], {
  kernel: createDefaultKernel(),
  audience: op.apiAudience,
  logResult: false,
});
const tokens: string[] = [];
for (let i = 0; i < TOKENS; i++) tokens.push((await op.clientCredentialsTokens({ scope: "api:read" })).access_token as string);

const app = express();
app.get("/public", (_req, res) => void res.json({ sub: "anonymous" }));
app.get("/protected", bearerAuth({ validator }), requireScopes("api:read"), (req, res) => void res.json({ sub: req.auth?.claims.sub }));
const server = app.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const port = (server.address() as AddressInfo).port;

const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
let n = 0;
function request(path: string, authorization?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port, path, agent, headers: authorization ? { authorization } : {}, timeout: 5_000 }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve() : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`${path}: timed out`)));
    req.on("error", reject);
  });
}
const unprotected = () => request("/public");
const protectedRoute = () => request("/protected", `Bearer ${tokens[n++ % TOKENS]}`);

// Alternate the two routes and keep each one's best round, so neither gets the warmer machine.
const best = (a: Measurement | undefined, b: Measurement) => (!a || b.opsPerSecond > a.opsPerSecond ? b : a);
let base: Measurement | undefined;
let guarded: Measurement | undefined;
for (let round = 0; round < ROUNDS; round++) {
  base = best(base, await measureAsync("unprotected route", unprotected, ROUND_MS, CONCURRENCY));
  guarded = best(guarded, await measureAsync("bearerAuth + requireScopes", protectedRoute, ROUND_MS, CONCURRENCY));
}
report(`Express ${CONCURRENCY} concurrent keep-alive clients, ${TOKENS} distinct RS256 tokens (requests/s)`, [base!, guarded!], base!);

agent.destroy();
server.closeAllConnections();
server.close();
await op.stop();
