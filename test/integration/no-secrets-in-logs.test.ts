/**
 * Logins and refreshes with debug logging into a capturing logger: no secret (client secret, private
 * key, access/refresh/ID token, authorization code) appears in any log line or error message.
 */
import { expect, test } from "@jest/globals";
import {
  Auth, AuthLogger, FileStorageProvider, GotHttpClient, createKernel, type BrowserOpener, type KernelServiceOverrides,
} from "../../src/kernel/index.js";
import { oidcPlugin, type OidcAuthClient, type RefreshingOidcTokenRequestAuthenticator } from "../../src/plugins/oidc/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { useOidcServerAndHome } from "./support/oidc-server-and-home.js";

const env = useOidcServerAndHome();

test("login, refresh, a failed refresh and a failed login with debug logging leak no secret", async () => {
  const { op, home } = env;
  const host = captureLogger();
  const logger = new AuthLogger(host);
  const secrets: string[] = [op.clients.secretPost.clientSecret, op.clients.privateKeyJwt.key.privateKeyPem.split("\n")[1]!];
  const errors: string[] = [];
  const browserOpener: BrowserOpener = async (url) => {
    const r = await op.authorize(url, { deliver: true });
    secrets.push(r.code!);
  };
  const services: KernelServiceOverrides = {
    logger,
    browserOpener,
    display: { print: () => {} },
    http: new GotHttpClient({ retryLimit: 0 }),
    storage: new FileStorageProvider({ homeDir: () => home.dir }),
  };
  const kernel = createKernel({ plugins: [oidcPlugin], services });

  // Client credentials (client_secret_post) and private_key_jwt logins.
  const cc = await Auth.initializeFromConfigDict(
    { client_type: "oidc_client_credentials_secret", auth_server: op.issuer, client_id: op.clients.secretPost.clientId, client_secret: op.clients.secretPost.clientSecret },
    { kernel, tokenFile: "cc/token.json" },
  );
  await cc.requestAuthenticator().authorizationHeaders();
  secrets.push((await cc.requestAuthenticator().credential())!.data()!.access_token as string);
  const pk = await Auth.initializeFromConfigDict(
    { client_type: "oidc_client_credentials_pubkey", auth_server: op.issuer, client_id: op.clients.privateKeyJwt.clientId, client_privkey: op.clients.privateKeyJwt.key.privateKeyPem },
    { kernel },
  );
  secrets.push((await pk.login()).data()!.access_token as string);

  // Auth code login (ID token validated), then a refresh, then a refresh with a revoked refresh token.
  const ac = await Auth.initializeFromConfigDict(
    { client_type: "oidc_auth_code", auth_server: op.issuer, client_id: op.clients.publicApp.clientId, local_redirect_uri: "http://127.0.0.1:0/callback", scopes: ["openid", "offline_access"] },
    { kernel, tokenFile: "ac/token.json" },
  );
  const first = (await ac.login({ allowOpenBrowser: true })).data()!;
  secrets.push(first.access_token as string, first.refresh_token as string, first.id_token as string);
  const authenticator = ac.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
  await authenticator.updateCredentialData({ ...first, _iat: 1000, _exp: 2000 });
  await authenticator.authorizationHeaders();
  const second = (await authenticator.credential())!.data()!;
  expect(second.access_token).not.toBe(first.access_token);
  secrets.push(second.access_token as string, second.refresh_token as string);
  await (ac.authClient() as OidcAuthClient).revokeRefreshToken(second.refresh_token as string);
  await authenticator.updateCredentialData({ ...second, _iat: 1000, _exp: 2000 });
  await authenticator.authorizationHeaders(); // fails (invalid_grant), logged as a warning
  expect(authenticator.lastRefreshError()).toBeTruthy();
  errors.push(String(authenticator.lastRefreshError()));

  // A login that fails with a bad secret.
  const bad = await Auth.initializeFromConfigDict(
    { client_type: "oidc_client_credentials_secret", auth_server: op.issuer, client_id: op.clients.secretPost.clientId, client_secret: "wrong-secret-value-123" },
    { kernel },
  );
  secrets.push("wrong-secret-value-123");
  errors.push(String(await bad.login().catch((e) => e)));

  const text = host.text();
  expect(host.lines.some((l) => l.startsWith("debug"))).toBe(true);
  expect(host.lines.some((l) => l.startsWith("warn") && l.includes("Failed to refresh"))).toBe(true);
  expect(errors.join("\n")).toMatch(/invalid_client|invalid_grant/);
  for (const secret of secrets) {
    expect(secret.length).toBeGreaterThan(8);
    expect(text).not.toContain(secret);
    expect(errors.join("\n")).not.toContain(secret);
  }
});
