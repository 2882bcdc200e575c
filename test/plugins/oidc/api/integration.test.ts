/**
 * The protocol layer against a real OpenID Provider (oidc-provider, in-process) over the kernel's
 * real GotHttpClient.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { createRemoteJWKSet, decodeJwt, jwtVerify } from "jose";
import { IntrospectionRejectionTokenException } from "../../../../src/index.js";
import { GotHttpClient } from "../../../../src/kernel/http.js";
import type { Sleep } from "../../../../src/kernel/seams.js";
import {
  AuthorizationApiClient,
  ClientSecretBasicAuth,
  ClientSecretPostAuth,
  DeviceAuthorizationApiClient,
  DiscoveryApiClient,
  IntrospectionApiClient,
  JwksApiClient,
  OidcEndpoints,
  PrivateKeyJwtAuth,
  PublicClientAuth,
  RevocationApiClient,
  TokenApiClient,
  UserinfoApiClient,
  createPkcePair,
  type TokenResponse,
} from "../../../../src/plugins/oidc/api/index.js";
import { DeviceAccessDeniedException, OidcApiClientException } from "../../../../src/plugins/oidc/errors.js";
import { startOidcServer, type OidcServer } from "../../../support/oidc-server.js";

let op: OidcServer;
const http = new GotHttpClient({ timeoutMs: 5000, retryLimit: 0 });
const deps = { http };

beforeAll(async () => {
  op = await startOidcServer();
});
afterAll(async () => {
  await op.stop();
});

const tokenClient = () => new TokenApiClient({ ...deps, tokenUri: op.endpoints.token });
const basic = () => new ClientSecretBasicAuth(op.clients.secretBasic.clientId, op.clients.secretBasic.clientSecret);
const post = () => new ClientSecretPostAuth(op.clients.secretPost.clientId, op.clients.secretPost.clientSecret);
const pkjwt = () => new PrivateKeyJwtAuth({ clientId: op.clients.privateKeyJwt.clientId, privateKey: op.clients.privateKeyJwt.key.privateKeyPem });

async function verifyAccessToken(token: string) {
  const jwks = createRemoteJWKSet(new URL(op.endpoints.jwks));
  return (await jwtVerify(token, jwks, { issuer: op.issuer, audience: op.apiAudience })).payload;
}

describe("discovery", () => {
  test("fetches the well-known document from auth_server (with or without trailing slash) and resolves endpoints", async () => {
    const a = new DiscoveryApiClient({ ...deps, authServer: op.issuer });
    const b = new DiscoveryApiClient({ ...deps, authServer: `${op.issuer}/` });
    expect(a.endpointUrl).toBe(`${op.issuer}/.well-known/openid-configuration`);
    expect(b.endpointUrl).toBe(a.endpointUrl);
    const doc = await a.discovery();
    expect(doc.issuer).toBe(op.issuer);
    expect(doc.token_endpoint).toBe(op.endpoints.token);
    const endpoints = new OidcEndpoints({ token_endpoint: "https://override.example/token" }, a);
    await expect(endpoints.tokenEndpoint()).resolves.toBe("https://override.example/token");
    await expect(endpoints.jwksEndpoint()).resolves.toBe(op.endpoints.jwks);
    await expect(endpoints.deviceAuthorizationEndpoint()).resolves.toBe(op.endpoints.deviceAuthorization);
    await expect(endpoints.issuer()).resolves.toBe(op.issuer);
    expect(await endpoints.scopesSupported()).toEqual(expect.arrayContaining(["openid", "offline_access"]));
  });
});

describe("client credentials", () => {
  test("client_secret_basic yields a JWT access token for the API audience", async () => {
    const tok = await tokenClient().getTokenFromClientCredentials({ clientAuth: basic(), requestedScopes: ["api:read"] });
    expect(tok.expires_in).toBeGreaterThan(0);
    const claims = await verifyAccessToken(tok.access_token!);
    expect(claims.client_id).toBe(op.clients.secretBasic.clientId);
    expect(claims.scope).toBe("api:read");
  });

  test("client_secret_post", async () => {
    const tok = await tokenClient().getTokenFromClientCredentials({ clientAuth: post(), requestedScopes: ["api:read", "api:write"] });
    const claims = await verifyAccessToken(tok.access_token!);
    expect(claims.client_id).toBe(op.clients.secretPost.clientId);
    expect(claims.scope).toBe("api:read api:write");
  });

  test("private_key_jwt (PKCS#8, PKCS#1 and encrypted PKCS#8 keys)", async () => {
    const key = op.clients.privateKeyJwt.key;
    const strategies = [
      pkjwt(),
      new PrivateKeyJwtAuth({ clientId: op.clients.privateKeyJwt.clientId, privateKey: key.privateKeyPkcs1Pem }),
      new PrivateKeyJwtAuth({ clientId: op.clients.privateKeyJwt.clientId, privateKey: key.encryptedPrivateKeyPem, privateKeyPassword: key.privateKeyPassword }),
    ];
    for (const clientAuth of strategies) {
      const tok = await tokenClient().getTokenFromClientCredentials({ clientAuth, requestedScopes: ["api:read"] });
      expect((await verifyAccessToken(tok.access_token!)).client_id).toBe(op.clients.privateKeyJwt.clientId);
    }
  });

  test("a wrong secret is an OidcApiClientException with the server's error code", async () => {
    const err = await tokenClient()
      .getTokenFromClientCredentials({ clientAuth: new ClientSecretBasicAuth(op.clients.secretBasic.clientId, "wrong") })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OidcApiClientException);
    expect((err as OidcApiClientException).errorCode).toBe("invalid_client");
    expect((err as Error).message).not.toContain("wrong");
  });
});

describe("auth code + PKCE, refresh, userinfo, introspection, revocation", () => {
  let tokens: TokenResponse;

  test("authorization URL build and code redemption with PKCE", async () => {
    const pkce = createPkcePair();
    const authz = new AuthorizationApiClient({ authorizationUri: op.endpoints.authorization });
    const redirectUri = "http://127.0.0.1:8765/callback";
    const { url, state, nonce } = authz.buildAuthorizationUrl({
      clientId: op.clients.publicApp.clientId,
      redirectUri,
      requestedScopes: ["openid", "offline_access", "email"],
      pkceCodeChallenge: pkce.challenge,
    });
    const cb = await op.authorize(url, { redirectPrefix: redirectUri });
    expect(cb.state).toBe(state);
    tokens = await tokenClient().getTokenFromCode({
      redirectUri,
      code: cb.code!,
      codeVerifier: pkce.verifier,
      clientAuth: new PublicClientAuth(op.clients.publicApp.clientId),
    });
    expect(tokens.refresh_token).toEqual(expect.any(String));
    expect(decodeJwt(tokens.id_token!).nonce).toBe(nonce);
  });

  test("browser mode: loopback listener receives the code from the real OP, then redemption", async () => {
    const pkce = createPkcePair();
    const authz = new AuthorizationApiClient({ authorizationUri: op.endpoints.authorization, acknowledgementBody: "<p>done</p>" });
    let delivered: { status: number; body: string } | undefined;
    const result = await authz.authcodeFromPkceAuthRequestWithBrowserAndCallbackListener({
      clientId: op.clients.publicApp.clientId,
      redirectUri: "http://localhost:0/callback",
      requestedScopes: ["openid"],
      pkceCodeChallenge: pkce.challenge,
      browserOpener: async (url) => {
        delivered = (await op.authorize(url, { deliver: true })).delivered;
      },
      timeoutMs: 10_000,
    });
    expect(delivered).toEqual({ status: 200, body: "<p>done</p>" });
    expect(result.redirectUri).toMatch(/^http:\/\/localhost:\d+\/callback$/);
    const tok = await tokenClient().getTokenFromCode({
      redirectUri: result.redirectUri,
      code: result.code,
      codeVerifier: pkce.verifier,
      clientAuth: new PublicClientAuth(op.clients.publicApp.clientId),
    });
    expect(decodeJwt(tok.id_token!).nonce).toBe(result.nonce);
  });

  test("a wrong code_verifier is rejected (invalid_grant)", async () => {
    const pkce = createPkcePair();
    const authz = new AuthorizationApiClient({ authorizationUri: op.endpoints.authorization });
    const redirectUri = "http://127.0.0.1:8765/callback";
    const { url } = authz.buildAuthorizationUrl({ clientId: op.clients.publicApp.clientId, redirectUri, requestedScopes: ["openid"], pkceCodeChallenge: pkce.challenge });
    const cb = await op.authorize(url, { redirectPrefix: redirectUri });
    const err = await tokenClient()
      .getTokenFromCode({ redirectUri, code: cb.code!, codeVerifier: createPkcePair().verifier, clientAuth: new PublicClientAuth(op.clients.publicApp.clientId) })
      .catch((e: unknown) => e);
    expect((err as OidcApiClientException).errorCode).toBe("invalid_grant");
  });

  test("userinfo with the access token", async () => {
    const ui = await new UserinfoApiClient({ ...deps, userinfoUri: op.endpoints.userinfo }).userinfoFromAccessToken(tokens.access_token!);
    expect(ui).toMatchObject({ sub: op.accountId, email: `${op.accountId}@example.test` });
  });

  test("refresh grant (rotating refresh token for a public client)", async () => {
    const refreshed = await tokenClient().getTokenFromRefresh({
      refreshToken: tokens.refresh_token,
      clientAuth: new PublicClientAuth(op.clients.publicApp.clientId),
    });
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).toEqual(expect.any(String));
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    tokens = refreshed;
  });

  test("introspection: active and inactive tokens", async () => {
    const tok = await op.authCodeTokens({ clientId: op.clients.publicApp.clientId });
    const intro = new IntrospectionApiClient({ ...deps, introspectionUri: op.endpoints.introspection });
    const clientAuth = new PublicClientAuth(op.clients.publicApp.clientId);
    const active = await intro.validateAccessToken(tok.access_token as string, { clientAuth });
    expect(active).toMatchObject({ active: true, client_id: op.clients.publicApp.clientId, sub: op.accountId });
    const rt = await intro.validateRefreshToken(tok.refresh_token as string, { clientAuth });
    expect(rt.active).toBe(true);
    await expect(intro.validateAccessToken("not-a-real-token", { clientAuth })).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
  });

  test("revocation makes the token inactive", async () => {
    const tok = await op.authCodeTokens();
    const clientAuth = new PublicClientAuth(op.clients.publicApp.clientId);
    const revoke = new RevocationApiClient({ ...deps, revocationUri: op.endpoints.revocation });
    const intro = new IntrospectionApiClient({ ...deps, introspectionUri: op.endpoints.introspection });
    await revoke.revokeAccessToken(tok.access_token as string, { clientAuth });
    await expect(intro.validateAccessToken(tok.access_token as string, { clientAuth })).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
    await revoke.revokeRefreshToken(tok.refresh_token as string, { clientAuth });
    await expect(intro.validateRefreshToken(tok.refresh_token as string, { clientAuth })).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
  });

  test("introspection and revocation with private_key_jwt (aud = the endpoint URL being called)", async () => {
    const clientAuth = pkjwt();
    const initiated = await new DeviceAuthorizationApiClient({ ...deps, deviceAuthorizationUri: op.endpoints.deviceAuthorization }).initiate({
      requestedScopes: ["openid", "offline_access"],
      clientAuth,
    });
    await op.approveDevice(initiated.user_code);
    const tok = await tokenClient().pollForTokenFromDeviceCode({ initiated, clientAuth, sleep: async () => {} });
    const intro = new IntrospectionApiClient({ ...deps, introspectionUri: op.endpoints.introspection });
    const res = await intro.validateAccessToken(tok.access_token!, { clientAuth });
    expect(res).toMatchObject({ active: true, client_id: op.clients.privateKeyJwt.clientId });
    await new RevocationApiClient({ ...deps, revocationUri: op.endpoints.revocation }).revokeRefreshToken(tok.refresh_token!, { clientAuth });
    await expect(intro.validateRefreshToken(tok.refresh_token!, { clientAuth })).rejects.toBeInstanceOf(IntrospectionRejectionTokenException);
  });

  test("confidential auth-code client: redemption and refresh with client_secret_basic (raw id:secret, secret has colons)", async () => {
    const pkce = createPkcePair();
    const { clientId, redirectUri } = op.clients.secretBasic;
    const { url } = new AuthorizationApiClient({ authorizationUri: op.endpoints.authorization }).buildAuthorizationUrl({
      clientId,
      redirectUri,
      requestedScopes: ["openid", "offline_access"],
      pkceCodeChallenge: pkce.challenge,
    });
    const cb = await op.authorize(url, { redirectPrefix: redirectUri });
    const tok = await tokenClient().getTokenFromCode({ redirectUri, code: cb.code!, codeVerifier: pkce.verifier, clientAuth: basic() });
    expect(op.clients.secretBasic.clientSecret).toContain(":");
    const refreshed = await tokenClient().getTokenFromRefresh({ refreshToken: tok.refresh_token, clientAuth: basic(), requestedScopes: ["openid"] });
    expect(refreshed.access_token).toEqual(expect.any(String));
    expect(refreshed.scope).toBe("openid");
  });
});

describe("JWKS", () => {
  test("returns the provider's keys, which verify its tokens", async () => {
    const jwks = await new JwksApiClient({ ...deps, jwksUri: op.endpoints.jwks }).jwks();
    expect(jwks.keys).toEqual([expect.objectContaining({ kty: "RSA", kid: "op-signing-key" })]);
    expect(jwks.keys[0]).not.toHaveProperty("d");
  });
});

describe("device authorization grant", () => {
  test("initiate, approve, poll to a token (injected sleep, no real waiting)", async () => {
    const clientAuth = new PublicClientAuth(op.clients.device.clientId);
    const initiated = await new DeviceAuthorizationApiClient({ ...deps, deviceAuthorizationUri: op.endpoints.deviceAuthorization }).initiate({
      requestedScopes: ["openid", "offline_access"],
      clientAuth,
    });
    expect(initiated).toMatchObject({ device_code: expect.any(String), user_code: expect.any(String), verification_uri: expect.any(String) });
    const sleeps: number[] = [];
    let approved = false;
    // The "user" approves during the second wait: the first poll sees authorization_pending.
    const sleep: Sleep = async (ms) => {
      sleeps.push(ms);
      if (sleeps.length === 2 && !approved) {
        await op.approveDevice(initiated.user_code);
        approved = true;
      }
    };
    const tok = await tokenClient().pollForTokenFromDeviceCode({ initiated, clientAuth, sleep });
    expect(approved).toBe(true);
    expect(sleeps).toEqual([5000, 5000]);
    expect(tok.access_token).toEqual(expect.any(String));
    expect(tok.refresh_token).toEqual(expect.any(String));
  });

  test("a denied request ends polling with DeviceAccessDeniedException", async () => {
    const clientAuth = new PublicClientAuth(op.clients.device.clientId);
    const initiated = await new DeviceAuthorizationApiClient({ ...deps, deviceAuthorizationUri: op.endpoints.deviceAuthorization }).initiate({
      requestedScopes: ["openid"],
      clientAuth,
    });
    await op.approveDevice(initiated.user_code, { deny: true });
    const err = await tokenClient()
      .pollForTokenFromDeviceCode({ initiated, clientAuth, sleep: async () => {} })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeviceAccessDeniedException);
    expect((err as DeviceAccessDeniedException).errorCode).toBe("access_denied");
  });

  test("confidential device client with private_key_jwt", async () => {
    const clientAuth = pkjwt();
    const initiated = await new DeviceAuthorizationApiClient({ ...deps, deviceAuthorizationUri: op.endpoints.deviceAuthorization }).initiate({
      requestedScopes: ["openid"],
      clientAuth,
    });
    await op.approveDevice(initiated.user_code);
    const tok = await tokenClient().pollForTokenFromDeviceCode({ initiated, clientAuth, sleep: async () => {} });
    expect(tok.access_token).toEqual(expect.any(String));
  });
});
