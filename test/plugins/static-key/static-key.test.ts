import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import got from "got";
import {
  Auth, FileBackedApiKey, FileBackedApiKeyRequestAuthenticator, FileStorageProvider, InvalidDataException, NoCredentialException, ObjectNotFoundException,
  StaticApiKeyAuthClient, StaticApiKeyAuthClientException, X_PLANET_APP, createDefaultKernel, type AuthKernel, type ObjectStorageProvider,
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

/** The provider with its calls counted; `watch: false` hides its change notification. */
function countingProvider(inner: FileStorageProvider, options: { watch?: boolean } = {}) {
  const counts = { loadObj: 0, mtime: 0 };
  const provider: ObjectStorageProvider = {
    loadObj: (key) => (counts.loadObj++, inner.loadObj(key)),
    mtime: (key) => (counts.mtime++, inner.mtime(key)),
    saveObj: (key, data) => inner.saveObj(key, data),
    objExists: (key) => inner.objExists(key),
    objRename: (src, dst) => inner.objRename(src, dst),
    ...(options.watch === false ? {} : { watch: (key: string, onChange: () => void) => inner.watch(key, onChange) }),
  };
  return { provider, counts };
}

/** Decorate until the header differs from `previous` (the change notification is asynchronous); at most ~5 s. */
async function headerOnceChanged(authenticator: FileBackedApiKeyRequestAuthenticator, previous: string): Promise<string | undefined> {
  for (let i = 0; i < 500; i++) {
    const headers: Record<string, string> = {};
    await authenticator.decorate(headers);
    if (headers.Authorization !== previous) return headers.Authorization;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return previous;
}

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

  test("a key file rotated by an atomic rename is used by the first request after the change is reported; no file access in between", async () => {
    const { provider, counts } = countingProvider(new FileStorageProvider({ homeDir: () => home }));
    const key = "keys/token.json";
    await provider.saveObj(key, { api_key: "old", bearer_token_prefix: "Bearer" });
    const frozen = { now: () => 1_700_000_000_000 }; // no time passes: only the change notification can reload
    const authenticator = new FileBackedApiKeyRequestAuthenticator(new FileBackedApiKey(null, key, provider), { clock: frozen });
    try {
      expect((await authenticator.authorizationHeaders()).Authorization).toBe("Bearer old");
      const before = { ...counts };
      for (let i = 0; i < 1000; i++) expect(authenticator.decorate({})).toBeUndefined();
      expect(counts).toEqual(before);
      for (const next of ["rotated-1", "rotated-2"]) {
        // A rename over the file replaces its inode (what FileStorageProvider.saveObj and most tools do).
        const tmp = path.join(home, "keys", `.${next}.tmp`);
        await fs.writeFile(tmp, JSON.stringify({ api_key: next, bearer_token_prefix: "api-key" }));
        await fs.rename(tmp, path.join(home, key));
        expect(await headerOnceChanged(authenticator, "Bearer old")).toBe(`api-key ${next}`);
      }
    } finally {
      authenticator.close();
    }
  });

  test("a storage provider that cannot report changes: the key file's mtime is checked at most once per interval", async () => {
    const { provider } = countingProvider(new FileStorageProvider({ homeDir: () => home }), { watch: false });
    await provider.saveObj("token.json", { api_key: "old", bearer_token_prefix: "Bearer" });
    const authenticator = new FileBackedApiKeyRequestAuthenticator(new FileBackedApiKey(null, "token.json", provider), { clock: { now: () => now } });
    expect((await authenticator.authorizationHeaders()).Authorization).toBe("Bearer old");
    await provider.saveObj("token.json", { api_key: "new", bearer_token_prefix: "api-key" });
    const file = path.join(home, "token.json");
    const { mtime } = await fs.stat(file);
    await fs.utimes(file, mtime, new Date(mtime.getTime() + 5));
    expect((await authenticator.authorizationHeaders()).Authorization).toBe("Bearer old");
    now += 1_000;
    expect((await authenticator.authorizationHeaders()).Authorization).toBe("api-key new");
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

  test("load errors from the token file are not swallowed; a missing file is no credential, naming the file", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel, tokenFile: "absent.json" });
    const missing = (await auth.requestAuthenticator().authorizationHeaders().catch((e: unknown) => e)) as NoCredentialException;
    expect(missing).toBeInstanceOf(NoCredentialException);
    expect(missing.cause).toBeInstanceOf(ObjectNotFoundException);
    expect(missing.message).toContain("absent.json");
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
