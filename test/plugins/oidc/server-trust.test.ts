/**
 * Which servers an OIDC client will talk to: the discovery document must name the configured issuer
 * (RFC 8414 §3.3); plain http:// is refused for non-loopback hosts (configured or discovered) unless
 * the config sets allow_insecure_http; discovery and JWKS follow same-origin redirects only.
 */
import { describe, expect, test } from "@jest/globals";
import {
  Auth, AuthClientConfigException, AuthClientException, DiscoveryApiException, GotHttpClient,
  RedirectRefusedException, createDefaultKernel, type OidcAuthClient,
} from "../../../src/index.js";
import { JwksApiClient, isLoopbackHost } from "../../../src/plugin-kit.js";
import { recordingServersClosedAfterEach } from "../../support/recording-server.js";

const SECRET = "cc-secret-0a9b8c7d";
const serve = recordingServersClosedAfterEach();

const kernel = () => createDefaultKernel({ services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }) } });
const ccConfig = (authServer: string, extra: Record<string, unknown> = {}) => ({
  client_type: "oidc_client_credentials_secret", auth_server: authServer, client_id: "app", client_secret: SECRET, scopes: [], ...extra,
});
const json = (body: unknown) => (_r: unknown, res: import("node:http").ServerResponse) =>
  res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));

describe("discovery mix-up (RFC 8414 §3.3)", () => {
  test("a discovery document naming another issuer fails the login, naming both values; the token endpoint it names gets nothing", async () => {
    const rogue = await serve(json({ access_token: "x", expires_in: 60 }));
    const as = await serve(json({ issuer: "https://honest.example", token_endpoint: `${rogue.url}/token` }));
    const auth = await Auth.initializeFromConfigDict(ccConfig(as.url), { kernel: kernel() });
    const err = await auth.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscoveryApiException);
    expect((err as Error).message).toBe(
      `The discovery document at ${as.url}/.well-known/openid-configuration names "https://honest.example", but the configured issuer is "${as.url}" (RFC 8414 section 3.3)`,
    );
    expect(rogue.requests).toHaveLength(0);
  });

  test("a configured issuer is the one the document must name", async () => {
    let base = "";
    const as = await serve((r, res) => json({ issuer: "https://id.example/tenant", token_endpoint: `${base}/token` })(r, res));
    base = as.url;
    const client = (await Auth.initializeFromConfigDict(ccConfig(as.url, { issuer: "https://id.example/tenant" }), { kernel: kernel() })).authClient() as OidcAuthClient;
    await expect(client.endpoints().tokenEndpoint()).resolves.toBe(`${as.url}/token`);
    const wrong = (await Auth.initializeFromConfigDict(ccConfig(as.url, { issuer: "https://id.example/other" }), { kernel: kernel() })).authClient() as OidcAuthClient;
    await expect(wrong.oidcDiscovery()).rejects.toThrow('names "https://id.example/tenant", but the configured issuer is "https://id.example/other"');
  });
});

describe("plain http", () => {
  test.each([
    ["auth_server", { auth_server: "http://auth.example.com" }],
    ["token_endpoint", { token_endpoint: "http://auth.example.com/token" }],
    ["jwks_endpoint", { jwks_endpoint: "http://10.0.0.5/jwks" }],
  ])("an http:// %s on a non-loopback host is refused, naming the field and client_type", async (field, extra) => {
    const err = await Auth.initializeFromConfigDict(ccConfig("https://auth.example.com", extra), { kernel: kernel() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthClientConfigException);
    expect(err).toMatchObject({ field, clientType: "oidc_client_credentials_secret" });
    expect((err as Error).message).toMatch(new RegExp(`Invalid oidc_client_credentials_secret config: "${field}" uses plain http to a non-loopback host.*allow_insecure_http`));
  });

  test("allow_insecure_http: true accepts it; loopback hosts never need it", async () => {
    await expect(Auth.initializeFromConfigDict(ccConfig("http://auth.example.com", { allow_insecure_http: true }), { kernel: kernel() })).resolves.toBeInstanceOf(Auth);
    for (const host of ["localhost", "127.0.0.1", "127.3.4.5", "[::1]"]) {
      await expect(Auth.initializeFromConfigDict(ccConfig(`http://${host}:8080`), { kernel: kernel() })).resolves.toBeInstanceOf(Auth);
    }
    expect(isLoopbackHost("127.0.0.1.example.com")).toBe(false);
    expect(isLoopbackHost("localhost.example.com")).toBe(false);
  });

  test("a name under .localhost is not loopback: it may be resolved through DNS, so plain http to it needs allow_insecure_http", async () => {
    expect(isLoopbackHost("api.localhost")).toBe(false);
    const err = await Auth.initializeFromConfigDict(ccConfig("http://api.localhost:8080"), { kernel: kernel() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthClientConfigException);
    expect((err as Error).message).toMatch(/plain http to a non-loopback host \(http:\/\/api\.localhost:8080\/\)/);
    await expect(Auth.initializeFromConfigDict(ccConfig("http://api.localhost:8080", { allow_insecure_http: true }), { kernel: kernel() })).resolves.toBeInstanceOf(Auth);
  });

  test("planet_legacy's legacy_auth_endpoint follows the same rule", async () => {
    const k = kernel();
    await expect(Auth.initializeFromConfigDict({ client_type: "planet_legacy", legacy_auth_endpoint: "http://api.example.com/login" }, { kernel: k })).rejects.toMatchObject({
      field: "legacy_auth_endpoint",
      clientType: "planet_legacy",
    });
    await expect(
      Auth.initializeFromConfigDict({ client_type: "planet_legacy", legacy_auth_endpoint: "http://api.example.com/login", allow_insecure_http: true }, { kernel: k }),
    ).resolves.toBeInstanceOf(Auth);
  });

  test("an http:// endpoint from discovery is refused before the secret is sent; allow_insecure_http lets it through", async () => {
    const issuerFixed = await serve((r, res) => json({ issuer: issuerFixed.url, token_endpoint: "http://auth.example.com/token" })(r, res));
    const auth = await Auth.initializeFromConfigDict(ccConfig(issuerFixed.url), { kernel: kernel() });
    const err = await auth.login().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthClientException);
    expect((err as Error).message).toMatch(/^"token_endpoint \(from OIDC discovery\)" \(client_type oidc_client_credentials_secret\) uses plain http/);
    const allowed = (await Auth.initializeFromConfigDict(ccConfig(issuerFixed.url, { allow_insecure_http: true }), { kernel: kernel() })).authClient() as OidcAuthClient;
    await expect(allowed.endpoints().tokenEndpoint()).resolves.toBe("http://auth.example.com/token");
  });
});

describe("redirects of public documents", () => {
  test("discovery follows a same-origin redirect", async () => {
    const as = await serve((r, res) => {
      if (r.path === "/.well-known/openid-configuration") return res.writeHead(301, { location: "/v2/openid-configuration" }).end();
      json({ issuer: as.url, token_endpoint: `${as.url}/token` })(r, res);
    });
    const client = (await Auth.initializeFromConfigDict(ccConfig(as.url), { kernel: kernel() })).authClient() as OidcAuthClient;
    await expect(client.endpoints().tokenEndpoint()).resolves.toBe(`${as.url}/token`);
  });

  test("JWKS refuses a redirect to another origin", async () => {
    const other = await serve(json({ keys: [{ kty: "oct" }] }));
    const as = await serve((_r, res) => res.writeHead(302, { location: `${other.url}/jwks` }).end());
    const jwks = new JwksApiClient({ http: new GotHttpClient({ retryLimit: 0 }), jwksUri: `${as.url}/jwks` });
    await expect(jwks.jwks()).rejects.toBeInstanceOf(RedirectRefusedException);
    expect(other.requests).toHaveLength(0);
  });
});
