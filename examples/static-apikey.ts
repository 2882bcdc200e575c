/**
 * An API key on every request, with got-style headers, a wrapped fetch, and a header record. Needs only
 * planet-auth and Node: it starts a small API on 127.0.0.1 that answers 200 only to the right key, so
 * it runs as it is in any project that installed planet-auth.
 * Run: npm run example examples/static-apikey.ts   (in your own project: npx tsx static-apikey.ts)
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Auth, createDefaultKernel } from "planet-auth";

const apiKey = process.env.PL_API_KEY ?? "example-key-0001";
const api = http.createServer((req, res) => {
  const ok = req.headers.authorization === `api-key ${apiKey}`;
  res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
  res.end(JSON.stringify({ ok, app: req.headers["x-planet-app"] ?? null }));
});
await new Promise<void>((resolve) => api.listen(0, "127.0.0.1", resolve));
const url = `http://127.0.0.1:${(api.address() as AddressInfo).port}/items`;

try {
  const auth = await Auth.initializeFromConfigDict(
    { client_type: "static_apikey", api_key: apiKey, bearer_token_prefix: "api-key" },
    { kernel: createDefaultKernel() },
  );
  const fetchWithAuth = auth.requestAuthenticator().fetch();
  const response = await fetchWithAuth(url);
  console.log("fetch:", response.status, await response.json());

  const headers = await auth.requestAuthenticator().authorizationHeaders();
  console.log("headers to add yourself:", Object.keys(headers).sort().join(", "));
  if (response.status !== 200) process.exitCode = 1;
} finally {
  api.close();
}
