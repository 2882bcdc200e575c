/**
 * What the Express and Fastify middleware tests share: two real OpenID Providers on 127.0.0.1, the
 * validators of the protected route groups, real access tokens, and one table of requests with the
 * answers RFC 6750 asks for. Each framework test mounts the same routes and runs the same table.
 *
 * Route groups (each framework mounts them with its own API):
 * - `/public`            unprotected
 * - `/api/*`             issuers op1 and op2, audience API, realm "planet-api"
 *     `/api/me`, `/api/read-write` (requireScopes api:read api:write),
 *     `/api/write-or-admin` (requireAnyScope api:write admin), `/api/from-op2` (requireClaims, async)
 * - `/single/me`         issuer op1 only
 * - `/other-audience/me` issuer op1, another audience
 * - `/later/me`          issuers op1 and op2, on a clock two hours ahead (tokens live one hour)
 * - `/unreachable/me`    an issuer whose JWKS cannot be fetched
 * - `/strict/me`         issuer op1, RFC 9068 profile, RS256 only
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import {
  AuthLogger, GotHttpClient, OidcMultiIssuerValidator, createKernel, oidcPlugin, type Clock, type TokenPolicy,
} from "../../../src/index.js";
import { captureLogger } from "../../support/capture-logger.js";
import { startOidcServer, type OidcServer } from "../../support/oidc-server.js";

export const REALM = "planet-api";
export const OTHER_AUDIENCE = "https://other-api.example.test/";
/** Nothing listens on port 1: JWKS fetches fail at once. */
export const UNREACHABLE_ISSUER = "http://127.0.0.1:1";

export interface Validators {
  api: OidcMultiIssuerValidator;
  single: OidcMultiIssuerValidator;
  otherAudience: OidcMultiIssuerValidator;
  later: OidcMultiIssuerValidator;
  unreachable: OidcMultiIssuerValidator;
  strict: OidcMultiIssuerValidator;
}

export interface ResourceServerFixture {
  op1: OidcServer;
  op2: OidcServer;
  validators: Validators;
  tokens: { read1: string; readWrite1: string; read2: string };
}

async function validator(issuers: string[], audience: string, clock?: Clock, jwksEndpoint?: string, policy: TokenPolicy = {}): Promise<OidcMultiIssuerValidator> {
  const kernel = createKernel({
    plugins: [oidcPlugin],
    services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5_000 }), logger: new AuthLogger(captureLogger()), ...(clock ? { clock } : {}) },
  });
  const configs = issuers.map((issuer) => ({ auth_server: issuer, issuer, audiences: [audience], ...(jwksEndpoint ? { jwks_endpoint: jwksEndpoint } : {}) }));
  return OidcMultiIssuerValidator.fromAuthServerConfigs(configs, { kernel, logResult: false, ...policy });
}

/** Start the providers, validators and tokens for the whole test file. */
export function useResourceServerFixture(): ResourceServerFixture {
  const f = {} as ResourceServerFixture;
  beforeAll(async () => {
    [f.op1, f.op2] = await Promise.all([startOidcServer(), startOidcServer()]);
    const audience = f.op1.apiAudience;
    const twoHoursAhead: Clock = { now: () => Date.now() + 2 * 3600_000 };
    f.validators = {
      api: await validator([f.op1.issuer, f.op2.issuer], audience),
      single: await validator([f.op1.issuer], audience),
      otherAudience: await validator([f.op1.issuer], OTHER_AUDIENCE),
      later: await validator([f.op1.issuer, f.op2.issuer], audience, twoHoursAhead),
      unreachable: await validator([UNREACHABLE_ISSUER], audience, undefined, `${UNREACHABLE_ISSUER}/jwks`),
      strict: await validator([f.op1.issuer], audience, undefined, undefined, { strict: true, algorithms: ["RS256"] }),
    };
    const access = async (op: OidcServer, scope: string) => (await op.clientCredentialsTokens({ scope })).access_token as string;
    f.tokens = {
      read1: await access(f.op1, "api:read"),
      readWrite1: await access(f.op1, "api:read api:write"),
      read2: await access(f.op2, "api:read"),
    };
  });
  afterAll(async () => {
    await Promise.all([f.op1?.stop(), f.op2?.stop()]);
  });
  return f;
}

/** A JWT-shaped token claiming `iss`, with a signature nobody made. */
export function forgedToken(iss: string, aud: string): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "RS256", kid: "op-signing-key" })}.${part({ iss, aud, sub: "mallory", scope: "api:read api:write admin", exp: 4e9 })}.${Buffer.alloc(256, 1).toString("base64url")}`;
}

export interface Answer {
  status: number;
  wwwAuthenticate: string | null;
  body: string;
}

/** GET `url` with an optional Authorization header (5 s timeout). */
export async function get(url: string, authorization?: string): Promise<Answer> {
  const res = await fetch(url, { headers: authorization === undefined ? {} : { authorization }, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, wwwAuthenticate: res.headers.get("www-authenticate"), body: await res.text() };
}

interface Case {
  name: string;
  path: string;
  authorization?: (f: ResourceServerFixture) => string;
  status: number;
  /** Exact `WWW-Authenticate` value; null = the header must be absent. */
  challenge: string | null;
  /** For 200s: the issuer the route saw in `auth.claims.iss`. */
  iss?: (f: ResourceServerFixture) => string;
}

const bearer = (pick: (f: ResourceServerFixture) => string) => (f: ResourceServerFixture) => `Bearer ${pick(f)}`;
const API_INVALID = `Bearer realm="${REALM}", error="invalid_token"`;

export const CASES: Case[] = [
  { name: "an unprotected route needs no token", path: "/public", status: 200, challenge: null },
  { name: "valid token of the first issuer", path: "/api/me", authorization: bearer((f) => f.tokens.read1), status: 200, challenge: null, iss: (f) => f.op1.issuer },
  { name: "two issuers at once: a token of the second issuer", path: "/api/me", authorization: bearer((f) => f.tokens.read2), status: 200, challenge: null, iss: (f) => f.op2.issuer },
  { name: "the scheme is case-insensitive", path: "/api/me", authorization: (f) => `bEaReR ${f.tokens.read1}`, status: 200, challenge: null, iss: (f) => f.op1.issuer },
  { name: "missing header: 401 challenge without an error code", path: "/api/me", status: 401, challenge: `Bearer realm="${REALM}"` },
  { name: "another scheme counts as no bearer token", path: "/api/me", authorization: () => "Basic dXNlcjpwYXNz", status: 401, challenge: `Bearer realm="${REALM}"` },
  { name: "malformed header: Bearer without a token", path: "/api/me", authorization: () => "Bearer", status: 400, challenge: `Bearer realm="${REALM}", error="invalid_request"` },
  { name: "malformed header: two tokens", path: "/api/me", authorization: (f) => `Bearer ${f.tokens.read1} ${f.tokens.read1}`, status: 400, challenge: `Bearer realm="${REALM}", error="invalid_request"` },
  { name: "malformed header: characters outside b64token", path: "/api/me", authorization: () => "Bearer a,b", status: 400, challenge: `Bearer realm="${REALM}", error="invalid_request"` },
  { name: "a token that is not a JWT", path: "/api/me", authorization: () => "Bearer abc.def.ghi", status: 401, challenge: API_INVALID },
  { name: "a forged signature from a trusted issuer", path: "/api/me", authorization: bearer((f) => forgedToken(f.op1.issuer, f.op1.apiAudience)), status: 401, challenge: API_INVALID },
  { name: "expired token (validator clock two hours ahead)", path: "/later/me", authorization: bearer((f) => f.tokens.read1), status: 401, challenge: API_INVALID },
  { name: "the same token on the current clock is accepted", path: "/api/me", authorization: bearer((f) => f.tokens.read1), status: 200, challenge: null, iss: (f) => f.op1.issuer },
  {
    name: "the embedded provider's tokens are RFC 9068 access tokens (strict profile)",
    path: "/strict/me",
    authorization: bearer((f) => f.tokens.read1),
    status: 200,
    challenge: null,
    iss: (f) => f.op1.issuer,
  },
  { name: "the strict route refuses a token of another issuer", path: "/strict/me", authorization: bearer((f) => f.tokens.read2), status: 401, challenge: 'Bearer error="invalid_token"' },
  { name: "wrong audience", path: "/other-audience/me", authorization: bearer((f) => f.tokens.read1), status: 401, challenge: 'Bearer error="invalid_token"' },
  { name: "wrong issuer: a real token of an issuer this route does not trust", path: "/single/me", authorization: bearer((f) => f.tokens.read2), status: 401, challenge: 'Bearer error="invalid_token"' },
  { name: "the trusted issuer's token on that route", path: "/single/me", authorization: bearer((f) => f.tokens.read1), status: 200, challenge: null, iss: (f) => f.op1.issuer },
  {
    name: "missing scope: 403 insufficient_scope lists the required scopes",
    path: "/api/read-write",
    authorization: bearer((f) => f.tokens.read1),
    status: 403,
    challenge: `Bearer realm="${REALM}", error="insufficient_scope", scope="api:read api:write"`,
  },
  { name: "all required scopes granted", path: "/api/read-write", authorization: bearer((f) => f.tokens.readWrite1), status: 200, challenge: null, iss: (f) => f.op1.issuer },
  {
    name: "any-of scopes: none granted",
    path: "/api/write-or-admin",
    authorization: bearer((f) => f.tokens.read1),
    status: 403,
    challenge: `Bearer realm="${REALM}", error="insufficient_scope", scope="api:write admin"`,
  },
  { name: "any-of scopes: one granted", path: "/api/write-or-admin", authorization: bearer((f) => f.tokens.readWrite1), status: 200, challenge: null, iss: (f) => f.op1.issuer },
  { name: "claims check refuses", path: "/api/from-op2", authorization: bearer((f) => f.tokens.readWrite1), status: 403, challenge: `Bearer realm="${REALM}", error="insufficient_scope"` },
  { name: "claims check accepts", path: "/api/from-op2", authorization: bearer((f) => f.tokens.read2), status: 200, challenge: null, iss: (f) => f.op2.issuer },
  {
    name: "an issuer whose keys cannot be fetched: 503, not a 401 blaming the client",
    path: "/unreachable/me",
    authorization: bearer(() => forgedToken(UNREACHABLE_ISSUER, "https://api.example.test/")),
    status: 503,
    challenge: null,
  },
];

/** Words that would tell an attacker why a token was refused. */
const REASONS = /expir|audience|issuer|signature|scope claim|kid|jwks/i;
/** Internal detail: addresses, file paths, stack frames, the cause's words. */
const INTERNAL = /127\.0\.0\.1|jwks|\/src\/|node_modules|\bat [\w.<>]+ \(|ECONNREFUSED/i;

/** Run every case against the server at `baseUrl()`. */
export function runCases(f: ResourceServerFixture, baseUrl: () => string): void {
  test.each(CASES)("$name", async (c) => {
    const answer = await get(`${baseUrl()}${c.path}`, c.authorization?.(f));
    expect({ status: answer.status, challenge: answer.wwwAuthenticate }).toEqual({ status: c.status, challenge: c.challenge });
    if (c.iss) expect(JSON.parse(answer.body)).toMatchObject({ iss: c.iss(f) });
    if (c.status === 401 || c.status === 400) expect(answer.body).not.toMatch(REASONS);
    if (c.status >= 400) expect(answer.body).not.toMatch(INTERNAL);
  });
}
