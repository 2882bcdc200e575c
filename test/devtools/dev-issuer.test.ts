/**
 * `planet-auth/devtools`: the development issuer for host applications' tests. Loopback only; its
 * ready-made client configs work with the library as they are; the scripted user completes auth-code
 * (through the loopback listener) and device-code logins; a missing oidc-provider is explained.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { Auth, createDefaultKernel, type AuthKernel, type KernelServiceOverrides } from "../../src/index.js";
import { DeviceAccessDeniedException, type OidcAuthClient } from "../../src/plugins/oidc/index.js";
import { DevtoolsException, startDevIssuer, type DevIssuer } from "../../src/devtools/index.js";
import { loopbackHost } from "../../src/devtools/loopback.js";
import { loadOidcProvider } from "../../src/devtools/provider-module.js";
import { makeTempDir } from "../support/temp-dir.js";

let op: DevIssuer;
let home: { dir: string; cleanup: () => Promise<void> };
beforeAll(async () => {
  [op, home] = await Promise.all([startDevIssuer(), makeTempDir()]);
});
afterAll(async () => {
  await op.stop();
  await home.cleanup();
});

const kernel = (services: KernelServiceOverrides = {}): AuthKernel => createDefaultKernel({ homeDir: () => home.dir, services });

describe("loopback only", () => {
  test.each(["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "", "128.0.0.1"])("host %j is refused before anything is bound", async (host) => {
    await expect(startDevIssuer({ host })).rejects.toThrow(DevtoolsException);
    await expect(startDevIssuer({ host })).rejects.toThrow(/loopback only/);
  });

  test.each([
    ["127.0.0.1", "127.0.0.1", "127.0.0.1"],
    ["127.0.0.2", "127.0.0.2", "127.0.0.2"],
    ["localhost", "127.0.0.1", "localhost"],
    ["::1", "::1", "[::1]"],
  ])("host %j binds %s (issuer host %s)", (host, bind, urlHost) => {
    expect(loopbackHost(host)).toEqual({ bind, urlHost });
  });

  test("the default issuer is on 127.0.0.1; localhost is served on 127.0.0.1 under its name", async () => {
    expect(new URL(op.issuer).hostname).toBe("127.0.0.1");
    const named = await startDevIssuer({ host: "localhost" });
    try {
      expect(new URL(named.issuer).hostname).toBe("localhost");
      const res = await fetch(named.discoveryUrl, { signal: AbortSignal.timeout(5_000) });
      expect(((await res.json()) as { issuer: string }).issuer).toBe(named.issuer);
    } finally {
      await named.stop();
    }
  });
});

describe("oidc-provider is an optional peer dependency", () => {
  test("when it is not installed, the error names the package and how to add it", async () => {
    const notFound = Object.assign(new Error("Cannot find package 'oidc-provider'"), { code: "ERR_MODULE_NOT_FOUND" });
    const err = await loadOidcProvider(() => Promise.reject(notFound)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DevtoolsException);
    expect((err as DevtoolsException).code).toBe("ERR_DEVTOOLS");
    expect((err as Error).message).toMatch(/optional peer dependency "oidc-provider".*npm install --save-dev oidc-provider/);
    expect((err as Error).cause).toBe(notFound);
  });

  test("any other failure to load it passes through unchanged", async () => {
    const broken = new SyntaxError("Unexpected token");
    await expect(loadOidcProvider(() => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe("ready-made client configs", () => {
  test.each(["oidc_client_credentials_secret", "oidc_client_credentials_pubkey"] as const)(
    "%s logs in unattended and its JWT validates against the API audience",
    async (clientType) => {
      const k = kernel();
      const auth = await Auth.initializeFromConfigDict(op.authClientConfig(clientType), { kernel: k, tokenFile: `${clientType}/token.json` });
      const headers = await auth.requestAuthenticator().authorizationHeaders();
      const token = headers.Authorization!.replace(/^Bearer /, "");
      const validator = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_validator"), { kernel: k });
      const claims = await (validator.authClient() as OidcAuthClient).validateAccessTokenLocal(token);
      expect(claims).toMatchObject({ iss: op.issuer, aud: op.apiAudience, scope: "api:read api:write" });
    },
  );

  test("overrides are merged last", () => {
    expect(op.authClientConfig("oidc_device_code", { scopes: ["openid"] })).toMatchObject({ client_id: op.clients.device.clientId, scopes: ["openid"] });
  });
});

describe("the scripted user", () => {
  test("auth code + PKCE: the browser opener signs in at the issuer and delivers the code to the loopback listener", async () => {
    const user = op.scriptedUser();
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_auth_code"), { kernel: kernel(user.services), tokenFile: "ac/token.json" });
    const cred = await auth.login({ allowOpenBrowser: true });
    expect(user.authorizations).toHaveLength(1);
    expect(user.authorizations[0]!.delivered?.status).toBe(200);
    expect(user.authorizations[0]!.callbackUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=/);
    const info = await (auth.authClient() as OidcAuthClient).userinfoFromAccessToken(cred.data()!.access_token as string);
    expect(info).toMatchObject({ sub: op.accountId, email: `${op.accountId}@example.test` });
  });

  test("device code on the terminal: the user code shown through the display is approved before the first poll", async () => {
    const user = op.scriptedUser();
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code"), { kernel: kernel(user.services), tokenFile: "dc/token.json" });
    const cred = await auth.login({ allowTtyPrompt: true });
    expect(user.deviceCodes).toHaveLength(1);
    expect(user.shown.join("\n")).toContain(user.deviceCodes[0]);
    expect(cred.data()).toHaveProperty("refresh_token");
  });

  test("device code with a browser: the verification URL opened is approved", async () => {
    const user = op.scriptedUser();
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code"), { kernel: kernel(user.services), tokenFile: "dcb/token.json" });
    await auth.login({ allowTtyPrompt: true, allowOpenBrowser: true });
    expect(user.deviceCodes).toHaveLength(1);
    expect(user.authorizations).toEqual([]);
  });

  test("a denying user: the device login fails with access_denied", async () => {
    const user = op.scriptedUser({ deny: true });
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code"), { kernel: kernel(user.services), tokenFile: "dcd/token.json" });
    await expect(auth.login({ allowTtyPrompt: true })).rejects.toBeInstanceOf(DeviceAccessDeniedException);
  });
});
