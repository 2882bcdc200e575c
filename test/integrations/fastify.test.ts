/**
 * The Fastify plugin on a real Fastify 5 server on 127.0.0.1, with real tokens from two in-process
 * OpenID Providers: the shared RFC 6750 table, encapsulation, then `setErrorHandler`.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import { BearerAuthError, bearerAuth, requireAnyScope, requireClaims, requireScopes } from "../../src/integrations/fastify.js";
import { REALM, get, runCases, useResourceServerFixture, type Validators } from "./support/resource-server.js";

const f = useResourceServerFixture();

async function me(request: FastifyRequest) {
  return { iss: request.auth?.claims.iss, sub: request.auth?.claims.sub, scopes: request.auth?.scopes };
}

/** The shared route layout (see support/resource-server.ts), one encapsulated context per group. */
function app(v: Validators, setup: (a: FastifyInstance) => void = () => {}): FastifyInstance {
  const a = Fastify({ logger: false });
  setup(a);
  a.get("/public", async () => ({ ok: true }));
  void a.register(async (api) => {
    await api.register(bearerAuth, { validator: v.api, realm: REALM });
    api.get("/me", me);
    api.get("/read-write", { preHandler: requireScopes("api:read", "api:write") }, me);
    api.get("/write-or-admin", { preHandler: requireAnyScope("api:write", "admin") }, me);
    api.get("/from-op2", { preHandler: requireClaims(async (claims) => claims.iss === f.op2.issuer) }, me);
  }, { prefix: "/api" });
  const group = (prefix: string, options: Parameters<typeof bearerAuth>[1]) =>
    void a.register(async (g) => {
      await g.register(bearerAuth, options);
      g.get("/me", me);
    }, { prefix });
  group("/single", { validator: v.single });
  group("/other-audience", { validator: v.otherAudience });
  group("/later", { validator: v.later, realm: REALM });
  group("/unreachable", { validator: v.unreachable });
  group("/strict", { validator: v.strict });
  return a;
}

async function listen(a: FastifyInstance): Promise<string> {
  return a.listen({ port: 0, host: "127.0.0.1" });
}

describe("Fastify plugin with Fastify's default error handler", () => {
  let server: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    server = app(f.validators);
    url = await listen(server);
  });
  afterAll(() => server.close());

  runCases(f, () => url);

  test("the plugin protects the context that registers it, not its siblings or parent", async () => {
    const a = Fastify({ logger: false });
    a.get("/open", async () => "open");
    await a.register(async (scoped) => {
      await scoped.register(bearerAuth, { validator: f.validators.api });
      scoped.get("/closed", async (request) => request.auth?.claims.iss ?? "none");
    });
    a.get("/also-open", async (request) => String(request.auth ?? "no auth"));
    const base = await listen(a);
    try {
      expect((await get(`${base}/open`)).status).toBe(200);
      expect(await get(`${base}/also-open`)).toMatchObject({ status: 200, body: "no auth" });
      expect(await get(`${base}/closed`)).toMatchObject({ status: 401, wwwAuthenticate: "Bearer" });
      expect(await get(`${base}/closed`, `Bearer ${f.tokens.read2}`)).toMatchObject({ status: 200, body: f.op2.issuer });
    } finally {
      await a.close();
    }
  });
});

describe("setErrorHandler customises the answers", () => {
  test("the host's handler receives the BearerAuthError with its status and challenge", async () => {
    const seen: unknown[] = [];
    const a = app(f.validators, (root) =>
      root.setErrorHandler((err: unknown, _request: FastifyRequest, reply: FastifyReply) => {
        if (!(err instanceof BearerAuthError)) return reply.code(500).send({ error: "server_error" });
        seen.push({ statusCode: err.statusCode, error: err.error });
        return reply.code(err.statusCode).headers(err.headers).type("text/plain").send(`custom ${err.error ?? "login"}`);
      }),
    );
    const base = await listen(a);
    try {
      expect(await get(`${base}/api/write-or-admin`, `Bearer ${f.tokens.read1}`)).toEqual({
        status: 403,
        wwwAuthenticate: `Bearer realm="${REALM}", error="insufficient_scope", scope="api:write admin"`,
        body: "custom insufficient_scope",
      });
      expect(await get(`${base}/api/me`)).toEqual({ status: 401, wwwAuthenticate: `Bearer realm="${REALM}"`, body: "custom login" });
      expect(seen).toEqual([{ statusCode: 403, error: "insufficient_scope" }, { statusCode: 401, error: undefined }]);
    } finally {
      await a.close();
    }
  });

  test("registering the plugin twice in nested contexts keeps one request decorator", async () => {
    const a = Fastify({ logger: false });
    await a.register(bearerAuth, { validator: f.validators.single });
    await a.register(async (inner) => {
      await inner.register(bearerAuth, { validator: f.validators.api });
      inner.get("/inner", async (request) => request.auth?.claims.iss);
    });
    const base = await listen(a);
    try {
      // Both hooks run: the outer one trusts only op1, so op2's token is refused before the inner one sees it.
      expect((await get(`${base}/inner`, `Bearer ${f.tokens.read2}`)).status).toBe(401);
      expect(await get(`${base}/inner`, `Bearer ${f.tokens.read1}`)).toMatchObject({ status: 200, body: f.op1.issuer });
    } finally {
      await a.close();
    }
  });
});
