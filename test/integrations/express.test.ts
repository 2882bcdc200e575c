/**
 * The Express middleware on a real Express 5 server on 127.0.0.1, with real tokens from two in-process
 * OpenID Providers: the shared RFC 6750 table, then how refusals travel through Express's error path.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import express, { type ErrorRequestHandler, type Express, type Request, type Response } from "express";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  BearerAuthError, bearerAuth, bearerErrorHandler, requireAnyScope, requireClaims, requireScopes,
} from "../../src/integrations/express.js";
import { ExpiredTokenException, UnknownIssuerTokenException } from "../../src/index.js";
import { REALM, UNREACHABLE_ISSUER, forgedToken, get, runCases, useResourceServerFixture, type Validators } from "./support/resource-server.js";

const f = useResourceServerFixture();

function me(req: Request, res: Response): void {
  res.json({ iss: req.auth?.claims.iss, sub: req.auth?.claims.sub, scopes: req.auth?.scopes });
}

/** The shared route layout (see support/resource-server.ts), then `errorHandlers`. */
function app(v: Validators, ...errorHandlers: ErrorRequestHandler[]): Express {
  const a = express();
  a.get("/public", (_req, res) => void res.json({ ok: true }));
  const api = express.Router();
  api.use(bearerAuth({ validator: v.api, realm: REALM }));
  api.get("/me", me);
  api.get("/read-write", requireScopes("api:read", "api:write"), me);
  api.get("/write-or-admin", requireAnyScope("api:write", "admin"), me);
  api.get("/from-op2", requireClaims(async (claims) => claims.iss === f.op2.issuer), me);
  a.use("/api", api);
  a.get("/single/me", bearerAuth({ validator: v.single }), me);
  a.get("/other-audience/me", bearerAuth({ validator: v.otherAudience }), me);
  a.get("/later/me", bearerAuth({ validator: v.later, realm: REALM }), me);
  a.get("/unreachable/me", bearerAuth({ validator: v.unreachable }), me);
  a.get("/strict/me", bearerAuth({ validator: v.strict }), me);
  for (const h of errorHandlers) a.use(h);
  return a;
}

async function listen(a: Express): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = await new Promise((resolve) => {
    const s = a.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe("Express middleware with bearerErrorHandler()", () => {
  let server: { url: string; close: () => Promise<void> };
  beforeAll(async () => {
    server = await listen(app(f.validators, bearerErrorHandler()));
  });
  afterAll(() => server.close());

  runCases(f, () => server.url);

  test("the default handler answers JSON with the RFC 6750 code and no-store", async () => {
    const res = await fetch(`${server.url}/api/me`, { headers: { authorization: "Bearer abc.def.ghi" }, signal: AbortSignal.timeout(5_000) });
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({ error: "invalid_token", error_description: "Invalid access token" });
  });

  test("req.auth carries the claims, the granted scopes and the token", async () => {
    const a = express();
    let seen: unknown;
    a.get("/me", bearerAuth({ validator: f.validators.api }), (req, res) => {
      seen = req.auth;
      res.end();
    });
    const s = await listen(a);
    try {
      await get(`${s.url}/me`, `Bearer ${f.tokens.readWrite1}`);
    } finally {
      await s.close();
    }
    expect(seen).toMatchObject({
      claims: { iss: f.op1.issuer, aud: f.op1.apiAudience },
      scopes: ["api:read", "api:write"],
      introspection: null,
      token: f.tokens.readWrite1,
    });
  });
});

describe("Express's own error path", () => {
  test("without any handler, Express's final handler sends the status and the challenge", async () => {
    const s = await listen(app(f.validators));
    try {
      expect(await get(`${s.url}/api/me`)).toMatchObject({ status: 401, wwwAuthenticate: `Bearer realm="${REALM}"` });
      const scope = await get(`${s.url}/api/read-write`, `Bearer ${f.tokens.read1}`);
      expect(scope).toMatchObject({ status: 403, wwwAuthenticate: `Bearer realm="${REALM}", error="insufficient_scope", scope="api:read api:write"` });
      // Outside production the final handler prints the error's stack: it is one line, nothing internal.
      const unreachable = await get(`${s.url}/unreachable/me`, `Bearer ${forgedToken(UNREACHABLE_ISSUER, f.op1.apiAudience)}`);
      expect(unreachable.status).toBe(503);
      expect(unreachable.body).toContain("BearerAuthError: The access token cannot be checked right now");
      expect(unreachable.body).not.toMatch(/127\.0\.0\.1|\/src\/|node_modules|\bat /);
    } finally {
      await s.close();
    }
  });

  test("the host's error handler replaces the default answer and sees the error's status and headers", async () => {
    const seen: unknown[] = [];
    const custom: ErrorRequestHandler = (err, _req, res, next) => {
      if (!(err instanceof BearerAuthError)) return next(err);
      seen.push({ status: err.status, statusCode: err.statusCode, error: err.error, headers: err.headers });
      res.status(err.status).set(err.headers).type("text/plain").send(`custom ${err.error ?? "login"}`);
    };
    const s = await listen(app(f.validators, custom, bearerErrorHandler()));
    try {
      const answer = await get(`${s.url}/api/me`, `Bearer ${f.tokens.read1} extra`);
      expect(answer).toEqual({ status: 400, wwwAuthenticate: `Bearer realm="${REALM}", error="invalid_request"`, body: "custom invalid_request" });
      expect(seen).toEqual([{ status: 400, statusCode: 400, error: "invalid_request", headers: { "WWW-Authenticate": `Bearer realm="${REALM}", error="invalid_request"` } }]);
    } finally {
      await s.close();
    }
  });

  test("the refusal's cause tells the host why (expired, audience, issuer); the response does not", async () => {
    const causes: Record<string, unknown> = {};
    const record: ErrorRequestHandler = (err, req, _res, next) => {
      if (err instanceof BearerAuthError) causes[req.path] = err.cause;
      next(err);
    };
    const s = await listen(app(f.validators, record, bearerErrorHandler()));
    try {
      for (const path of ["/later/me", "/other-audience/me"]) await get(`${s.url}${path}`, `Bearer ${f.tokens.read1}`);
      await get(`${s.url}/single/me`, `Bearer ${f.tokens.read2}`);
    } finally {
      await s.close();
    }
    expect(causes["/later/me"]).toBeInstanceOf(ExpiredTokenException);
    expect(causes["/other-audience/me"]).toMatchObject({ code: "ERR_INVALID_TOKEN", message: expect.stringMatching(/audience/i) });
    expect(causes["/single/me"]).toBeInstanceOf(UnknownIssuerTokenException);
  });

  test("a route guard without the bearer middleware before it fails closed with a 500", async () => {
    const a = express();
    a.get("/oops", requireScopes("api:read"), (_req, res) => void res.send("reached"));
    let caught: unknown;
    a.use(((err, _req, res, _next) => {
      caught = err;
      res.status(500).end();
    }) as ErrorRequestHandler);
    const s = await listen(a);
    try {
      expect((await get(`${s.url}/oops`, `Bearer ${f.tokens.read1}`)).status).toBe(500);
      expect(caught).toMatchObject({ status: 500, error: "server_error", message: "The access token could not be checked" });
      expect(String((caught as Error).cause)).toMatch(/install the bearer middleware before it/);
    } finally {
      await s.close();
    }
  });
});

describe("helper arguments", () => {
  test("scope helpers refuse empty lists and invalid scope tokens when the route is defined", () => {
    expect(() => requireScopes()).toThrow(/at least one scope/);
    expect(() => requireAnyScope("ok", 'bad"quote')).toThrow(/not a valid scope token/);
    expect(() => requireScopes("has space")).toThrow(/not a valid scope token/);
  });

  test("bearerAuth needs a validator and a realm without control characters", () => {
    expect(() => bearerAuth({} as never)).toThrow(/needs a validator/);
    expect(() => bearerAuth({ validator: f.validators.api, realm: "a\nb" })).toThrow(/control characters/);
  });
});
