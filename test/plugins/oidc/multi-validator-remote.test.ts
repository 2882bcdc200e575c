/**
 * The multi-issuer validator's remote revocation check against a small 127.0.0.1 authorization server
 * (JWKS + introspection): oidc-provider cannot introspect the JWT access tokens it issues, so this
 * server signs its own.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from "jose";
import {
  IntrospectionRejectionTokenException, OidcMultiIssuerValidator, UnknownIssuerTokenException, createDefaultKernel,
} from "../../../src/index.js";

const ISSUER = "https://issuer.test/";
const AUDIENCE = "https://api.test/";
let server: http.Server;
let base: string;
let privateKey: CryptoKey;
const revoked = new Set<string>();
const introspections: string[] = [];

beforeAll(async () => {
  const pair = await generateKeyPair("RS256");
  privateKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      res.setHeader("content-type", "application/json");
      if (req.url === "/jwks") return res.end(JSON.stringify({ keys: [jwk] }));
      if (req.url === "/introspect" && req.method === "POST") {
        const token = new URLSearchParams(body).get("token") ?? "";
        introspections.push(new URLSearchParams(body).get("token_type_hint") ?? "");
        return res.end(JSON.stringify(revoked.has(token) ? { active: false } : { active: true, client_id: "svc", scope: "api:read" }));
      }
      res.statusCode = 404;
      res.end("{}");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

function token(claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ scope: "api:read", client_id: "svc", ...claims })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(ISSUER).setAudience(AUDIENCE).setIssuedAt(now).setExpirationTime(now + 600).setSubject("svc")
    .sign(privateKey);
}

async function validator(): Promise<OidcMultiIssuerValidator> {
  return OidcMultiIssuerValidator.fromAuthServerConfigs(
    [{ auth_server: base, issuer: ISSUER, audiences: [AUDIENCE], jwks_endpoint: `${base}/jwks`, introspection_endpoint: `${base}/introspect` }],
    { kernel: createDefaultKernel(), logResult: false },
  );
}

describe("OidcMultiIssuerValidator with the remote revocation check", () => {
  test("an active token returns the local claims and the introspection result", async () => {
    const v = await validator();
    const t = await token();
    const [claims, remote] = await v.validateAccessToken(t, { doRemoteRevocationCheck: true, scopesAnyof: ["api:read"] });
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, client_id: "svc" });
    expect(remote).toEqual({ active: true, client_id: "svc", scope: "api:read" });
    expect(introspections.at(-1)).toBe("access_token");
    const [, none] = await v.validateAccessToken(t);
    expect(none).toBeNull();
  });

  test("a locally valid but revoked token is rejected by the remote check", async () => {
    const v = await validator();
    const t = await token({ jti: "revoked-one" });
    revoked.add(t);
    await expect(v.validateAccessToken(t)).resolves.toBeDefined();
    await expect(v.validateAccessToken(t, { doRemoteRevocationCheck: true })).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
  });

  test("a token from another issuer is an UnknownIssuerTokenException and is never introspected", async () => {
    const v = await validator();
    const before = introspections.length;
    const t = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer("https://elsewhere.test/").setAudience(AUDIENCE).setExpirationTime("10m").sign(privateKey);
    await expect(v.validateAccessToken(t, { doRemoteRevocationCheck: true })).rejects.toBeInstanceOf(UnknownIssuerTokenException);
    expect(introspections.length).toBe(before);
  });
});
