/**
 * The OIDC plugin end to end: full Auth contexts against a real OpenID Provider (oidc-provider,
 * in-process on 127.0.0.1), requests through the authenticators with real got and real fetch to a
 * small echo API that checks the Bearer token.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import got from "got";
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  Auth, AuthLogger, FileStorageProvider, GotHttpClient, IntrospectionRejectionTokenException, InvalidTokenException, UnknownIssuerTokenException,
  createKernel, type AuthKernel, type BrowserOpener, type KernelServiceOverrides, type Sleep, type TtyDisplay, type TtyPrompt,
} from "../../src/index.js";
import {
  FileBackedOidcCredential, OidcMultiIssuerValidator, RefreshingOidcTokenRequestAuthenticator, oidcPlugin, type OidcAuthClient,
} from "../../src/plugins/oidc/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { grantCounter, startEchoApi, type EchoApi } from "./support/echo-api.js";

let op: OidcServer;
let op2: OidcServer;
let echo: EchoApi;
let grants: Record<string, number>;
let home: { dir: string; cleanup: () => Promise<void> };
let validatorKernel: AuthKernel;

function kernel(services: KernelServiceOverrides = {}): AuthKernel {
  return createKernel({
    plugins: [oidcPlugin],
    services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }), storage: new FileStorageProvider({ homeDir: () => home.dir }), ...services },
  });
}

beforeAll(async () => {
  [op, op2, home] = await Promise.all([startOidcServer(), startOidcServer(), makeTempDir()]);
  grants = grantCounter(op.provider);
  validatorKernel = kernel();
  const validator = (await validatorKernel.clientFromConfig(
    validatorKernel.configFromDict({ client_type: "oidc_client_validator", auth_server: op.issuer, audiences: [op.apiAudience] }),
  )) as OidcAuthClient;
  echo = await startEchoApi((token) => validator.validateAccessTokenLocal(token));
});
afterAll(async () => {
  await Promise.all([op.stop(), op2.stop(), echo.stop()]);
  await home.cleanup();
});

const ccPubkey = () => ({
  client_type: "oidc_client_credentials_pubkey",
  auth_server: op.issuer,
  client_id: op.clients.privateKeyJwt.clientId,
  client_privkey: op.clients.privateKeyJwt.key.encryptedPrivateKeyPem,
  client_privkey_password: op.clients.privateKeyJwt.key.privateKeyPassword,
  scopes: ["api:read"],
  audiences: [op.apiAudience],
});

async function viaGotAndFetch(auth: Auth): Promise<Array<Record<string, unknown>>> {
  const authenticator = auth.requestAuthenticator();
  const client = got.extend(authenticator.gotHooks() as any);
  const viaGot = await client(echo.url).json<Record<string, unknown>>();
  const res = await authenticator.fetch()(echo.url);
  expect(res.status).toBe(200);
  return [viaGot, (await res.json()) as Record<string, unknown>];
}

describe("client credentials", () => {
  test("secret (client_secret_post login): ensureRequestAuthenticatorIsReady logs in unattended; got and fetch carry a valid JWT", async () => {
    const k = kernel();
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: op.issuer, client_id: op.clients.secretPost.clientId, client_secret: op.clients.secretPost.clientSecret, scopes: ["api:read"] },
      { kernel: k, tokenFile: "cc-secret/token.json" },
    );
    expect(await auth.requestAuthenticatorIsReady()).toBe(true);
    const before = grants.client_credentials ?? 0;
    await auth.ensureRequestAuthenticatorIsReady();
    const results = await viaGotAndFetch(auth);
    for (const r of results) expect(r).toMatchObject({ ok: true, client_id: op.clients.secretPost.clientId });
    expect(results[0]!.x_planet_app).toMatch(/^planet-auth-library-/);
    expect((grants.client_credentials ?? 0) - before).toBe(1);
    const saved = JSON.parse(await readFile(path.join(home.dir, "cc-secret/token.json"), "utf8"));
    expect(saved).toMatchObject({ token_type: "Bearer", scope: "api:read" });
    expect(saved._exp - saved._iat).toBe(saved.expires_in);
  });

  test("pubkey (private_key_jwt, encrypted PEM): login, local validation with scopes, discovery, scopes", async () => {
    const k = kernel();
    const auth = await Auth.initializeFromConfigDict(ccPubkey(), { kernel: k });
    const cred = (await auth.login()) as FileBackedOidcCredential;
    const at = (await cred.accessToken())!;
    const client = auth.authClient() as OidcAuthClient;
    const claims = await client.validateAccessTokenLocal(at, undefined, ["api:write", "api:read"]);
    expect(claims).toMatchObject({ iss: op.issuer, aud: op.apiAudience, client_id: op.clients.privateKeyJwt.clientId });
    await expect(client.validateAccessTokenLocal(at, "https://other.example/")).rejects.toThrow(InvalidTokenException);
    // oidc-provider refuses to introspect its structured (JWT) access tokens; the call is made with
    // private_key_jwt client authentication (an unauthenticated call would be invalid_client).
    await expect(client.validateAccessTokenRemote(at)).rejects.toMatchObject({ errorCode: "unsupported_token_type" });
    expect(await client.getScopes()).toEqual(expect.arrayContaining(["openid", "offline_access"]));
    expect((await client.oidcDiscovery()).issuer).toBe(op.issuer);
  });
});

describe("authorization code + PKCE", () => {
  test("browser mode: the injected opener drives the provider, which redirects to our loopback listener; ID token checked; userinfo; refresh", async () => {
    const opened: string[] = [];
    const browserOpener: BrowserOpener = async (url) => {
      opened.push(url);
      const r = await op.authorize(url, { deliver: true });
      expect(r.delivered?.status).toBe(200);
    };
    const display: TtyDisplay = { print: () => {} };
    const k = kernel({ browserOpener, display });
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_auth_code", auth_server: op.issuer, client_id: op.clients.publicApp.clientId, local_redirect_uri: "http://127.0.0.1:0/callback", scopes: ["openid", "offline_access", "email"] },
      { kernel: k, tokenFile: "ac/token.json" },
    );
    expect(await auth.requestAuthenticatorIsReady()).toBe(false);
    const cred = (await auth.login({ allowOpenBrowser: true })) as FileBackedOidcCredential;
    const query = new URL(opened[0]!).searchParams;
    expect(query.get("code_challenge_method")).toBe("S256");
    expect(query.get("redirect_uri")).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const client = auth.authClient() as OidcAuthClient;
    const idClaims = await client.validateIdTokenLocal((await cred.idToken())!);
    expect(idClaims).toMatchObject({ aud: op.clients.publicApp.clientId, nonce: query.get("nonce"), sub: op.accountId });
    expect(await client.userinfoFromAccessToken((await cred.accessToken())!)).toMatchObject({ sub: op.accountId, email: `${op.accountId}@example.test` });

    // Refresh against the provider's (rotating) refresh token when the token is past ¾ of its life.
    const before = grants.refresh_token ?? 0;
    const data = cred.data()!;
    await auth.requestAuthenticator().updateCredentialData({ ...data, _iat: data._iat as number - 7200, _exp: data._iat as number - 3600 });
    const headers = await auth.requestAuthenticator().authorizationHeaders();
    expect((grants.refresh_token ?? 0) - before).toBe(1);
    const refreshed = (await auth.requestAuthenticator().credential()) as FileBackedOidcCredential;
    expect(headers.Authorization).toBe(`Bearer ${await refreshed.accessToken()}`);
    expect(await refreshed.refreshToken()).not.toBe(data.refresh_token);
    expect(await client.userinfoFromAccessToken((await refreshed.accessToken())!)).toMatchObject({ sub: op.accountId });
    const onDisk = JSON.parse(await readFile(path.join(home.dir, "ac/token.json"), "utf8"));
    expect(onDisk.access_token).toBe(await refreshed.accessToken());
    // The old refresh token was rotated away; revoking the new one makes it inactive.
    await expect(client.validateRefreshTokenRemote(data.refresh_token as string)).rejects.toThrow(IntrospectionRejectionTokenException);
    const rt = (await refreshed.refreshToken())!;
    expect(await client.validateRefreshTokenRemote(rt)).toMatchObject({ active: true });
    // The access token of an openid grant is opaque here: introspect and revoke it (oidc-provider then
    // drops the whole grant), and revoke the refresh token.
    const at = (await refreshed.accessToken())!;
    expect(await client.validateAccessTokenRemote(at)).toMatchObject({ active: true, client_id: op.clients.publicApp.clientId });
    await client.revokeAccessToken(at);
    await expect(client.validateAccessTokenRemote(at)).rejects.toThrow(IntrospectionRejectionTokenException);
    await client.revokeRefreshToken(rt);
    await expect(client.validateRefreshTokenRemote(rt)).rejects.toThrow(IntrospectionRejectionTokenException);
  });

  test("TTY mode: the URL is displayed, the pasted code is read through the injected prompt", async () => {
    const printed: string[] = [];
    const display: TtyDisplay = { print: (t) => void printed.push(t) };
    const prompt: TtyPrompt = {
      async prompt(question, options) {
        expect(question).toBe("Authentication code: ");
        expect(options?.hidden).toBe(true);
        const url = /\t(\S+)/.exec(printed.join("\n"))![1]!;
        const r = await op.authorize(url, { redirectPrefix: "http://127.0.0.1/callback" });
        return r.code!;
      },
    };
    const k = kernel({ prompt, display });
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_auth_code", auth_server: op.issuer, client_id: op.clients.publicApp.clientId, redirect_uri: "http://127.0.0.1/callback", scopes: ["openid", "email"] },
      { kernel: k },
    );
    await auth.ensureRequestAuthenticatorIsReady({ allowTtyPrompt: true });
    const cred = (await auth.requestAuthenticator().credential()) as FileBackedOidcCredential;
    expect(await cred.idToken()).toBeTruthy();
    expect(await (auth.authClient() as OidcAuthClient).userinfoFromAccessToken((await cred.accessToken())!)).toMatchObject({ sub: op.accountId });
  });

  test("an ID token that fails validation (wrong issuer configured) fails the login (gap P1)", async () => {
    const browserOpener: BrowserOpener = async (url) => void (await op.authorize(url, { deliver: true }));
    const k = kernel({ browserOpener, display: { print: () => {} } });
    // Every endpoint configured, so discovery (which would refuse the mismatched issuer first) is not consulted.
    const doc = (await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    const auth = await Auth.initializeFromConfigDict(
      {
        client_type: "oidc_auth_code", auth_server: op.issuer, issuer: "https://not-the-issuer.example/", client_id: op.clients.publicApp.clientId,
        local_redirect_uri: "http://127.0.0.1:0/callback", scopes: ["openid"],
        authorization_endpoint: doc.authorization_endpoint, token_endpoint: doc.token_endpoint, jwks_endpoint: doc.jwks_uri,
      },
      { kernel: k },
    );
    await expect(auth.login({ allowOpenBrowser: true })).rejects.toThrow(InvalidTokenException);
  });
});

describe("device code", () => {
  test("the display shows the user code, the test approves it, polling completes; login and the initiate/complete pair", async () => {
    let approval: Promise<void> = Promise.resolve();
    const printed: string[] = [];
    const display: TtyDisplay = {
      print(text) {
        printed.push(text);
        const m = /enter the code: (\S+)/.exec(text);
        if (m) approval = op.approveDevice(m[1]!);
      },
    };
    const sleep: Sleep = async () => {
      await approval;
    };
    const k = kernel({ display, sleep });
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_device_code", auth_server: op.issuer, client_id: op.clients.device.clientId, scopes: ["openid", "offline_access"] },
      { kernel: k, tokenFile: "device/token.json" },
    );
    const cred = (await auth.login({ allowTtyPrompt: true })) as FileBackedOidcCredential;
    expect(printed.join("\n")).toMatch(/To activate your client, visit/);
    expect(await cred.refreshToken()).toBeTruthy();
    expect((await viaUserinfo(auth, cred)).sub).toBe(op.accountId);

    const initiated = await auth.deviceLoginInitiate();
    expect(initiated).toMatchObject({ user_code: expect.any(String), verification_uri: expect.any(String) });
    approval = op.approveDevice(initiated.user_code as string);
    const cred2 = await auth.deviceLoginComplete(initiated);
    expect(await (cred2 as FileBackedOidcCredential).accessToken()).not.toBe(await cred.accessToken());
    expect(JSON.parse(await readFile(path.join(home.dir, "device/token.json"), "utf8")).access_token).toBe(cred2.data()!.access_token);
  });
});

async function viaUserinfo(auth: Auth, cred: FileBackedOidcCredential) {
  return (auth.authClient() as OidcAuthClient).userinfoFromAccessToken((await cred.accessToken())!);
}

describe("multi-issuer validation", () => {
  test("tokens of two providers validate; an unknown issuer is an InvalidTokenException with TOKEN_INVALID_BAD_ISSUER, logged", async () => {
    const logger = captureLogger();
    const k = kernel({ logger: new AuthLogger(logger) });
    const configs = [{ auth_server: op.issuer, audiences: [op.apiAudience] }, { auth_server: op2.issuer, audiences: [op2.apiAudience] }];
    const frozen = JSON.parse(JSON.stringify(configs));
    const mv = await OidcMultiIssuerValidator.fromAuthServerConfigs(configs, { kernel: k });
    expect(configs).toEqual(frozen); // gap V5: the caller's objects are untouched
    expect(await mv.trustedIssuers()).toEqual([op.issuer, op2.issuer]);
    const t1 = (await op.clientCredentialsTokens({ scope: "api:read" })).access_token as string;
    const t2 = (await op2.clientCredentialsTokens({ scope: "api:read" })).access_token as string;
    const [c1, remote] = await mv.validateAccessToken(t1, { scopesAnyof: ["api:read"] });
    expect(c1.iss).toBe(op.issuer);
    expect(remote).toBeNull();
    expect((await mv.validateAccessToken(t2))[0].iss).toBe(op2.issuer);
    expect(logger.text()).toContain("TOKEN_VALID");

    const forged = `${Buffer.from('{"alg":"RS256","kid":"x"}').toString("base64url")}.${Buffer.from(JSON.stringify({ iss: "https://evil.example/", aud: op.apiAudience, exp: 4e9 })).toString("base64url")}.AAAA`;
    const err = await mv.validateAccessToken(forged).catch((e) => e);
    expect(err).toBeInstanceOf(UnknownIssuerTokenException);
    expect(err).toBeInstanceOf(InvalidTokenException);
    expect(err.event()).toBe("TOKEN_INVALID_BAD_ISSUER");
    expect(logger.lines.some((l) => l.startsWith("warn") && l.includes("TOKEN_INVALID_BAD_ISSUER"))).toBe(true);

    const urls = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { kernel: k, audience: op.apiAudience, logResult: false });
    await expect(urls.validateAccessToken(t2)).rejects.toThrow(UnknownIssuerTokenException);
    expect((await urls.validateAccessToken(t1))[0].aud).toBe(op.apiAudience);
  });

  test("from Auth contexts; the remote revocation check introspects through the context's client authentication", async () => {
    const k = kernel();
    const ctx = await Auth.initializeFromConfigDict(ccPubkey(), { kernel: k });
    const mv = await OidcMultiIssuerValidator.create([ctx, null]);
    const token = (await ctx.login()).data()!.access_token as string;
    const [claims, remote] = await mv.validateAccessToken(token);
    expect(claims.client_id).toBe(op.clients.privateKeyJwt.clientId);
    expect(remote).toBeNull();
    // oidc-provider cannot introspect JWT access tokens: the remote check reaches it (authenticated) and fails closed.
    await expect(mv.validateAccessToken(token, { doRemoteRevocationCheck: true })).rejects.toMatchObject({ errorCode: "unsupported_token_type" });
    await expect(OidcMultiIssuerValidator.create([ctx, ctx])).rejects.toThrow(/more than once/);
  });
});

describe("refresh under load", () => {
  test("1,000 concurrent requests with an expired token: exactly one token-endpoint call", async () => {
    const k = kernel();
    const auth = await Auth.initializeFromConfigDict(ccPubkey(), {
      kernel: k,
      tokenFile: "stampede/token.json",
      initialTokenData: { access_token: "expired-token", token_type: "Bearer", _iat: 1_000, _exp: 2_000 },
    });
    const before = grants.client_credentials ?? 0;
    const seenBefore = echo.seen.length;
    const fetchWithAuth = auth.requestAuthenticator().fetch();
    const responses = await Promise.all(Array.from({ length: 1000 }, () => fetchWithAuth(echo.url)));
    expect((grants.client_credentials ?? 0) - before).toBe(1);
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(new Set(echo.seen.slice(seenBefore)).size).toBe(1);
    expect((auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator).refreshCount()).toBe(1);
  });
});
