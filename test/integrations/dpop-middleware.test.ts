/**
 * DPoP (RFC 9449) at the resource server, end to end through both adapters: DPoP-bound tokens from the
 * embedded OpenID Provider, proofs from the library's own client (and from a thief's key), each mode
 * (`disabled`, `allowed`, `required`), the challenges, server nonces, replay, `htu` from the Host, from
 * a trusted proxy's X-Forwarded-* headers and from a configured public base URL.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import express from "express";
import Fastify from "fastify";
import type { AddressInfo } from "node:net";
import { Auth, GotHttpClient, createKernel, type RequestAuthenticator } from "../../src/index.js";
import { decodeJwtPayloadUnverified } from "../../src/plugin-kit.js";
import * as ex from "../../src/integrations/express.js";
import * as fa from "../../src/integrations/fastify.js";
import { oidcPlugin } from "../../src/plugins/oidc/index.js";
import { DpopKey } from "../../src/plugins/oidc/dpop-key.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { send, start, type Framework, type Route, type Running } from "./support/two-frameworks.js";

let op: OidcServer;
let client: RequestAuthenticator;
let boundToken: string;
let plainToken: string;
const ALGS = 'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA"';

beforeAll(async () => {
  op = await startOidcServer();
  const kernel = createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) } });
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel });
  await auth.ensureRequestAuthenticatorIsReady();
  client = auth.requestAuthenticator();
  boundToken = (await client.credential())!.data()!.access_token as string;
  plainToken = (await op.clientCredentialsTokens({ scope: "api:read" })).access_token as string;
});
afterAll(() => op?.stop());

function routes(): Route[] {
  const issuers = [{ issuer: op.issuer, audience: op.apiAudience }];
  return [
    { path: "/required", options: { issuers, realm: "api", dpop: "required" } },
    { path: "/allowed", options: { issuers, dpop: "allowed" } },
    { path: "/disabled", options: { issuers } },
    { path: "/nonce", options: { issuers, dpop: { mode: "required", nonce: true } } },
    { path: "/base/things", options: { issuers, dpop: { mode: "required", publicBaseUrl: "https://api.example.test/v1" } } },
    { path: "/admin", options: { issuers, dpop: "required" }, guard: ["requireScopes", "admin"] },
  ];
}

const proofHeaders = async (method: string, url: string) => Object.entries(await client.authorizationHeaders({ method, url })).flat();

describe.each<Framework>(["express", "fastify"])("%s", (framework) => {
  let server: Running;
  beforeAll(async () => {
    server = await start(framework, routes());
  });
  afterAll(() => server.close());

  const call = async (path: string, rawHeaders: string[] = [], method = "GET") => {
    const a = await send(`${server.url}${path}`, { method, rawHeaders });
    return { status: a.status, challenge: a.headers.get("www-authenticate"), nonce: a.headers.get("dpop-nonce"), body: a.body };
  };

  test("required: the client's DPoP token and a proof of the request (its query ignored) are accepted", async () => {
    const answer = await call("/required?page=2", await proofHeaders("GET", `${server.url}/required?page=2`));
    expect(answer.status).toBe(200);
  });

  test("required: no token ⇒ 401 with only the DPoP challenge (realm, algs); a Bearer token ⇒ invalid_token in it", async () => {
    expect(await call("/required")).toMatchObject({ status: 401, challenge: `DPoP realm="api", ${ALGS}` });
    expect(await call("/required", ["Authorization", `Bearer ${plainToken}`])).toMatchObject({ status: 401, challenge: `DPoP realm="api", ${ALGS}, error="invalid_token"` });
  });

  test("a stolen token: with a proof of the thief's key ⇒ invalid_token; as Bearer ⇒ invalid_token; without a proof ⇒ invalid_dpop_proof", async () => {
    const url = `${server.url}/required`;
    const thief = DpopKey.generate();
    expect(await call("/required", ["Authorization", `DPoP ${boundToken}`, "DPoP", thief.proof({ method: "GET", url, accessToken: boundToken })]))
      .toMatchObject({ status: 401, challenge: `DPoP realm="api", ${ALGS}, error="invalid_token"` });
    expect(await call("/allowed", ["Authorization", `Bearer ${boundToken}`])).toMatchObject({ status: 401, challenge: `Bearer error="invalid_token", DPoP ${ALGS}` });
    expect(await call("/disabled", ["Authorization", `Bearer ${boundToken}`])).toMatchObject({ status: 401, challenge: 'Bearer error="invalid_token"' });
    expect(await call("/required", ["Authorization", `DPoP ${boundToken}`])).toMatchObject({ status: 401, challenge: `DPoP realm="api", ${ALGS}, error="invalid_dpop_proof"` });
  });

  test("two DPoP headers ⇒ invalid_dpop_proof", async () => {
    const headers = await proofHeaders("GET", `${server.url}/required`);
    const proof = headers[headers.indexOf("DPoP") + 1]!;
    expect(await call("/required", [...headers, "DPoP", proof])).toMatchObject({ status: 401, challenge: expect.stringContaining('error="invalid_dpop_proof"') });
  });

  test("a proof is good once: the same proof again ⇒ invalid_dpop_proof", async () => {
    const headers = await proofHeaders("GET", `${server.url}/required`);
    expect((await call("/required", headers)).status).toBe(200);
    expect(await call("/required", headers)).toMatchObject({ status: 401, challenge: expect.stringContaining('error="invalid_dpop_proof"') });
  });

  test("a proof of another method or URL ⇒ invalid_dpop_proof", async () => {
    expect((await call("/required", await proofHeaders("POST", `${server.url}/required`))).challenge).toContain('error="invalid_dpop_proof"');
    expect((await call("/required", await proofHeaders("GET", `${server.url}/allowed`))).challenge).toContain('error="invalid_dpop_proof"');
    expect((await call("/required", await proofHeaders("GET", `https://127.0.0.1:${new URL(server.url).port}/required`))).challenge).toContain('error="invalid_dpop_proof"');
  });

  test("allowed: Bearer (unbound) and DPoP are both accepted; refusals offer both schemes", async () => {
    expect((await call("/allowed", ["Authorization", `Bearer ${plainToken}`])).status).toBe(200);
    expect((await call("/allowed", await proofHeaders("GET", `${server.url}/allowed`))).status).toBe(200);
    expect(await call("/allowed")).toMatchObject({ status: 401, challenge: `Bearer, DPoP ${ALGS}` });
  });

  test("disabled: the DPoP scheme is not a credential here", async () => {
    expect(await call("/disabled", await proofHeaders("GET", `${server.url}/disabled`))).toMatchObject({ status: 401, challenge: "Bearer" });
  });

  test("nonces: a proof without the server's nonce ⇒ use_dpop_nonce with DPoP-Nonce; the client's adapters resend with it, and its next proof carries it", async () => {
    const url = `${server.url}/nonce`;
    const first = await call("/nonce", await proofHeaders("GET", url));
    expect(first).toMatchObject({ status: 401, challenge: `DPoP ${ALGS}, error="use_dpop_nonce"` });
    expect(first.nonce).toBeTruthy();
    expect((await client.fetch()(url)).status).toBe(200); // refused once, then sent again with the nonce
    const headers = await proofHeaders("GET", url);
    expect(decodeJwtPayloadUnverified(headers[headers.indexOf("DPoP") + 1]!).nonce).toBe(first.nonce);
    expect((await call("/nonce", headers)).status).toBe(200);
  });

  test("publicBaseUrl: the proof names the public URL (base path joined with the request path), not the server's own", async () => {
    expect((await call("/base/things", await proofHeaders("GET", "https://api.example.test/v1/base/things"))).status).toBe(200);
    expect((await call("/base/things", await proofHeaders("GET", `${server.url}/base/things`))).status).toBe(401);
  });

  test("a guard's refusal of a DPoP request is in the DPoP challenge", async () => {
    expect(await call("/admin", await proofHeaders("GET", `${server.url}/admin`))).toMatchObject({ status: 403, challenge: `DPoP ${ALGS}, error="insufficient_scope", scope="admin"` });
  });
});

describe("X-Forwarded-Proto/-Host are used only where the application trusts its proxy", () => {
  const PUBLIC = "https://api.example.test/required";
  const forwarded = async () => ["X-Forwarded-Proto", "https", "X-Forwarded-Host", "api.example.test", ...(await proofHeaders("GET", PUBLIC))];

  test.each([true, false])("express, trust proxy %s", async (trust) => {
    const app = express();
    if (trust) app.set("trust proxy", "loopback");
    app.get("/required", ex.bearerAuth({ issuers: [{ issuer: op.issuer, audience: op.apiAudience }], dpop: "required" }), (_req, res) => void res.json({ ok: true }));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      expect((await send(`${base}/required`, { rawHeaders: await forwarded() })).status).toBe(trust ? 200 : 401);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test.each([true, false])("fastify, trustProxy %s", async (trust) => {
    const app = Fastify({ trustProxy: trust });
    await app.register(async (scope) => {
      await scope.register(fa.bearerAuth, { issuers: [{ issuer: op.issuer, audience: op.apiAudience }], dpop: "required" });
      scope.get("/required", async () => ({ ok: true }));
    });
    const base = await app.listen({ port: 0, host: "127.0.0.1" });
    try {
      expect((await send(`${base}/required`, { rawHeaders: await forwarded() })).status).toBe(trust ? 200 : 401);
    } finally {
      await app.close();
    }
  });
});

test("an interactive login (device code, the scripted user approves) with dpop: true calls a DPoP-required route; its token alone is refused", async () => {
  const user = op.scriptedUser();
  const kernel = createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }), ...user.services } });
  // Without `openid` the provider issues the access token for the API (a JWT) rather than for userinfo.
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code", { dpop: true, scopes: ["offline_access", "api:read"] }), { kernel });
  await auth.login({ allowTtyPrompt: true });
  const server = await start("express", [{ path: "/required", options: { issuers: [{ issuer: op.issuer, audience: op.apiAudience }], dpop: "required" } }]);
  try {
    const res = await auth.requestAuthenticator().fetch()(`${server.url}/required`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { auth: { sub: string } }).auth.sub).toBe(op.accountId);
    const token = (await auth.requestAuthenticator().credential())!.data()!.access_token as string;
    expect((await send(`${server.url}/required`, { rawHeaders: ["Authorization", `DPoP ${token}`] })).status).toBe(401);
  } finally {
    await server.close();
  }
});
