/**
 * Credentials and configs used on their own, as in the Python library: built without a kernel or a
 * storage provider, they save, load and lazily reload through the default provider — the filesystem
 * under the home directory, `*.sops.json` encrypted — a fresh one for each use, never a kernel's.
 * A provider without the encrypted format refuses a `*.sops.json` key rather than write it in clear.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFile, stat, utimes, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import {
  ClientCredentialsClientSecretClientConfig, FileBackedApiKey, FileBackedOidcCredential,
  FileBackedPlanetLegacyApiKey, FileStorageProvider, StaticApiKeyAuthClientConfig, StorageException, createKernel,
  createStorageSopsPlugin, defaultKernel, setDefaultKernel, staticKeyPlugin, type JsonObject,
} from "../../src/index.js";
import { type FileBackedJsonObject } from "../../src/plugin-kit.js";
import { makeTempDir } from "../support/temp-dir.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});
afterEach(() => cleanup());

/** Runs `fn` with environment variables set, restoring them afterwards. */
async function withEnv<T>(vars: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

interface Kind {
  name: string;
  create(data: JsonObject | null, filePath?: string | null): FileBackedJsonObject;
  data: JsonObject;
  changed: JsonObject;
}

const KINDS: Kind[] = [
  {
    name: "FileBackedOidcCredential",
    create: (data, filePath = null) => new FileBackedOidcCredential(data, filePath),
    data: { access_token: "at-1", refresh_token: "rt-1", token_type: "Bearer", expires_in: 3600, _iat: 1700000000, _exp: 1700003600 },
    changed: { access_token: "at-2", token_type: "Bearer", expires_in: 60, _iat: 1700000100, _exp: 1700000160 },
  },
  {
    name: "FileBackedApiKey",
    create: (data, filePath = null) => new FileBackedApiKey(data, filePath),
    data: { api_key: "PLAK-one", bearer_token_prefix: "api-key" },
    changed: { api_key: "PLAK-two", bearer_token_prefix: "api-key" },
  },
  {
    name: "FileBackedPlanetLegacyApiKey",
    create: (data, filePath = null) => new FileBackedPlanetLegacyApiKey(data, filePath),
    data: { key: "legacy-one", jwt: "h.p.s" },
    changed: { key: "legacy-two", jwt: "h.p.t" },
  },
  {
    name: "a config (ClientCredentialsClientSecretClientConfig)",
    create: (data, filePath = null) => new ClientCredentialsClientSecretClientConfig(data ?? {}, { path: filePath }),
    data: { client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.test/", client_id: "app", client_secret: "s3cret", scopes: ["a"] },
    changed: { client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.test/", client_id: "app2", client_secret: "s3cret2", scopes: ["b"] },
  },
];

describe.each(KINDS)("$name on its own, through the default storage provider", (kind) => {
  test("construct, setPath, save (a 0600 file as the Python library writes it), load into a new object, lazyReload after a change", async () => {
    const file = path.join(dir, "sub", "object.json");
    const saved = kind.create(kind.data);
    saved.setPath(file);
    await saved.save();
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const text = await readFile(file, "utf8");
    expect(JSON.parse(text)).toEqual(kind.data);
    expect(Object.keys(JSON.parse(text))).toEqual(Object.keys(kind.data).sort());
    expect(await saved.isPersistedToStorage()).toBe(true);

    const loaded = kind.create(null, file);
    await loaded.load();
    expect(loaded.data()).toEqual(kind.data);

    await loaded.lazyReload();
    expect(loaded.data()).toEqual(kind.data); // unchanged file: nothing to reload
    await writeFile(file, JSON.stringify(kind.changed));
    const later = new Date(Date.now() + 5000);
    await utimes(file, later, later);
    await loaded.lazyReload();
    expect(loaded.data()).toEqual(kind.changed);
  });

  test("a relative path is resolved against the home directory at the time of use", async () => {
    await withEnv({ HOME: dir }, async () => {
      const saved = kind.create(kind.data, "relative.json");
      await saved.save();
      const loaded = kind.create(null, "relative.json");
      await loaded.load();
      expect(loaded.data()).toEqual(kind.data);
    });
    expect(JSON.parse(await readFile(path.join(dir, "relative.json"), "utf8"))).toEqual(kind.data);
  });
});

describe("the default provider is SOPS-aware", () => {
  test.each(KINDS)("$name saved to a .sops.json path is encrypted for the configured recipient, and loads back", async (kind) => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_RECIPIENTS: await identityToRecipient(identity), SOPS_AGE_KEY: identity, HOME: dir };
    const file = path.join(dir, "object.sops.json");
    await withEnv(env, async () => {
      const saved = kind.create(kind.data);
      saved.setPath(file);
      await saved.save();
      const loaded = kind.create(null, file);
      await loaded.load();
      expect(loaded.data()).toEqual(kind.data);
    });
    const stored = await readFile(file, "utf8");
    expect(JSON.parse(stored)).toHaveProperty("sops.age");
    for (const value of Object.values(kind.data)) if (typeof value === "string") expect(stored).not.toContain(value);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});

describe("a .sops.json key is never written in clear", () => {
  const key = "token.sops.json";

  test("a kernel without the SOPS plugin refuses to save or load it, naming the file; nothing is written", async () => {
    const kernel = createKernel({ plugins: [staticKeyPlugin], homeDir: () => dir });
    const err = await kernel.services.storage.saveObj(key, { api_key: "PLAK-secret", bearer_token_prefix: "api-key" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageException);
    expect((err as StorageException).message).toMatch(/announces the sops format, but this storage provider has no sops format/);
    expect((err as StorageException).message).not.toContain("PLAK-secret");
    expect((err as StorageException).filePath).toBe(path.join(dir, key));
    await expect(stat(path.join(dir, key))).rejects.toThrow(/ENOENT/);

    await writeFile(path.join(dir, key), JSON.stringify({ api_key: "x" }));
    await expect(kernel.services.storage.loadObj(key)).rejects.toThrow(StorageException);
    expect(await readFile(path.join(dir, key), "utf8")).toBe(JSON.stringify({ api_key: "x" }));
  });

  test("a file provider given formats without the SOPS format refuses it; with the plugin's format it encrypts", async () => {
    await expect(new FileStorageProvider({ homeDir: () => dir, formats: [] }).saveObj(key, { a: "clear" })).rejects.toThrow(StorageException);
    const identity = await generateIdentity();
    const sops = createStorageSopsPlugin({ env: { SOPS_AGE_RECIPIENTS: await identityToRecipient(identity), SOPS_AGE_KEY: identity }, homeDir: dir });
    const kernel = createKernel({ plugins: [staticKeyPlugin, sops], homeDir: () => dir });
    await kernel.services.storage.saveObj(key, { a: "clear" });
    expect(await readFile(path.join(dir, key), "utf8")).not.toContain("clear");
  });
});

describe("objects on their own share nothing with a kernel", () => {
  test("an object given no provider does not use the default kernel's storage", async () => {
    const other = await makeTempDir();
    const previous = defaultKernel();
    setDefaultKernel(createKernel({ plugins: [staticKeyPlugin], homeDir: () => other.dir }));
    try {
      const credential = new FileBackedApiKey({ api_key: "PLAK-k", bearer_token_prefix: "Bearer" }, path.join(dir, "key.json"));
      await credential.save();
      expect(credential.storageProvider()).not.toBe(defaultKernel().services.storage);
      expect(JSON.parse(await readFile(path.join(dir, "key.json"), "utf8"))).toEqual({ api_key: "PLAK-k", bearer_token_prefix: "Bearer" });
      await withEnv({ HOME: dir }, async () => {
        await new FileBackedApiKey({ api_key: "PLAK-r", bearer_token_prefix: "Bearer" }, "rel.json").save();
        await new StaticApiKeyAuthClientConfig({ api_key: "PLAK-c", bearer_token_prefix: "api-key" }, { path: "rel-config.json" }).save();
      });
      for (const file of ["rel.json", "rel-config.json"]) {
        await expect(stat(path.join(other.dir, file))).rejects.toThrow(/ENOENT/);
        expect(await stat(path.join(dir, file))).toBeTruthy();
      }
    } finally {
      setDefaultKernel(previous);
      await other.cleanup();
    }
  });

  test("setStorageProvider(null) returns an object to the default provider", async () => {
    const kernel = createKernel({ plugins: [staticKeyPlugin], homeDir: () => path.join(dir, "kernel-home") });
    const credential = new FileBackedApiKey({ api_key: "PLAK-n", bearer_token_prefix: "Bearer" }, "null.json", kernel.services.storage);
    credential.setStorageProvider(null);
    await withEnv({ HOME: dir }, () => credential.save());
    expect(JSON.parse(await readFile(path.join(dir, "null.json"), "utf8"))).toEqual({ api_key: "PLAK-n", bearer_token_prefix: "Bearer" });
    await expect(stat(path.join(dir, "kernel-home", "null.json"))).rejects.toThrow(/ENOENT/);
  });

  test("a config built with a kernel saves through that kernel's provider", async () => {
    const kernel = createKernel({ plugins: [staticKeyPlugin], homeDir: () => dir });
    const config = new StaticApiKeyAuthClientConfig({ api_key: "PLAK-c", bearer_token_prefix: "api-key" }, { kernel, path: "conf.json" });
    await config.save();
    expect(JSON.parse(await readFile(path.join(dir, "conf.json"), "utf8"))).toMatchObject({ client_type: "static_apikey", api_key: "PLAK-c" });
  });
});
