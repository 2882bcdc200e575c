/**
 * Request shapes and response handling that a real OP cannot provoke: nock stands in for the server.
 * The HTTP client is the kernel's real GotHttpClient.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { IntrospectionRejectionTokenException, NetworkException, AuthClientException } from "../../../../src/index.js";
import { GotHttpClient } from "../../../../src/kernel/http.js";
import { X_PLANET_APP } from "../../../../src/kernel/version.js";
import {
  ClientSecretBasicAuth,
  ClientSecretPostAuth,
  DeviceAuthorizationApiClient,
  DiscoveryApiClient,
  IntrospectionApiClient,
  JwksApiClient,
  OidcEndpoints,
  PublicClientAuth,
  RevocationApiClient,
  TokenApiClient,
  UserinfoApiClient,
  discoveryUrl,
  resolveEndpoint,
} from "../../../../src/plugins/oidc/api/index.js";
import {
  DeviceAuthorizationApiException,
  IntrospectionApiException,
  JwksApiException,
  OidcApiClientException,
  TokenApiException,
} from "../../../../src/plugins/oidc/errors.js";

const AS = "https://auth.example.test";
const TOKEN = `${AS}/oauth/token`;
const http = new GotHttpClient({ retryBackoffMs: 1, timeoutMs: 5000 });
const tokenClient = () => new TokenApiClient({ http, tokenUri: TOKEN });
const JSON_CT = { "Content-Type": "application/json" };
const okToken = { access_token: "AT-secret", token_type: "Bearer", expires_in: 3600 };

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore(); // un-patch node:http for later test files in this worker
});

/** Intercept one POST to the token endpoint; record the raw body and headers. */
function captureToken(reply: { status?: number; body?: unknown; headers?: Record<string, string> } = {}) {
  const seen: { body?: string; headers?: Record<string, string | string[] | undefined> } = {};
  const scope = nock(AS)
    .post("/oauth/token")
    .reply(function (_uri, body) {
      seen.body = body as string;
      seen.headers = this.req.headers;
      return [reply.status ?? 200, reply.body === undefined ? okToken : reply.body, reply.headers ?? JSON_CT];
    });
  return { seen, scope };
}

describe("request shapes", () => {
  test("POSTs are form-encoded with Accept/Content-Type/X-Planet-App; public clients send client_id", async () => {
    const { seen } = captureToken();
    await tokenClient().getTokenFromCode({ redirectUri: "http://localhost:8080/cb", code: "the-code", codeVerifier: "ver", clientAuth: new PublicClientAuth("my-app") });
    expect(seen.body).toBe("grant_type=authorization_code&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb&code=the-code&code_verifier=ver&client_id=my-app");
    expect(seen.headers).toMatchObject({
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
      "x-planet-app": X_PLANET_APP,
    });
    expect(seen.headers!.authorization).toBeUndefined();
  });

  test("resource-owner password grant: extras first and losing to protocol params, scopes/audiences space-joined, Basic auth", async () => {
    const { seen } = captureToken();
    await tokenClient().getTokenFromPassword({
      username: "user@example.com",
      password: "p@ss word",
      requestedScopes: ["openid", "profile"],
      requestedAudiences: ["https://api.example.test/"],
      extra: { organization: "org-1", grant_type: "ignored", dropped: null, project_id: "p1" },
      clientAuth: new ClientSecretBasicAuth("ro-client", "ro-secret"),
    });
    expect(seen.body).toBe(
      "organization=org-1&grant_type=password&project_id=p1&username=user%40example.com&password=p%40ss+word&scope=openid+profile&audience=https%3A%2F%2Fapi.example.test%2F",
    );
    expect(seen.headers!.authorization).toBe(`Basic ${Buffer.from("ro-client:ro-secret").toString("base64")}`);
  });

  test("client credentials with client_secret_post: id and secret in the form, no Authorization header; empty lists omitted", async () => {
    const { seen } = captureToken();
    await tokenClient().getTokenFromClientCredentials({ requestedScopes: [], clientAuth: new ClientSecretPostAuth("cc-client", "cc secret") });
    expect(seen.body).toBe("grant_type=client_credentials&client_id=cc-client&client_secret=cc+secret");
    expect(seen.headers!.authorization).toBeUndefined();
  });

  test("refresh: scope only when explicitly requested; a null refresh token is omitted", async () => {
    const first = captureToken();
    await tokenClient().getTokenFromRefresh({ refreshToken: "RT-1", clientAuth: new PublicClientAuth("app") });
    expect(first.seen.body).toBe("grant_type=refresh_token&refresh_token=RT-1&client_id=app");
    const second = captureToken();
    await tokenClient().getTokenFromRefresh({ refreshToken: null, requestedScopes: ["a", "b"], extra: { x: "1" }, clientAuth: new PublicClientAuth("app") });
    expect(second.seen.body).toBe("x=1&grant_type=refresh_token&scope=a+b&client_id=app");
  });

  test("client_secret_basic: raw id:secret by default (reference), form-encoded first in rfc6749 mode (P6)", async () => {
    const id = "my client";
    const secret = "s3cr:t+/%é";
    const raw = captureToken();
    await tokenClient().getTokenFromClientCredentials({ clientAuth: new ClientSecretBasicAuth(id, secret) });
    expect(raw.seen.headers!.authorization).toBe(`Basic ${Buffer.from(`${id}:${secret}`, "utf8").toString("base64")}`);
    const rfc = captureToken();
    await tokenClient().getTokenFromClientCredentials({ clientAuth: new ClientSecretBasicAuth(id, secret, { encoding: "rfc6749" }) });
    expect(Buffer.from(rfc.seen.headers!.authorization!.toString().slice(6), "base64").toString()).toBe("my+client:s3cr%3At%2B%2F%25%C3%A9");
  });

  test("device authorization request and device-code poll shapes", async () => {
    let initBody = "";
    nock(AS)
      .post("/device")
      .reply((_u, body) => {
        initBody = body as string;
        return [200, { device_code: "DC", user_code: "UC", verification_uri: `${AS}/activate`, expires_in: 600 }, JSON_CT];
      });
    const initiated = await new DeviceAuthorizationApiClient({ http, deviceAuthorizationUri: `${AS}/device` }).initiate({
      requestedScopes: ["openid"],
      requestedAudiences: ["aud1"],
      extra: { organization: "o" },
      clientAuth: new PublicClientAuth("tv"),
    });
    expect(initBody).toBe("organization=o&scope=openid&audience=aud1&client_id=tv");
    const { seen } = captureToken();
    await tokenClient().getTokenFromDeviceCode({ deviceCode: initiated.device_code, clientAuth: new PublicClientAuth("tv") });
    expect(seen.body).toBe("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=DC&client_id=tv");
  });

  test("introspection and revocation bodies carry token + token_type_hint + client auth", async () => {
    const bodies: string[] = [];
    nock(AS)
      .post("/introspect")
      .times(3)
      .reply((_u, body) => {
        bodies.push(body as string);
        return [200, { active: true, sub: "s" }, JSON_CT];
      })
      .post("/revoke")
      .times(2)
      .reply((_u, body) => {
        bodies.push(body as string);
        return [200, ""];
      });
    const clientAuth = new ClientSecretPostAuth("c", "s");
    const intro = new IntrospectionApiClient({ http, introspectionUri: `${AS}/introspect` });
    await intro.validateAccessToken("at", { clientAuth });
    await intro.validateIdToken("it", { clientAuth });
    await intro.validateRefreshToken("rt", { clientAuth });
    const rev = new RevocationApiClient({ http, revocationUri: `${AS}/revoke` });
    await rev.revokeAccessToken("at", { clientAuth });
    await rev.revokeRefreshToken("rt", { clientAuth });
    expect(bodies).toEqual([
      "token=at&token_type_hint=access_token&client_id=c&client_secret=s",
      "token=it&token_type_hint=id_token&client_id=c&client_secret=s",
      "token=rt&token_type_hint=refresh_token&client_id=c&client_secret=s",
      "token=at&token_type_hint=access_token&client_id=c&client_secret=s",
      "token=rt&token_type_hint=refresh_token&client_id=c&client_secret=s",
    ]);
  });

  test("userinfo: GET with the bearer token, no client auth", async () => {
    let headers: Record<string, unknown> = {};
    nock(AS)
      .get("/userinfo")
      .reply(function () {
        headers = this.req.headers;
        return [200, { sub: "u1" }, JSON_CT];
      });
    const ui = await new UserinfoApiClient({ http, userinfoUri: `${AS}/userinfo` }).userinfoFromAccessToken("AT-1");
    expect(ui).toEqual({ sub: "u1" });
    expect(headers).toMatchObject({ authorization: "Bearer AT-1", accept: "application/json", "x-planet-app": X_PLANET_APP });
  });
});

describe("response checks (protocols.md §1.1, §6, §7)", () => {
  test("an OAuth error payload wins over the status code (even on 200)", async () => {
    captureToken({ status: 200, body: { error: "invalid_grant", error_description: "bad code" } });
    const err = (await tokenClient().getTokenFromCode({ redirectUri: "r", code: "c", codeVerifier: "v" }).catch((e) => e)) as OidcApiClientException;
    expect(err.constructor).toBe(OidcApiClientException);
    expect(err.errorCode).toBe("invalid_grant");
    expect(err.message).toBe(`Error from OIDC endpoint at ${TOKEN}: invalid_grant: bad code`);
    expect(err.rawResponse?.status).toBe(200);
  });

  test("Okta-style errorCode/errorSummary payloads", async () => {
    captureToken({ status: 400, body: { errorCode: "E0000011", errorSummary: "Invalid token provided" } });
    const err = (await tokenClient().getTokenFromRefresh({ refreshToken: "rt" }).catch((e) => e)) as OidcApiClientException;
    expect(err.errorCode).toBe("E0000011");
    expect(err.message).toBe(`Error from OIDC endpoint at ${TOKEN}: E0000011: Invalid token provided`);
  });

  test("HTTP error without a JSON error body", async () => {
    captureToken({ status: 500, body: "<html>oops</html>", headers: { "Content-Type": "text/html" } });
    const err = (await tokenClient().getTokenFromRefresh({ refreshToken: "rt" }).catch((e) => e)) as OidcApiClientException;
    expect(err).toBeInstanceOf(OidcApiClientException);
    expect(err.errorCode).toBeUndefined();
    expect(err.message).toBe(`HTTP error from OIDC endpoint at ${TOKEN}: 500: Internal Server Error`);
  });

  test("non-JSON success body", async () => {
    captureToken({ status: 200, body: "access_token=x", headers: { "Content-Type": "text/plain; charset=utf-8" } });
    await expect(tokenClient().getTokenFromRefresh({ refreshToken: "rt" })).rejects.toThrow('Expected json content-type, but got "text/plain; charset=utf-8"');
  });

  test("empty body and empty JSON object: 'expected JSON response payload, none found' (E1)", async () => {
    captureToken({ status: 200, body: "", headers: {} });
    await expect(tokenClient().getTokenFromRefresh({ refreshToken: "rt" })).rejects.toThrow(new OidcApiClientException("expected JSON response payload, none found"));
    captureToken({ status: 200, body: {} });
    await expect(tokenClient().getTokenFromRefresh({ refreshToken: "rt" })).rejects.toThrow("expected JSON response payload, none found");
  });

  test("media type is compared case-insensitively (N4)", async () => {
    captureToken({ body: JSON.stringify(okToken), headers: { "Content-Type": "Application/JSON; Charset=UTF-8" } });
    await expect(tokenClient().getTokenFromRefresh({ refreshToken: "rt" })).resolves.toEqual(okToken);
  });

  test("token response without expires_in: TokenApiException; the message and serialisation leak no token", async () => {
    captureToken({ body: { access_token: "AT-very-secret", refresh_token: "RT-very-secret" } });
    const err = (await tokenClient().getTokenFromRefresh({ refreshToken: "RT-old" }).catch((e) => e)) as TokenApiException;
    expect(err).toBeInstanceOf(TokenApiException);
    expect(err.code).toBe("ERR_OIDC_TOKEN_API");
    expect(err.message).toBe("Invalid token received. Missing expires_in field.");
    expect(JSON.stringify(err)).not.toContain("very-secret");
  });

  test("the raw response is attached but not enumerable", async () => {
    captureToken({ status: 400, body: { error: "invalid_request" } });
    const err = (await tokenClient().getTokenFromRefresh({ refreshToken: "rt" }).catch((e) => e)) as OidcApiClientException;
    expect(err.rawResponse?.body).toContain("invalid_request");
    expect(Object.keys(err)).not.toContain("rawResponse");
  });

  test("requireExpiresIn: false accepts a token response without expires_in (P4 opt-in)", async () => {
    captureToken({ body: { access_token: "x" } });
    const client = new TokenApiClient({ http, tokenUri: TOKEN, requireExpiresIn: false });
    await expect(client.getTokenFromRefresh({ refreshToken: "rt" })).resolves.toEqual({ access_token: "x" });
  });

  test("device authorization response missing a field names it", async () => {
    nock(AS).post("/device").reply(200, { device_code: "d", verification_uri: "v", expires_in: 5 });
    const err = await new DeviceAuthorizationApiClient({ http, deviceAuthorizationUri: `${AS}/device` }).initiate().catch((e) => e);
    expect(err).toBeInstanceOf(DeviceAuthorizationApiException);
    expect((err as Error).message).toBe("Invalid device authorization response: missing user_code");
  });

  test("introspection: active missing or not boolean ⇒ IntrospectionApiException; false ⇒ rejection", async () => {
    const intro = new IntrospectionApiClient({ http, introspectionUri: `${AS}/introspect` });
    nock(AS).post("/introspect").reply(200, { sub: "x" }).post("/introspect").reply(200, { active: "true" }).post("/introspect").reply(200, { active: false });
    await expect(intro.validateAccessToken("t")).rejects.toBeInstanceOf(IntrospectionApiException);
    await expect(intro.validateAccessToken("t")).rejects.toBeInstanceOf(IntrospectionApiException);
    await expect(intro.validateAccessToken("t")).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
  });

  test("revocation: any non-error response succeeds, error payloads fail", async () => {
    const rev = new RevocationApiClient({ http, revocationUri: `${AS}/revoke` });
    nock(AS).post("/revoke").reply(200, "").post("/revoke").reply(400, { error: "unsupported_token_type" });
    await expect(rev.revokeAccessToken("t")).resolves.toBeUndefined();
    await expect(rev.revokeAccessToken("t")).rejects.toMatchObject({ errorCode: "unsupported_token_type" });
  });

  test("JWKS without keys / with an empty list ⇒ JwksApiException", async () => {
    const jwks = new JwksApiClient({ http, jwksUri: `${AS}/jwks` });
    nock(AS).get("/jwks").reply(200, { foo: 1 }).get("/jwks").reply(200, { keys: [] });
    await expect(jwks.jwks()).rejects.toBeInstanceOf(JwksApiException);
    await expect(jwks.jwksKeys()).rejects.toThrow(`JWKS from ${AS}/jwks has no keys`);
  });
});

describe("retries, timeouts, network errors (N1–N3)", () => {
  test("a GET answered 429 with Retry-After is retried, then succeeds", async () => {
    const scope = nock(AS)
      .get("/.well-known/openid-configuration")
      .reply(429, "slow down", { "Retry-After": "Thu, 01 Jan 1970 00:00:00 GMT" })
      .get("/.well-known/openid-configuration")
      .reply(200, { issuer: AS });
    await expect(new DiscoveryApiClient({ http, authServer: AS }).discovery()).resolves.toEqual({ issuer: AS });
    expect(scope.isDone()).toBe(true);
  });

  test("a POST answered 429 is not resent: the answer is the error (the request reached the server)", async () => {
    const scope = nock(AS)
      .post("/oauth/token")
      .reply(429, "slow down", { "Retry-After": "0" })
      .post("/oauth/token")
      .reply(200, okToken);
    await expect(tokenClient().getTokenFromClientCredentials()).rejects.toThrow(`HTTP error from OIDC endpoint at ${TOKEN}: 429`);
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  test("a POST is not retried after a read error (it may have been processed)", async () => {
    const scope = nock(AS)
      .post("/oauth/token")
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .post("/oauth/token")
      .reply(200, okToken);
    const err = await tokenClient().getTokenFromCode({ redirectUri: "r", code: "one-time-code", codeVerifier: "v" }).catch((e) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect((err as Error).cause).toBeDefined();
    expect((err as Error).message).not.toContain("one-time-code");
    expect(scope.pendingMocks()).toHaveLength(1);
  });

  test("a GET (discovery) is retried after a read error", async () => {
    const scope = nock(AS)
      .get("/.well-known/openid-configuration")
      .replyWithError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" }))
      .get("/.well-known/openid-configuration")
      .reply(200, { issuer: AS });
    await expect(new DiscoveryApiClient({ http, authServer: AS }).discovery()).resolves.toEqual({ issuer: AS });
    expect(scope.isDone()).toBe(true);
  });

  test("5xx errors surface as OidcApiClientException with the status", async () => {
    nock(AS).get("/.well-known/openid-configuration").reply(502, "Bad Gateway", { "Content-Type": "text/plain" });
    await expect(new DiscoveryApiClient({ http, authServer: AS }).discovery()).rejects.toThrow(
      `HTTP error from OIDC endpoint at ${AS}/.well-known/openid-configuration: 502: Bad Gateway`,
    );
  });
});

describe("discovery and endpoint resolution", () => {
  test("well-known URL rule", () => {
    expect(discoveryUrl("https://a.test/oauth2/default")).toBe("https://a.test/oauth2/default/.well-known/openid-configuration");
    expect(discoveryUrl("https://a.test/oauth2/default/")).toBe("https://a.test/oauth2/default/.well-known/openid-configuration");
    expect(new DiscoveryApiClient({ http, discoveryUri: "https://x.test/custom" }).endpointUrl).toBe("https://x.test/custom");
  });

  test("cached for the client's life by default; concurrent calls share one fetch", async () => {
    const scope = nock(AS).get("/.well-known/openid-configuration").once().reply(200, { issuer: AS });
    const d = new DiscoveryApiClient({ http, authServer: AS });
    const [a, b] = await Promise.all([d.discovery(), d.discovery()]);
    expect(a).toBe(b);
    expect(await d.discovery()).toBe(a);
    expect(scope.isDone()).toBe(true);
  });

  test("optional TTL re-fetches after expiry (N5), using the injected clock", async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    nock(AS).get("/.well-known/openid-configuration").reply(200, { issuer: "v1" }).get("/.well-known/openid-configuration").reply(200, { issuer: "v2" });
    const d = new DiscoveryApiClient({ http, clock, authServer: AS, ttlSeconds: 60 });
    expect((await d.discovery()).issuer).toBe("v1");
    now += 59_000;
    expect((await d.discovery()).issuer).toBe("v1");
    now += 1_000;
    expect((await d.discovery()).issuer).toBe("v2");
  });

  test("a configured endpoint wins without fetching discovery; missing everywhere ⇒ AuthClientException (P8)", async () => {
    const d = new DiscoveryApiClient({ http, authServer: AS }); // no interceptor: a fetch would fail
    await expect(resolveEndpoint("https://cfg.test/token", d, "token_endpoint")).resolves.toBe("https://cfg.test/token");
    nock(AS).get("/.well-known/openid-configuration").reply(200, { issuer: AS, token_endpoint: `${AS}/t` });
    const endpoints = new OidcEndpoints({}, d);
    await expect(endpoints.tokenEndpoint()).resolves.toBe(`${AS}/t`);
    for (const p of [endpoints.deviceAuthorizationEndpoint(), endpoints.jwksEndpoint(), endpoints.scopesSupported()]) {
      await expect(p).rejects.toBeInstanceOf(AuthClientException);
    }
    await expect(endpoints.jwksEndpoint()).rejects.toThrow("No jwks_endpoint (discovery field jwks_uri) configured and the OIDC discovery document does not provide one");
  });
});
