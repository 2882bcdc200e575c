/**
 * The demo's API, protected by the Express middleware (`planet-auth/express`):
 * - `/v1/*` validates JWT access tokens locally (signature by the issuer's JWKS, issuer, audience,
 *   expiry); `/v1/items` needs `api:read`, `/v1/admin` needs `admin`;
 * - `/v2/items` accepts only DPoP-bound tokens with a proof of the request (RFC 9449, `dpop: "required"`);
 * - `/me` accepts the users' opaque access tokens by introspection at the issuer (the middleware takes
 *   any validator), so a revoked token is refused at once.
 */
import express from "express";
import type { AddressInfo } from "node:net";
import type { OidcAuthClient, OidcMultiIssuerValidator } from "planet-auth";
import { bearerAuth, bearerErrorHandler, requireScopes, type BearerTokenValidator } from "planet-auth/express";

export interface DemoResourceServer {
  url: string;
  close(): Promise<void>;
}

export async function startDemoResourceServer(jwtValidator: OidcMultiIssuerValidator, introspector: OidcAuthClient): Promise<DemoResourceServer> {
  const byIntrospection: BearerTokenValidator = {
    async validateAccessToken(token) {
      const introspection = await introspector.validateAccessTokenRemote(token); // inactive ⇒ InvalidTokenException ⇒ 401
      return [introspection, introspection];
    },
  };
  const app = express();
  app.use("/v1", bearerAuth({ validator: jwtValidator, realm: "demo-api" }));
  app.get("/v1/items", requireScopes("api:read"), (req, res) => void res.json({ caller: req.auth?.claims.client_id, scopes: req.auth?.scopes }));
  app.get("/v1/admin", requireScopes("admin"), (_req, res) => void res.json({ secret: "admins only" }));
  app.get("/v2/items", bearerAuth({ validator: jwtValidator, realm: "demo-api", dpop: "required" }), (req, res) => {
    res.json({ caller: req.auth?.claims.client_id, scheme: req.auth?.scheme });
  });
  app.get("/me", bearerAuth({ validator: byIntrospection, realm: "demo-api" }), (req, res) => void res.json({ sub: req.auth?.claims.sub }));
  app.use(bearerErrorHandler());
  const server = app.listen(0, "127.0.0.1");
  await new Promise((resolve, reject) => server.once("listening", resolve).once("error", reject));
  server.keepAliveTimeout = 1;
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
