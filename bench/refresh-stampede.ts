/**
 * Token-endpoint calls per refresh stampede: N concurrent requests arrive with an expired token.
 * Ours (RefreshingOidcTokenRequestAuthenticator, single flight) vs a naive baseline that refreshes per
 * request when the token is expired (the reference's behaviour without a lock). Printed, never asserted.
 * Run: npx tsx bench/refresh-stampede.ts
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { Auth, GotHttpClient, createKernel } from "../src/kernel/index.js";
import { oidcPlugin, type FileBackedOidcCredential, type OidcAuthClient } from "../src/plugins/oidc/index.js";

let calls = 0;
let n = 0;
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    calls++;
    setTimeout(() => {
      res.writeHead(200, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ access_token: `at-${++n}`, refresh_token: `rt-${n}`, expires_in: 3600, token_type: "Bearer" }));
    }, 5); // a token endpoint that takes a few ms
  });
});
await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const kernel = createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0 }) } });
const config = { client_type: "oidc_device_code", auth_server: base, client_id: "bench", token_endpoint: `${base}/token` };
const expired = { access_token: "expired", refresh_token: "rt-0", _iat: 1000, _exp: 2000 };

async function ours(size: number) {
  const auth = await Auth.initializeFromConfigDict(config, { kernel, initialTokenData: expired });
  const a = auth.requestAuthenticator();
  calls = 0;
  const t = performance.now();
  await Promise.all(Array.from({ length: size }, () => a.authorizationHeaders()));
  return { calls, ms: performance.now() - t };
}

async function naive(size: number) {
  const auth = await Auth.initializeFromConfigDict(config, { kernel, initialTokenData: expired });
  const client = auth.authClient() as OidcAuthClient;
  let cred = (await auth.requestAuthenticator().credential()) as FileBackedOidcCredential;
  calls = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: size }, async () => {
      if (await cred.isExpired()) cred = (await client.refresh(cred.data()!.refresh_token as string)) as FileBackedOidcCredential;
      return { Authorization: `Bearer ${cred.data()!.access_token}` };
    }),
  );
  return { calls, ms: performance.now() - t };
}

await ours(1); // warm up (lazy imports, connections)
console.log("refresh stampede: token-endpoint calls for N concurrent requests with an expired token");
console.log("N      ours(calls)  ours(ms)  naive(calls)  naive(ms)");
for (const size of [1, 10, 100, 1000]) {
  const o = await ours(size);
  const b = await naive(size);
  console.log(`${String(size).padEnd(6)} ${String(o.calls).padEnd(12)} ${o.ms.toFixed(1).padEnd(9)} ${String(b.calls).padEnd(13)} ${b.ms.toFixed(1)}`);
}
server.closeAllConnections();
server.close();
