/**
 * Issue #4 end to end: an OIDC client config and token file kept as `.sops.json`, used through Auth
 * against a real OpenID Provider. Every save (login, refresh) writes an encrypted file; a raw read
 * of the files shows no secret in clear.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import {
  Auth, RefreshingOidcTokenRequestAuthenticator, builtinPlugins, createKernel, createStorageSopsPlugin, STORAGE_SOPS_PLUGIN_NAME, type AuthKernel,
} from "../../src/index.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { makeTempDir } from "../support/temp-dir.js";

let op: OidcServer;
let home: string;
let cleanup: () => Promise<void>;
let now: number;
let kernel: AuthKernel;

beforeAll(async () => {
  op = await startOidcServer();
  ({ dir: home, cleanup } = await makeTempDir());
  const identity = await generateIdentity();
  const sops = createStorageSopsPlugin({
    env: { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) },
    homeDir: home,
    sopsBinary: false,
  });
  now = Date.now();
  kernel = createKernel({
    plugins: [...builtinPlugins.filter((p) => p.name !== STORAGE_SOPS_PLUGIN_NAME), sops],
    homeDir: () => home,
    services: { clock: { now: () => now } },
  });
});
afterAll(async () => {
  await op.stop();
  await cleanup();
});

const raw = (key: string) => fs.readFile(path.join(home, key), "utf8");

function secretsIn(tokenFileText: string, values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === "string" && v.length > 8 && tokenFileText.includes(v));
}

describe("SOPS-encrypted OIDC profile through Auth", () => {
  test("client credentials: the encrypted config is used, and login and re-login write an encrypted token", async () => {
    const storage = kernel.services.storage;
    const secret = op.clients.secretPost.clientSecret;
    await storage.saveObj(".planet/svc/auth_client.sops.json", {
      client_type: "oidc_client_credentials_secret",
      auth_server: op.issuer,
      client_id: op.clients.secretPost.clientId,
      client_secret: secret,
      scopes: ["api:read"],
    });
    expect(await raw(".planet/svc/auth_client.sops.json")).not.toContain(secret);

    const first = await Auth.initializeFromProfile("svc", { kernel, tokenFile: ".planet/svc/token.sops.json" });
    const header = (await first.requestAuthenticator().authorizationHeaders()).Authorization!;
    const accessToken = header.slice("Bearer ".length);
    expect(accessToken.split(".")).toHaveLength(3);
    const afterLogin = await raw(".planet/svc/token.sops.json");
    expect(secretsIn(afterLogin, [accessToken])).toEqual([]);
    expect(JSON.parse(afterLogin).sops.mac).toMatch(/^ENC\[AES256_GCM,/);

    // A new context finds both .sops.json files by itself; past 3/4 of the lifetime it logs in again.
    now += 3600 * 1000 * 0.8;
    const second = await Auth.initializeFromProfile("svc", { kernel });
    expect(second.tokenFilePath()).toBe(".planet/svc/token.sops.json");
    const renewed = (await second.requestAuthenticator().authorizationHeaders()).Authorization!.slice(7);
    expect(renewed).not.toBe(accessToken);
    const afterRenewal = await raw(".planet/svc/token.sops.json");
    expect(afterRenewal).not.toBe(afterLogin);
    expect(secretsIn(afterRenewal, [renewed, accessToken])).toEqual([]);
    expect(await fs.readdir(path.join(home, ".planet/svc"))).toEqual(expect.not.arrayContaining(["token.json", "auth_client.json"]));
  });

  test("refresh with a refresh token: the refreshed token is saved encrypted, the old refresh token never appears", async () => {
    now = Date.now();
    const tokens = await op.authCodeTokens({ scope: "openid offline_access" });
    expect(typeof tokens.refresh_token).toBe("string");
    await kernel.services.storage.saveObj(".planet/user/auth_client.sops.json", {
      client_type: "oidc_auth_code",
      auth_server: op.issuer,
      client_id: op.clients.publicApp.clientId,
      redirect_uri: "http://127.0.0.1/callback",
    });
    const auth = await Auth.initializeFromProfile("user", {
      kernel,
      tokenFile: ".planet/user/token.sops.json",
      initialTokenData: tokens,
    });
    const seeded = await raw(".planet/user/token.sops.json");
    expect(secretsIn(seeded, [tokens.access_token, tokens.refresh_token, tokens.id_token])).toEqual([]);

    now += Number(tokens.expires_in) * 0.8 * 1000; // past the refresh point (3/4 of the lifetime)
    const authenticator = auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
    // The token is still valid: this request carries it while the refresh runs in the background.
    expect((await authenticator.authorizationHeaders()).Authorization).toBe(`Bearer ${tokens.access_token}`);
    await authenticator.refreshSettled();
    const header = (await authenticator.authorizationHeaders()).Authorization!;
    const lastError = authenticator.lastRefreshError();
    expect(lastError).toBeNull();
    expect(header).not.toBe(`Bearer ${tokens.access_token}`);
    const refreshed = await raw(".planet/user/token.sops.json");
    expect(refreshed).not.toBe(seeded);
    const fresh = await kernel.services.storage.loadObj(".planet/user/token.sops.json");
    expect(fresh.access_token).toBe(header.slice(7));
    expect(secretsIn(refreshed, [fresh.access_token, fresh.refresh_token, tokens.refresh_token])).toEqual([]);
  });
});
