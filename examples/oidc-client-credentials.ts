/**
 * Client credentials (machine to machine): the first request logs in unattended, later requests reuse
 * the token and refresh it at ¾ of its lifetime. Starts its own OpenID Provider (planet-auth/devtools)
 * and a small API protected by planet-auth/express on 127.0.0.1.
 * Run: npm run example examples/oidc-client-credentials.ts
 */
import express from "express";
import got from "got";
import type { AddressInfo } from "node:net";
import { Auth, OidcMultiIssuerValidator } from "planet-auth";
import { startDevIssuer } from "planet-auth/devtools";
import { bearerAuth, bearerErrorHandler, requireScopes } from "planet-auth/express";

const op = await startDevIssuer();

// The API checks tokens locally (signature, issuer, audience, scope).
const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience });
const app = express();
app.get("/echo", bearerAuth({ validator }), requireScopes("api:read"), (req, res) => {
  res.json({ sub: req.auth?.claims.sub, client_id: req.auth?.claims.client_id });
});
app.use(bearerErrorHandler());
const server = app.listen(0, "127.0.0.1");
await new Promise((r) => server.once("listening", r));
const apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`;

// The client: a context built from a config dict (add tokenFile: ".planet/my-profile/token.json" to keep
// the token between runs).
const auth = await Auth.initializeFromConfigDict({
  client_type: "oidc_client_credentials_secret",
  auth_server: op.issuer,
  client_id: op.clients.secretPost.clientId,
  client_secret: op.clients.secretPost.clientSecret,
  scopes: ["api:read"],
});
const authenticator = auth.requestAuthenticator();
console.log("got:  ", await got.extend(authenticator.gotHooks())(apiUrl).json());
console.log("fetch:", await (await authenticator.fetch()(apiUrl)).json());

server.close();
await op.stop();
