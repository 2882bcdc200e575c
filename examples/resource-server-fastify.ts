/**
 * An API protected by the Fastify plugin (`planet-auth/fastify`): the plugin guards the context that
 * registers it, route `preHandler`s add scope and claim checks, and `setErrorHandler` could reshape the
 * refusals. Starts its own OpenID Provider and the API on 127.0.0.1, then calls the API.
 * Run: npm run example examples/resource-server-fastify.ts
 */
import Fastify from "fastify";
import { OidcMultiIssuerValidator } from "planet-auth";
import { bearerAuth, requireAnyScope, requireClaims, requireScopes } from "planet-auth/fastify";
import { startDevIssuer } from "planet-auth/devtools";

const op = await startDevIssuer();

// --- the resource server ---------------------------------------------------------------------
const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience });
const app = Fastify();
app.get("/health", async () => "ok"); // unprotected
await app.register(async (v1) => {
  await v1.register(bearerAuth, { validator, realm: "example-api" }); // every route in this context
  v1.get("/items", { preHandler: requireScopes("api:read") }, async (request) => ({ caller: request.auth?.claims.sub }));
  v1.post("/items", { preHandler: requireAnyScope("api:write", "admin") }, async (_request, reply) => reply.code(201).send());
  v1.get("/reports", { preHandler: requireClaims((claims) => claims.client_id === "reporting") }, async () => []);
}, { prefix: "/v1" });
const api = await app.listen({ port: 0, host: "127.0.0.1" });

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

await app.close();
await op.stop();
