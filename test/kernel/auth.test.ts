import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import {
  Auth, AuthClient, AuthClientConfig, AuthClientContextException, AuthLogger, Credential,
  CredentialRequestAuthenticator, createKernel, nonePlugin, type AuthKernel, type Clock, type JsonObject,
  type LoginOptions,
} from "../../src/index.js";
import { definePlugin, nowSeconds } from "../../src/plugin-kit.js";
import { makeTempDir } from "../support/temp-dir.js";
import { captureLogger } from "../support/capture-logger.js";

/**
 * A scripted client type: credentials expire at `_exp`; `unattended` decides canLoginUnattended;
 * `refresh_works` decides whether the authenticator's refresh succeeds. Counts logins and refreshes.
 */
const calls = { logins: [] as LoginOptions[], refreshes: 0 };
let clock: Clock;

class ScriptedConfig extends AuthClientConfig {
  static override readonly clientType = "scripted";
}
class ScriptedAuthenticator extends CredentialRequestAuthenticator {
  constructor(credential: Credential | null, private readonly refreshWorks: boolean) {
    super(credential);
  }
  preRequestHook(): void | Promise<void> {
    const cred = this._credential;
    if (!cred) return;
    return (async () => {
      await cred.lazyLoad();
      if (await cred.isExpired(nowSeconds(clock))) {
        calls.refreshes++;
        if (!this.refreshWorks) throw new Error("refresh failed");
        const fresh = new Credential({ token: "refreshed", _exp: nowSeconds(clock) + 60 }, cred.path(), cred.explicitStorageProvider());
        await fresh.save();
        this._credential = fresh;
      }
      this.tokenBody = String(this._credential!.data()!.token);
    })();
  }
}
class ScriptedClient extends AuthClient {
  async login(options?: LoginOptions): Promise<Credential> {
    calls.logins.push(options ?? {});
    if (this.config().data()!.login_returns_nothing) return null as unknown as Credential;
    return new Credential({ token: "from-login", _exp: nowSeconds(clock) + 60 });
  }
  defaultRequestAuthenticator(credential: string | Credential | null): CredentialRequestAuthenticator {
    const cred = credential instanceof Credential ? credential : new Credential(null, credential, this.credentialStorageProvider());
    return new ScriptedAuthenticator(cred, Boolean(this.config().data()!.refresh_works));
  }
  canLoginUnattended(): boolean {
    return Boolean(this.config().data()!.unattended);
  }
}
const scriptedPlugin = definePlugin({
  name: "scripted",
  version: "1.0.0",
  clientTypes: [
    {
      clientType: "scripted",
      schema: { $id: "urn:test:scripted", type: "object", properties: { client_type: { const: "scripted" } } },
      configClass: ScriptedConfig,
      clientClass: ScriptedClient,
      meta: { displayName: "Scripted", description: "test" },
    },
  ],
});

let home: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
let now: number;
const tokenFile = "token.json";

beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  now = 1_700_000_000_000;
  clock = { now: () => now };
  calls.logins = [];
  calls.refreshes = 0;
  kernel = createKernel({ plugins: [scriptedPlugin, nonePlugin], homeDir: () => home, services: { clock } });
});
afterEach(() => cleanup());

const context = (config: JsonObject = {}, extra: Parameters<typeof Auth.initializeFromConfigDict>[1] = {}) =>
  Auth.initializeFromConfigDict({ client_type: "scripted", ...config }, { kernel, tokenFile, ...extra });

describe("Auth construction and accessors", () => {
  test("construction does no I/O; accessors return what was given", async () => {
    const auth = await context({}, { profileName: "prof" });
    expect(auth.tokenFilePath()).toBe(tokenFile);
    expect(auth.profileName()).toBe("prof");
    expect(auth.authClient()).toBeInstanceOf(ScriptedClient);
    expect(auth.requestAuthenticator()).toBeInstanceOf(ScriptedAuthenticator);
    expect(await kernel.services.storage.objExists(tokenFile)).toBe(false);
  });

  test("initialTokenData is validated and saved to the token file", async () => {
    await context({}, { initialTokenData: { token: "seed", _exp: 1 } });
    expect(await kernel.services.storage.loadObj(tokenFile)).toEqual({ token: "seed", _exp: 1 });
  });

  test("login saves the credential at the token path and hands it to the authenticator", async () => {
    const auth = await context();
    const cred = await auth.login({ allowTtyPrompt: true, requestedScopes: ["a"] });
    expect(cred.path()).toBe(tokenFile);
    expect(calls.logins).toEqual([{ allowOpenBrowser: false, allowTtyPrompt: true, requestedScopes: ["a"] }]);
    expect(await kernel.services.storage.loadObj(tokenFile)).toMatchObject({ token: "from-login" });
    expect(await auth.requestAuthenticator().credential()).toBe(cred);
  });

  test("a login that returns nothing is an AuthClientContextException", async () => {
    const auth = await context({ login_returns_nothing: true });
    await expect(auth.login()).rejects.toThrow(AuthClientContextException);
  });
});

describe("ensureRequestAuthenticatorIsReady", () => {
  const fresh = () => ({ token: "saved", _exp: nowSeconds(clock) + 100 });
  const expired = () => ({ token: "saved", _exp: nowSeconds(clock) - 1 });

  test("a valid credential: returns without network, refresh or login", async () => {
    await kernel.services.storage.saveObj(tokenFile, fresh());
    const auth = await context();
    await auth.ensureRequestAuthenticatorIsReady({ allowOpenBrowser: true });
    expect(calls).toEqual({ logins: [], refreshes: 0 });
  });

  test("an unattended client returns even with an expired credential (refresh happens at request time)", async () => {
    await kernel.services.storage.saveObj(tokenFile, expired());
    const auth = await context({ unattended: true });
    expect(await auth.requestAuthenticatorIsReady()).toBe(true);
    await auth.ensureRequestAuthenticatorIsReady();
    expect(calls).toEqual({ logins: [], refreshes: 0 });
  });

  test("an expired credential that refreshes: no login", async () => {
    await kernel.services.storage.saveObj(tokenFile, expired());
    const auth = await context({ refresh_works: true });
    await auth.ensureRequestAuthenticatorIsReady();
    expect(calls.refreshes).toBe(1);
    expect(calls.logins).toEqual([]);
    expect(await kernel.services.storage.loadObj(tokenFile)).toMatchObject({ token: "refreshed" });
  });

  test("an expired credential whose refresh fails: warns, then logs in interactively with the given permissions", async () => {
    const host = captureLogger();
    kernel.services.logger.setHostLogger(host);
    await kernel.services.storage.saveObj(tokenFile, expired());
    const auth = await context({ refresh_works: false });
    await auth.ensureRequestAuthenticatorIsReady({ allowOpenBrowser: true, allowTtyPrompt: false });
    expect(calls.refreshes).toBe(1);
    expect(calls.logins).toEqual([{ allowOpenBrowser: true, allowTtyPrompt: false }]);
    expect(host.text()).toMatch(/warn .*failed to refresh expired credentials/i);
  });

  test("no credential at all: logs in", async () => {
    const auth = await context();
    expect(await auth.requestAuthenticatorIsReady()).toBe(false);
    await auth.ensureRequestAuthenticatorIsReady({ allowTtyPrompt: true });
    expect(calls.logins).toHaveLength(1);
    expect(await auth.requestAuthenticatorIsReady()).toBe(true);
  });

  test("a credential file that cannot be read counts as no credential (gap F8)", async () => {
    await kernel.services.storage.saveObj(tokenFile, { token: "x" });
    await import("node:fs/promises").then((fs) => fs.writeFile(`${home}/${tokenFile}`, "{corrupt"));
    const auth = await context();
    await auth.ensureRequestAuthenticatorIsReady();
    expect(calls.logins).toHaveLength(1);
  });
});

describe("the none client type through Auth", () => {
  test("is always ready, sends only X-Planet-App, and ignores credential updates with a warning", async () => {
    const host = captureLogger();
    const k = createKernel({ plugins: [nonePlugin], services: { logger: new AuthLogger(host) } });
    const auth = await Auth.initializeFromConfigDict({ client_type: "none" }, { kernel: k });
    expect(await auth.requestAuthenticatorIsReady()).toBe(true);
    await auth.ensureRequestAuthenticatorIsReady();
    const cred = await auth.login();
    expect(cred.data()).toEqual({});
    const headers = await auth.requestAuthenticator().authorizationHeaders();
    expect(Object.keys(headers)).toEqual(["X-Planet-App"]);
    expect(host.text()).toMatch(/Ignoring a credential update/);
    expect(await auth.authClient().validateAccessTokenLocal("t")).toEqual({});
    expect(await auth.authClient().getScopes()).toEqual([]);
    await expect(auth.authClient().userinfoFromAccessToken("t")).rejects.toThrow(/not supported by the none authentication mechanism/);
  });
});
