/**
 * What the Python reference stores and writes for edge-case data: keys its constructors keep only
 * when set, `_iat`/`_exp` exactly as computed (floats stay floats), and files read and re-saved
 * unchanged.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Auth, AuthClientConfigException, FileStorageProvider, GotHttpClient, createDefaultKernel, type AuthKernel, type JsonObject } from "../../src/index.js";
import { FileBackedOidcCredential } from "../../src/plugins/oidc/index.js";
import { recordingServersClosedAfterEach } from "../support/recording-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { fakeJwt, manualClock } from "./oidc/helpers.js";

const NOW = 1_700_000_000;
const clock = manualClock(NOW * 1000 + 500);
const serve = recordingServersClosedAfterEach();

let dir: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
let storage: FileStorageProvider;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
  storage = new FileStorageProvider({ homeDir: () => dir });
  kernel = createDefaultKernel({ services: { storage } });
});
afterEach(() => cleanup());

async function savedConfig(dict: JsonObject): Promise<JsonObject> {
  const config = kernel.configFromDict(dict);
  config.setPath("auth_client.json");
  await config.save();
  return JSON.parse(await readFile(path.join(dir, "auth_client.json"), "utf8")) as JsonObject;
}

describe("keys the reference stores only when set", () => {
  test.each([
    ["planet_legacy", { legacy_auth_endpoint: "https://api.example.com/v0/auth/login", api_key: "" }, { client_type: "planet_legacy", legacy_auth_endpoint: "https://api.example.com/v0/auth/login" }],
    ["static_apikey", { api_key: "" }, { client_type: "static_apikey" }],
    ["static_apikey", { api_key: null, bearer_token_prefix: "api-key" }, { client_type: "static_apikey" }],
    ["static_apikey", { api_key: "k" }, { client_type: "static_apikey", api_key: "k", bearer_token_prefix: "Bearer" }],
    ["static_apikey", { api_key: "k", bearer_token_prefix: "" }, { client_type: "static_apikey", api_key: "k" }],
    ["static_apikey", { api_key: "k", bearer_token_prefix: null }, { client_type: "static_apikey", api_key: "k" }],
    ["static_apikey", { api_key: "k", bearer_token_prefix: "api-key" }, { client_type: "static_apikey", api_key: "k", bearer_token_prefix: "api-key" }],
  ])("%s %j is saved as %j", async (clientType, dict, expected) => {
    expect(await savedConfig({ client_type: clientType, ...dict })).toEqual(expected);
  });

  test("an explicit empty bearer_token_prefix is not replaced by Bearer; using the key then fails naming the field", async () => {
    const config = kernel.configFromDict({ client_type: "static_apikey", api_key: "k", bearer_token_prefix: "" });
    const client = await kernel.clientFromConfig(config);
    const error = await Promise.resolve()
      .then(() => client.defaultRequestAuthenticator(null))
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AuthClientConfigException);
    expect(error).toMatchObject({ clientType: "static_apikey", field: "bearer_token_prefix" });
  });

  test.each([
    [{ user_name: "stored", user_password: "pw", username: "", password: null }, { user_name: "stored", user_password: "pw" }],
    [{ user_name: "stored", username: "alias" }, { user_name: "alias" }],
    [{ username: "", password: "" }, {}],
  ])("resource owner aliases %j → %j", async (dict, expected) => {
    const base = { client_type: "oidc_resource_owner", auth_server: "https://a/", client_id: "x" };
    expect(await savedConfig({ ...base, ...dict })).toEqual({ ...base, ...expected });
  });
});

describe("_iat / _exp as the reference stores them", () => {
  test("a float exp claim is kept exactly and expiry compares against it", async () => {
    const at = fakeJwt({ iat: NOW, exp: NOW + 3600.5 });
    const c = new FileBackedOidcCredential({ access_token: at }, null, null, clock);
    expect(c.data()).toMatchObject({ _iat: NOW, _exp: 1700003600.5 });
    expect(await c.isExpired(NOW + 3600)).toBe(false);
    expect(await c.isExpired(NOW + 3601)).toBe(true);
  });

  test("a float expires_in gives a float _exp, written as Python writes it", async () => {
    const file = path.join(dir, "token.json");
    await writeFile(file, '{"access_token": "opaque", "expires_in": 3600.0, "_iat": 1700000000}');
    const c = new FileBackedOidcCredential(null, file, storage, clock);
    await c.load();
    expect(c.data()?._exp).toBe(1700003600);
    await c.save();
    expect(await readFile(file, "utf8")).toBe(
      '{\n  "_exp": 1700003600.0,\n  "_iat": 1700000000,\n  "access_token": "opaque",\n  "expires_in": 3600.0\n}',
    );
    const half = new FileBackedOidcCredential({ access_token: "opaque", expires_in: 0.5, _iat: NOW }, null, null, clock);
    expect(half.data()?._exp).toBe(NOW + 0.5);
    expect(await half.isExpired(NOW)).toBe(false);
    expect(await half.isExpired(NOW + 1)).toBe(true);
  });

  test.each([
    ["no other source", { }, NOW],
    ["a stored _exp", { _exp: NOW + 60 }, NOW + 60],
    ["expires_in", { expires_in: 300 }, NOW + 300],
  ])("a non-numeric exp claim never makes a token non-expiring (%s)", async (_name, extra, expectedExp) => {
    const at = fakeJwt({ iat: NOW, exp: "1700003000" });
    const c = new FileBackedOidcCredential({ access_token: at, ...extra }, null, null, clock);
    expect(c.data()?._exp).toBe(expectedExp);
    expect(await c.isExpiring()).toBe(true);
  });

  test("a non-numeric iat claim falls back to the stored _iat, then now", () => {
    const at = fakeJwt({ iat: "soon", exp: NOW + 10 });
    expect(new FileBackedOidcCredential({ access_token: at, _iat: NOW - 5 }, null, null, clock).data()?._iat).toBe(NOW - 5);
    expect(new FileBackedOidcCredential({ access_token: at }, null, null, clock).data()?._iat).toBe(NOW);
  });

  test("an empty credential stays empty (no _iat added)", () => {
    const c = new FileBackedOidcCredential({}, null, null, clock);
    expect(c.data()).toEqual({});
  });
});

describe("config files keep the numbers the Python library wrote", () => {
  test("an integer beyond 2^53 and a whole float, top level and nested, survive load and save byte for byte", async () => {
    const text =
      '{\n  "auth_server": "https://auth.example.test/",\n  "client_id": "app",\n  "client_secret": "s3cret",\n' +
      '  "client_type": "oidc_client_credentials_secret",\n  "x_counter": 12345678901234567890,\n  "x_limits": {\n' +
      '    "burst": 12345678901234567891,\n    "ratio": 1.0\n  },\n  "x_ratio": 2.50\n}';
    await writeFile(path.join(dir, "auth_client.json"), text);
    const config = await kernel.configFromFile("auth_client.json");
    expect(config.data().x_ratio).toBe(2.5); // plain numbers in memory
    config.setPath("copy.json");
    await config.save();
    expect(await readFile(path.join(dir, "copy.json"), "utf8")).toBe(text);
  });
});

describe("token-endpoint responses keep the numbers the server wrote", () => {
  /** An auth server on 127.0.0.1 whose token endpoint answers with the given JSON text, verbatim. */
  async function tokenServer(tokenResponse: string) {
    let base = "";
    const server = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(req.path === "/token" ? tokenResponse : JSON.stringify({ issuer: base, token_endpoint: `${base}/token` }));
    });
    base = server.url;
    return server.url;
  }

  test("a float expires_in is stored as the server wrote it, the _exp computed from it as a Python float; a big integer keeps its digits", async () => {
    const authServer = await tokenServer('{"access_token": "opaque", "token_type": "Bearer", "expires_in": 3600.0, "x_counter": 12345678901234567890}');
    const kernel = createDefaultKernel({ services: { storage, clock, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }) } });
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: authServer, client_id: "app", client_secret: "s3cret", scopes: [] },
      { kernel, tokenFile: "token.json" },
    );
    const credential = await auth.login();
    expect(credential.data()?.expires_in).toBe(3600); // code reading the value gets a plain number
    expect(await readFile(path.join(dir, "token.json"), "utf8")).toBe(
      '{\n  "_exp": 1700003600.0,\n  "_iat": 1700000000,\n  "access_token": "opaque",\n  "expires_in": 3600.0,\n  "token_type": "Bearer",\n  "x_counter": 12345678901234567890\n}',
    );
  });

  test("an integer expires_in stays an integer, and so does the _exp computed from it", async () => {
    const authServer = await tokenServer('{"access_token": "opaque", "token_type": "Bearer", "expires_in": 3600}');
    const kernel = createDefaultKernel({ services: { storage, clock, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }) } });
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: authServer, client_id: "app", client_secret: "s3cret", scopes: [] },
      { kernel, tokenFile: "token.json" },
    );
    await auth.login();
    expect(await readFile(path.join(dir, "token.json"), "utf8")).toBe(
      '{\n  "_exp": 1700003600,\n  "_iat": 1700000000,\n  "access_token": "opaque",\n  "expires_in": 3600,\n  "token_type": "Bearer"\n}',
    );
  });
});
