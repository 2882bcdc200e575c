import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import got from "got";
import {
  Auth, FileBackedApiKey, FileBackedApiKeyRequestAuthenticator, InvalidDataException, ObjectNotFoundException,
  StaticApiKeyAuthClient, StaticApiKeyAuthClientException, X_PLANET_APP, createDefaultKernel, type AuthKernel,
} from "../../../src/index.js";
import { startPlanetApiServer, type PlanetApiServer } from "../../../examples/support/planet-api-server.js";
import { makeTempDir } from "../../support/temp-dir.js";

let api: PlanetApiServer;
let home: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
let now: number;

beforeAll(async () => {
  api = await startPlanetApiServer({});
});
afterAll(() => api.close());
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  now = 1_700_000_000_000;
  kernel = createDefaultKernel({ homeDir: () => home, services: { clock: { now: () => now } } });
});
afterEach(() => cleanup());

async function echoWithGot(auth: Auth): Promise<Record<string, string>> {
  const client = got.extend(auth.requestAuthenticator().gotHooks());
  const body = await client.get(api.echoUrl).json<{ headers: Record<string, string> }>();
  return body.headers;
}

async function echoWithFetch(auth: Auth): Promise<Record<string, string>> {
  const fetchWithAuth = auth.requestAuthenticator().fetch();
  const res = await fetchWithAuth(api.echoUrl, { headers: { "X-Custom": "kept" } });
  return ((await res.json()) as { headers: Record<string, string> }).headers;
}

describe("static_apikey end to end", () => {
  test("a key in the config authenticates real got and fetch requests", async () => {
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "static_apikey", api_key: "PLAK-123", bearer_token_prefix: "api-key" },
      { kernel },
    );
    expect(auth.authClient()).toBeInstanceOf(StaticApiKeyAuthClient);
    const viaGot = await echoWithGot(auth);
    expect(viaGot.authorization).toBe("api-key PLAK-123");
    expect(viaGot["x-planet-app"]).toBe(X_PLANET_APP);
    const viaFetch = await echoWithFetch(auth);
    expect(viaFetch.authorization).toBe("api-key PLAK-123");
    expect(viaFetch["x-custom"]).toBe("kept");
    expect(await auth.requestAuthenticator().authorizationHeaders()).toEqual({
      Authorization: "api-key PLAK-123",
      "X-Planet-App": X_PLANET_APP,
    });
  });

  test("the prefix defaults to Bearer only alongside a key", () => {
    expect(kernel.configFromDict({ client_type: "static_apikey", api_key: "k" }).data()).toEqual({
      client_type: "static_apikey", api_key: "k", bearer_token_prefix: "Bearer",
    });
    expect(kernel.configFromDict({ client_type: "static_apikey", bearer_token_prefix: "X" }).data()).toEqual({ client_type: "static_apikey" });
  });

  test("a caller's X-Planet-App header is kept", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k" }, { kernel });
    const headers: Record<string, string> = { "x-planet-app": "my-app/1.0" };
    await auth.requestAuthenticator().decorate(headers);
    expect(headers).toEqual({ "x-planet-app": "my-app/1.0", Authorization: "Bearer k" });
  });

  test("login saves the key to the token file; a new context without a key in its config reuses it", async () => {
    const tokenFile = ".planet/static/token.json";
    const first = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "K1" }, { kernel, tokenFile });
    const cred = await first.login();
    expect(cred).toBeInstanceOf(FileBackedApiKey);
    const text = await fs.readFile(path.join(home, tokenFile), "utf8");
    expect(JSON.parse(text)).toEqual({ api_key: "K1", bearer_token_prefix: "Bearer" });
    expect((await fs.stat(path.join(home, tokenFile))).mode & 0o777).toBe(0o600);

    const second = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel, tokenFile });
    expect(await second.requestAuthenticatorIsReady()).toBe(true);
    expect((await echoWithGot(second)).authorization).toBe("Bearer K1");
  });

  test("a file-backed key is re-read when the file changes (checked at most once per interval)", async () => {
    const tokenFile = "token.json";
    await kernel.services.storage.saveObj(tokenFile, { api_key: "old", bearer_token_prefix: "Bearer" });
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel, tokenFile });
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("Bearer old");
    await kernel.services.storage.saveObj(tokenFile, { api_key: "new", bearer_token_prefix: "api-key" });
    const file = path.join(home, tokenFile);
    const { mtime } = await fs.stat(file);
    await fs.utimes(file, mtime, new Date(mtime.getTime() + 5));
    // Within the interval the in-memory key is used without touching the file.
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("Bearer old");
    now += 1_000;
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("api-key new");
  });

  test("the fast path is synchronous once the key is in memory", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k" }, { kernel });
    const headers: Record<string, string> = {};
    expect(auth.requestAuthenticator().decorate(headers)).toBeUndefined();
    expect(headers.Authorization).toBe("Bearer k");
  });

  test("gap S8: token data given to a context whose config holds the key never overwrites the config file", async () => {
    const configFile = ".planet/p/auth_client.json";
    await kernel.services.storage.saveObj(configFile, { client_type: "static_apikey", api_key: "from-config" });
    const before = await fs.readFile(path.join(home, configFile), "utf8");
    const config = await kernel.configFromFile(configFile);
    const auth = await Auth.initializeFromConfig(config, {
      tokenFile: ".planet/p/token.json",
      initialTokenData: { api_key: "other", bearer_token_prefix: "Bearer" },
    });
    expect(await fs.readFile(path.join(home, configFile), "utf8")).toBe(before);
    expect(auth.profileName()).toBeNull();
  });

  test("load errors from the token file are not swallowed", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel, tokenFile: "absent.json" });
    await expect(auth.requestAuthenticator().authorizationHeaders()).rejects.toThrow(ObjectNotFoundException);
    await kernel.services.storage.saveObj("bad.json", { api_key: "k" });
    const bad = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel, tokenFile: "bad.json" });
    await expect(bad.requestAuthenticator().authorizationHeaders()).rejects.toThrow(/bearer_token_prefix.*\(File: bad\.json\)/);
  });

  test("login without a key is a clear error", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel });
    await expect(auth.login()).rejects.toThrow(StaticApiKeyAuthClientException);
  });

  test("the credential requires both keys and the authenticator rejects other credential classes", () => {
    expect(() => new FileBackedApiKey().setData({ api_key: "k" })).toThrow(InvalidDataException);
    const authenticator = new FileBackedApiKeyRequestAuthenticator(null, { clock: { now: () => 0 } });
    expect(() => authenticator.updateCredential({} as FileBackedApiKey)).toThrow(TypeError);
  });
});
