/**
 * Every resource-server option through both adapters (real Express and Fastify servers on 127.0.0.1),
 * with tokens from a hand-made issuer: one key per JWS algorithm, the algorithm attacks, clock
 * tolerance and maximum age, the RFC 9068 profile, several audiences, optional authentication, claim
 * guards, token locations (RFC 6750 section 2), duplicated credentials, RFC 8414 discovery and an
 * explicit JWKS URL.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { bearerAuth as expressBearerAuth } from "../../src/integrations/express.js";
import { ALGORITHMS, startHandMadeIssuer, type HandMadeIssuer } from "./support/hand-made-issuer.js";
import { send, start, type Framework, type Route, type Running } from "./support/two-frameworks.js";

const AUDIENCE = "https://api.example.test/";
const OTHER = "https://other.example.test/";

let op: HandMadeIssuer;
let rfc8414: HandMadeIssuer;
let openid: HandMadeIssuer;
beforeAll(async () => {
  [op, rfc8414, openid] = await Promise.all([
    startHandMadeIssuer({ audience: AUDIENCE }),
    startHandMadeIssuer({ audience: AUDIENCE, metadata: "rfc8414", path: "/tenant" }),
    startHandMadeIssuer({ audience: AUDIENCE, metadata: "openid" }),
  ]);
});
afterAll(async () => {
  await Promise.all([op?.stop(), rfc8414?.stop(), openid?.stop()]);
});

const issuer = (extra: object = {}) => ({ issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri, ...extra });

function routes(): Route[] {
  return [
    { path: "/default", options: { issuers: [issuer()], realm: "api" } },
    { path: "/es256-only", options: { issuers: [issuer({ algorithms: ["ES256"] })] } },
    { path: "/ps-default", options: { issuers: [issuer()], algorithms: ["PS256", "PS384"] } },
    { path: "/no-tolerance", options: { issuers: [issuer()], clockToleranceSeconds: 0 } },
    { path: "/max-age", options: { issuers: [issuer({ maxTokenAgeSeconds: 600 })] } },
    { path: "/strict", options: { issuers: [issuer()], strict: true } },
    { path: "/audiences", options: { issuers: [issuer({ audience: [OTHER, AUDIENCE] })] } },
    { path: "/other-audience", options: { issuers: [issuer({ audience: OTHER })] } },
    { path: "/optional", options: { issuers: [issuer()], authRequired: false } },
    { path: "/optional-scoped", options: { issuers: [issuer()], authRequired: false }, guard: ["requireScopes", "api:write"] },
    { path: "/org", options: { issuers: [issuer()] }, guard: ["requireClaimEquals", "org", "acme"] },
    { path: "/roles", options: { issuers: [issuer()] }, guard: ["requireClaimIncludes", "roles", "admin", "ops"] },
    { path: "/scope-claim", options: { issuers: [issuer()], realm: "api" }, guard: ["requireClaimIncludes", "scope", "api:write"] },
    { path: "/query", options: { issuers: [issuer()], tokenLocations: { query: true } } },
    { path: "/form", method: "POST", options: { issuers: [issuer()], tokenLocations: { formBody: true } } },
    { path: "/header-only-form", method: "POST", options: { issuers: [issuer()] } },
    { path: "/rfc8414", options: { issuers: [{ issuer: rfc8414.issuer, audience: AUDIENCE }] } },
    { path: "/openid", options: { issuers: [{ issuer: openid.issuer, audience: AUDIENCE }] } },
  ];
}

const now = () => Math.floor(Date.now() / 1000);
const bearer = (token: string) => ["Authorization", `Bearer ${token}`];
const INVALID_TOKEN = 'Bearer error="invalid_token"';
const INVALID_REQUEST = 'Bearer error="invalid_request"';

describe.each<Framework>(["express", "fastify"])("%s", (framework) => {
  let server: Running;
  beforeAll(async () => {
    server = await start(framework, routes());
  });
  afterAll(() => server.close());

  async function call(path: string, options: { token?: string; rawHeaders?: string[]; method?: string; form?: Record<string, string | string[]> } = {}) {
    const rawHeaders = [...(options.token ? bearer(options.token) : []), ...(options.rawHeaders ?? [])];
    let body: string | undefined;
    if (options.form) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(options.form)) for (const one of [v].flat()) params.append(k, one);
      body = params.toString();
      rawHeaders.push("Content-Type", "application/x-www-form-urlencoded");
    }
    const answer = await send(`${server.url}${path}`, { method: options.method ?? (options.form ? "POST" : "GET"), rawHeaders, body });
    return { status: answer.status, challenge: answer.headers.get("www-authenticate"), body: answer.body };
  }
  const accepted = (answer: { status: number; body: string }) => {
    expect(answer.status).toBe(200);
    return JSON.parse(answer.body) as { auth: { iss: string; sub: string; scopes: string[] } | null };
  };

  describe("algorithms", () => {
    test.each(ALGORITHMS)("%s tokens are accepted by default (the JWKS key declares it)", async (alg) => {
      expect(accepted(await call("/default", { token: await op.sign(alg) })).auth).toMatchObject({ iss: op.issuer, sub: "user-1" });
    });

    test("an allow-list per issuer refuses the other algorithms", async () => {
      expect((await call("/es256-only", { token: await op.sign("ES256") })).status).toBe(200);
      for (const alg of ["RS256", "PS256", "ES384", "EdDSA"] as const) {
        expect(await call("/es256-only", { token: await op.sign(alg) })).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
      }
    });

    test("an allow-list given as the default applies to issuers without their own", async () => {
      expect((await call("/ps-default", { token: await op.sign("PS384") })).status).toBe(200);
      expect((await call("/ps-default", { token: await op.sign("RS256") })).status).toBe(401);
    });

    test("alg none, HMAC keyed with the public key, and a key used with another algorithm than its JWK declares are refused", async () => {
      expect(await call("/default", { token: op.unsigned() })).toMatchObject({ status: 401, challenge: 'Bearer realm="api", error="invalid_token"' });
      expect((await call("/default", { token: op.hmacWithPublicKey() })).status).toBe(401);
      // Signed by the RS256 key, but the header says RS512: that JWK declares alg RS256 only.
      const rs256Key = await op.sign("RS512", {}, { kid: op.keys.RS256.kid });
      expect((await call("/default", { token: rs256Key })).status).toBe(401);
    });

    test("a kid the JWKS does not publish, a bad signature, another issuer and an oversized token are 401 invalid_token", async () => {
      // Node refuses headers over 16 KiB itself (431); in a form body the middleware's 16 KiB cap answers.
      const oversized = await op.sign("ES256", { pad: "x".repeat(17 * 1024) });
      expect(await call("/form", { form: { access_token: oversized } })).toMatchObject({ status: 401, challenge: 'Bearer error="invalid_token"' });
      const valid = await op.sign("ES256");
      const [h, p] = valid.split(".");
      const otherSignature = (await op.sign("ES256", { sub: "someone-else" })).split(".")[2];
      for (const token of [
        await op.sign("ES256", {}, { kid: "not-published" }),
        `${h}.${p}.${otherSignature}`,
        await op.sign("ES256", { iss: "https://elsewhere.example/" }),
      ]) {
        expect(await call("/default", { token })).toMatchObject({ status: 401, challenge: 'Bearer realm="api", error="invalid_token"' });
      }
    });
  });

  describe("clock tolerance and token age", () => {
    test("the default tolerance (5 s) accepts a token that expired 3 s ago, not one that expired 10 s ago", async () => {
      expect((await call("/default", { token: await op.sign("ES256", { exp: now() - 3 }) })).status).toBe(200);
      expect((await call("/default", { token: await op.sign("ES256", { exp: now() - 10 }) })).status).toBe(401);
      expect((await call("/default", { token: await op.sign("ES256", { nbf: now() + 3, iat: now() + 3 }) })).status).toBe(200);
      expect((await call("/default", { token: await op.sign("ES256", { nbf: now() + 30 }) })).status).toBe(401);
    });

    test("clockToleranceSeconds: 0 refuses the token that expired 3 s ago", async () => {
      expect((await call("/no-tolerance", { token: await op.sign("ES256", { exp: now() - 3 }) })).status).toBe(401);
      expect((await call("/no-tolerance", { token: await op.sign("ES256") })).status).toBe(200);
    });

    test("maxTokenAgeSeconds refuses a token issued too long ago, and one without iat", async () => {
      expect((await call("/max-age", { token: await op.sign("ES256", { iat: now() - 60 }) })).status).toBe(200);
      expect((await call("/max-age", { token: await op.sign("ES256", { iat: now() - 3600 }) })).status).toBe(401);
      expect((await call("/max-age", { token: await op.sign("ES256", { iat: undefined }) })).status).toBe(401);
    });
  });

  describe("RFC 9068 profile (strict)", () => {
    const full = () => ({ client_id: "svc", jti: `j-${Math.random()}` });
    test("typ at+jwt (or application/at+jwt) with every required claim is accepted", async () => {
      expect((await call("/strict", { token: await op.sign("ES256", full(), { typ: "at+jwt" }) })).status).toBe(200);
      expect((await call("/strict", { token: await op.sign("ES256", full(), { typ: "application/at+jwt" }) })).status).toBe(200);
    });
    test("another typ, or a missing required claim, is refused", async () => {
      expect((await call("/strict", { token: await op.sign("ES256", full(), { typ: "JWT" }) })).status).toBe(401);
      expect((await call("/strict", { token: await op.sign("ES256", full()) })).status).toBe(401);
      for (const claim of ["sub", "client_id", "iat", "jti"]) {
        const token = await op.sign("ES256", { ...full(), [claim]: undefined }, { typ: "at+jwt" });
        expect((await call("/strict", { token })).status).toBe(401);
      }
    });
    test("without strict, a token without typ and client_id is fine", async () => {
      expect((await call("/default", { token: await op.sign("ES256") })).status).toBe(200);
    });
  });

  test("several audiences per issuer: a token for any of them is accepted", async () => {
    expect((await call("/audiences", { token: await op.sign("ES256", { aud: OTHER }) })).status).toBe(200);
    expect((await call("/audiences", { token: await op.sign("ES256", { aud: ["https://x.test/", AUDIENCE] }) })).status).toBe(200);
    expect((await call("/audiences", { token: await op.sign("ES256", { aud: "https://x.test/" }) })).status).toBe(401);
    expect((await call("/other-audience", { token: await op.sign("ES256") })).status).toBe(401);
  });

  describe("optional authentication (authRequired: false)", () => {
    test("no token: the handler runs without auth", async () => {
      expect(accepted(await call("/optional")).auth).toBeNull();
    });
    test("a valid token is still validated and seen", async () => {
      expect(accepted(await call("/optional", { token: await op.sign("ES256") })).auth).toMatchObject({ sub: "user-1" });
    });
    test("a bad token is refused", async () => {
      expect(await call("/optional", { token: await op.sign("ES256", { exp: now() - 60 }) })).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
      expect(await call("/optional", { rawHeaders: ["Authorization", "Bearer"] })).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
    });
    test("a route guard on a request without a token answers 401 with the challenge (not a 500)", async () => {
      expect(await call("/optional-scoped")).toMatchObject({ status: 401, challenge: "Bearer" });
      expect((await call("/optional-scoped", { token: await op.sign("ES256", { scope: "api:write" }) })).status).toBe(200);
    });
  });

  describe("claim guards", () => {
    test("requireClaimEquals: 401 invalid_token when the claim differs or is missing", async () => {
      expect((await call("/org", { token: await op.sign("ES256", { org: "acme" }) })).status).toBe(200);
      expect(await call("/org", { token: await op.sign("ES256", { org: "evil" }) })).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
      expect(await call("/org", { token: await op.sign("ES256") })).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
    });
    test("requireClaimIncludes: every value must be in the list claim", async () => {
      expect((await call("/roles", { token: await op.sign("ES256", { roles: ["ops", "admin", "dev"] }) })).status).toBe(200);
      expect(await call("/roles", { token: await op.sign("ES256", { roles: ["admin"] }) })).toMatchObject({ status: 401, challenge: INVALID_TOKEN });
      expect((await call("/roles", { token: await op.sign("ES256", { roles: "admin" }) })).status).toBe(401);
    });
    test("a check of the scope claim is 403 insufficient_scope", async () => {
      expect((await call("/scope-claim", { token: await op.sign("ES256", { scope: "api:read api:write" }) })).status).toBe(200);
      expect(await call("/scope-claim", { token: await op.sign("ES256", { scope: "api:read" }) })).toMatchObject({
        status: 403,
        challenge: 'Bearer realm="api", error="insufficient_scope"',
      });
    });
  });

  describe("token location and duplicated credentials", () => {
    test("two Authorization headers are 400 invalid_request, whichever comes first", async () => {
      const token = await op.sign("ES256");
      for (const rawHeaders of [
        [...bearer(token), ...bearer(token)],
        ["Authorization", "Basic dXNlcjpwYXNz", ...bearer(token)],
        [...bearer(token), "authorization", "Basic dXNlcjpwYXNz"],
      ]) {
        expect(await call("/default", { rawHeaders })).toMatchObject({ status: 400, challenge: 'Bearer realm="api", error="invalid_request"' });
      }
    });

    test("the query is read only where enabled (RFC 6750 section 2.3)", async () => {
      const token = await op.sign("ES256");
      expect(accepted(await call(`/query?access_token=${token}`)).auth).toMatchObject({ sub: "user-1" });
      expect(await call(`/default?access_token=${token}`)).toMatchObject({ status: 401, challenge: 'Bearer realm="api"' });
      expect(await call(`/query?access_token=${token}`, { token })).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
      expect(await call(`/query?access_token=${token}&access_token=${token}`)).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
      expect(await call("/query?access_token=not%20a%20token")).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
    });

    test("a form body is read only where enabled (RFC 6750 section 2.2)", async () => {
      const token = await op.sign("ES256");
      expect(accepted(await call("/form", { form: { access_token: token, other: "x" } })).auth).toMatchObject({ sub: "user-1" });
      expect(await call("/header-only-form", { form: { access_token: token } })).toMatchObject({ status: 401, challenge: "Bearer" });
      expect(await call("/form", { token, form: { access_token: token } })).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
      expect(await call("/form", { form: { access_token: [token, token] } })).toMatchObject({ status: 400, challenge: INVALID_REQUEST });
      expect(accepted(await call("/form", { token, form: { other: "x" } })).auth).toMatchObject({ sub: "user-1" });
    });
  });

  describe("discovery", () => {
    test("RFC 8414 metadata is used when the issuer has no openid-configuration", async () => {
      expect(accepted(await call("/rfc8414", { token: await rfc8414.sign("EdDSA") })).auth).toMatchObject({ iss: rfc8414.issuer });
      expect(rfc8414.hits["/.well-known/oauth-authorization-server/tenant"]).toBeGreaterThanOrEqual(1);
    });
    test("OpenID discovery first; an explicit jwksUri skips discovery", async () => {
      expect((await call("/openid", { token: await openid.sign("ES384") })).status).toBe(200);
      expect(openid.hits["/.well-known/openid-configuration"]).toBeGreaterThanOrEqual(1);
      expect(openid.hits["/.well-known/oauth-authorization-server"]).toBeUndefined();
      expect(Object.keys(op.hits)).toEqual(["/jwks"]);
    });
  });
});

describe("configuration errors at construction", () => {
  test("an empty trusted-issuer list", () => {
    expect(() => expressBearerAuth({ issuers: [] })).toThrow(/at least one trusted issuer/);
  });
  test("neither a validator nor issuers, or both", () => {
    expect(() => expressBearerAuth({})).toThrow(/needs a validator .* or issuers/);
  });
  test("an unknown algorithm name or a negative tolerance", async () => {
    const { OidcMultiIssuerValidator } = await import("../../src/index.js");
    await expect(OidcMultiIssuerValidator.fromIssuers([issuer({ algorithms: ["HS256"] })])).rejects.toThrow(/HS256.*cannot be trusted/);
    await expect(OidcMultiIssuerValidator.fromIssuers([issuer()], { clockToleranceSeconds: -1 })).rejects.toThrow(/clockToleranceSeconds/);
    await expect(OidcMultiIssuerValidator.create([])).rejects.toThrow(/at least one trusted issuer/);
  });
});
