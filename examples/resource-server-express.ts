/**
 * An API protected by the Express middleware (`planet-auth/express`): every /v1 route needs a valid
 * bearer token from a trusted issuer, some need scopes or a claim. Starts its own OpenID Provider and
 * the API on 127.0.0.1, then calls the API as a client would. Run: npm run example examples/resource-server-express.ts
 */
import express from "express";
import type { AddressInfo } from "node:net";
import { OidcMultiIssuerValidator } from "planet-auth";
import { bearerAuth, bearerErrorHandler, requireAnyScope, requireClaims, requireScopes } from "planet-auth/express";
import { startDevIssuer } from "planet-auth/devtools";

const op = await startDevIssuer();

// --- the resource server ---------------------------------------------------------------------
const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience });
const app = express();
app.get("/health", (_req, res) => void res.send("ok")); // unprotected
app.use("/v1", bearerAuth({ validator, realm: "example-api" })); // every /v1 route needs a valid token
app.get("/v1/items", requireScopes("api:read"), (req, res) => {
  res.json({ caller: req.auth?.claims.sub, scopes: req.auth?.scopes });
});
app.post("/v1/items", requireAnyScope("api:write", "admin"), (_req, res) => void res.status(201).end());
app.get("/v1/reports", requireClaims((claims) => claims.client_id === "reporting"), (_req, res) => void res.json([]));
app.use(bearerErrorHandler()); // 401/400/403 with WWW-Authenticate; replace it with your own handler if you like
const server = app.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

// --- a client --------------------------------------------------------------------------------
const token = (await op.clientCredentialsTokens({ scope: "api:read" })).access_token as string;
const call = async (method: string, path: string, bearer?: string) => {
  const res = await fetch(`${api}${path}`, { method, headers: bearer ? { authorization: `Bearer ${bearer}` } : {}, signal: AbortSignal.timeout(5_000) });
  console.log(method.padEnd(4), path.padEnd(12), res.status, res.headers.get("www-authenticate") ?? "", await res.text());
};
await call("GET", "/health");
await call("GET", "/v1/items");
await call("GET", "/v1/items", token);
await call("POST", "/v1/items", token);
await call("GET", "/v1/reports", token);
await call("GET", "/v1/items", "not-a-valid-token");

server.close();
await op.stop();
