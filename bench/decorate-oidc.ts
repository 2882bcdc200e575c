/**
 * Request decoration with a fresh OIDC access token (RefreshingOidcTokenRequestAuthenticator hot path)
 * vs setting the same headers by hand, and the same with a DPoP-bound token (a fresh ES256 proof of
 * each request, signed synchronously). Printed, never asserted. Run: npx tsx bench/decorate-oidc.ts
 */
import { Auth, X_PLANET_APP, X_PLANET_APP_HEADER, createKernel } from "../src/kernel/index.js";
import { oidcPlugin } from "../src/plugins/oidc/index.js";
import { measureSync, report } from "./harness.js";

const kernel = createKernel({ plugins: [oidcPlugin] });
const token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl";
const auth = await Auth.initializeFromConfigDict(
  { client_type: "oidc_auth_code", auth_server: "https://login.example.test/", client_id: "bench", redirect_uri: "http://127.0.0.1:1/cb" },
  { kernel, initialTokenData: { access_token: token, refresh_token: "r", expires_in: 3600 } },
);
const authenticator = auth.requestAuthenticator();
await authenticator.authorizationHeaders(); // prime

let sink: Record<string, string> = {};
const bare = measureSync("bare header set", () => {
  const headers: Record<string, string> = {};
  headers.Authorization = "Bearer " + token;
  if (headers[X_PLANET_APP_HEADER] === undefined) headers[X_PLANET_APP_HEADER] = X_PLANET_APP;
  sink = headers;
});
const ours = measureSync("OIDC decorate(headers), fresh token", () => {
  const headers: Record<string, string> = {};
  const pending = authenticator.decorate(headers);
  if (pending) throw new Error("decoration with a fresh token must be synchronous");
  sink = headers;
});
if (sink.Authorization !== `Bearer ${token}`) throw new Error("wrong header");
report("Request decoration (OIDC, fresh token)", [bare, ours], bare);
console.log(`  overhead over bare: ${(ours.microsPerOp - bare.microsPerOp).toFixed(3)} µs/op; ratio ${(ours.microsPerOp / bare.microsPerOp).toFixed(2)}x`);

// DPoP: the same authenticator kind holding a DPoP-bound token; each decoration signs a new proof.
const dpopAuth = await Auth.initializeFromConfigDict(
  { client_type: "oidc_auth_code", auth_server: "https://login.example.test/", client_id: "bench", redirect_uri: "http://127.0.0.1:1/cb", dpop: true },
  { kernel, initialTokenData: { access_token: token, token_type: "DPoP", refresh_token: "r", expires_in: 3600 } },
);
const dpopAuthenticator = dpopAuth.requestAuthenticator();
const target = { method: "GET", url: "https://api.example.test/v1/items" };
await dpopAuthenticator.authorizationHeaders(target); // prime: loads (creates) the key
let dpopSink: Record<string, string> = {};
const withProof = measureSync("OIDC decorate(headers, target), DPoP proof", () => {
  const headers: Record<string, string> = {};
  const pending = dpopAuthenticator.decorate(headers, target);
  if (pending) throw new Error("decoration with a fresh DPoP token must be synchronous");
  dpopSink = headers;
});
if (!dpopSink.DPoP || dpopSink.Authorization !== `DPoP ${token}`) throw new Error("wrong DPoP headers");
report("Request decoration (OIDC, DPoP-bound token)", [ours, withProof], ours);
console.log(`  a proof adds ${(withProof.microsPerOp - ours.microsPerOp).toFixed(1)} µs per request (ES256 signature, SHA-256 of the token, a UUID)`);
