/**
 * What third-party plugins contribute through the public plugin API: storage formats that claim
 * profile file names (profile lookup asks them), and client type schemas whose `x-secret` fields,
 * with the plugin's runtime secret names, are what logs and the kernel's redaction hide.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  Auth, AuthClientConfig, AuthLogger, FileStorageProvider, PluginException, createKernel, createStorageSopsPlugin,
  nonePlugin, profileConfigFileForWrite, saveProfileConfig, staticKeyPlugin, type StorageFormat,
} from "../../src/index.js";
import { resolveProfileConfigFile } from "../../src/kernel/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { captureLogger } from "../support/capture-logger.js";
import { InertClient } from "../support/generic-plugin.js";
import { makeTempDir } from "../support/temp-dir.js";

const rot13 = (text: string) => text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));

/** A toy "encrypted" format: `*.rot.json`, offering its own profile files. */
const rotFormat: StorageFormat = {
  name: "rot13",
  matches: (key) => key.endsWith(".rot.json"),
  profileFiles: { config: ["auth_client.rot.json"], token: ["token.rot.json"] },
  decode: async (text) => JSON.parse(rot13(text)),
  encode: async (data) => rot13(JSON.stringify(data)),
};
const rotPlugin = definePlugin({ name: "acme/rot13", version: "1.0.0", storageFormats: [rotFormat] });

let home: { dir: string; cleanup(): Promise<void> };
beforeEach(async () => {
  home = await makeTempDir();
});
afterEach(async () => {
  await home.cleanup();
});

describe("storage formats claim their profile file names", () => {
  test("a third-party format's profile files are found by profile lookup, before the cleartext ones", async () => {
    const kernel = createKernel({ plugins: [nonePlugin, staticKeyPlugin, rotPlugin], homeDir: () => home.dir });
    expect(kernel.profileFileNames()).toEqual({ config: ["auth_client.rot.json", "auth_client.json"], token: ["token.rot.json", "token.json"] });
    const storage = kernel.services.storage;
    await storage.saveObj(".planet/acme/auth_client.json", { client_type: "static_apikey", api_key: "cleartext-key", bearer_token_prefix: "api-key" });
    await storage.saveObj(".planet/acme/auth_client.rot.json", { client_type: "static_apikey", api_key: "rot-key", bearer_token_prefix: "api-key" });
    expect(await fs.readFile(path.join(home.dir, ".planet/acme/auth_client.rot.json"), "utf8")).not.toContain("rot-key");

    expect(await resolveProfileConfigFile("acme", storage, kernel.profileFileNames())).toBe(".planet/acme/auth_client.rot.json");
    const auth = await Auth.initializeFromProfile("acme", { kernel, tokenFile: null });
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("api-key rot-key");
  });

  test("every write of a profile's config goes to its existing file of the highest priority; a new one to the file asked for", async () => {
    const kernel = createKernel({ plugins: [nonePlugin, staticKeyPlugin, rotPlugin], homeDir: () => home.dir });
    const storage = kernel.services.storage;
    const names = kernel.profileFileNames();
    expect(await profileConfigFileForWrite("fresh", storage, names)).toBe(".planet/fresh/auth_client.json");
    expect(await profileConfigFileForWrite("Fresh", storage, names, "auth_client.rot.json")).toBe(".planet/fresh/auth_client.rot.json");
    await expect(profileConfigFileForWrite("fresh", storage, names, "auth_client.sops.json")).rejects.toThrow(/not a profile config file name a registered storage format offers/);

    await storage.saveObj(".planet/enc/auth_client.rot.json", { client_type: "none" });
    expect(await profileConfigFileForWrite("enc", storage, names)).toBe(".planet/enc/auth_client.rot.json");
    const written = await saveProfileConfig("enc", kernel.configFromDict({ client_type: "static_apikey", api_key: "new-key", bearer_token_prefix: "api-key" }));
    expect(written).toBe(".planet/enc/auth_client.rot.json");
    expect(await fs.readdir(path.join(home.dir, ".planet/enc"))).toEqual(["auth_client.rot.json"]);
    expect(await storage.loadObj(written)).toMatchObject({ api_key: "new-key" });

    await storage.saveObj(".planet/plain/auth_client.json", { client_type: "none" });
    await expect(profileConfigFileForWrite("plain", storage, names, "auth_client.rot.json")).rejects.toThrow(
      /already has the config file ~\/\.planet\/plain\/auth_client\.json; writing auth_client\.rot\.json would leave it beside the new file/,
    );
  });

  test("without the format registered, its profile files are not looked for", async () => {
    const kernel = createKernel({ plugins: [nonePlugin, staticKeyPlugin], homeDir: () => home.dir });
    await kernel.services.storage.saveObj(".planet/acme/auth_client.rot.json", { client_type: "none" });
    expect(await resolveProfileConfigFile("acme", kernel.services.storage, kernel.profileFileNames())).toBe(".planet/acme/auth_client.json");
  });

  test("a format may offer only file names it handles", () => {
    const bad = { ...rotFormat, profileFiles: { config: ["auth_client.json"] } };
    expect(() => definePlugin({ name: "acme/bad", version: "1.0.0", storageFormats: [bad] })).toThrow(PluginException);
    expect(() => definePlugin({ name: "acme/bad", version: "1.0.0", storageFormats: [bad] })).toThrow(/storageFormats\.0\.profileFiles: "auth_client\.json"/);
  });

  test("a key the encrypted format does not claim (a bare `.sops.json`) is stored as plain JSON, read and written alike", async () => {
    const kernel = createKernel({ plugins: [createStorageSopsPlugin({ env: {}, homeDir: home.dir })], homeDir: () => home.dir });
    const storage = kernel.services.storage;
    await storage.saveObj(".planet/x/.sops.json", { a: 1 });
    expect(JSON.parse(await fs.readFile(path.join(home.dir, ".planet/x/.sops.json"), "utf8"))).toEqual({ a: 1 });
    expect(await storage.loadObj(".planet/x/.sops.json")).toEqual({ a: 1 });
  });
});

describe("redaction comes from the schemas and the plugins' secret names", () => {
  class VaultConfig extends AuthClientConfig {
    static override readonly clientType = "acme_vault";
  }
  const vaultPlugin = definePlugin({
    name: "acme/vault",
    version: "1.0.0",
    secretNames: ["vault_nonce"],
    clientTypes: [{
      clientType: "acme_vault",
      schema: {
        $id: "https://acme.example/schemas/acme_vault.schema.json",
        type: "object",
        properties: {
          client_type: { const: "acme_vault" },
          vault_url: { type: "string" },
          vault_pin: { type: "string", "x-secret": true },
          nested: { type: "object", properties: { recovery_code: { type: "string", "x-secret": true } } },
        },
      },
      configClass: VaultConfig,
      clientClass: InertClient,
      meta: { displayName: "Vault", description: "A third-party client type" },
    }],
  });

  test("a third-party schema's x-secret fields and runtime secret names are redacted; other fields are kept", () => {
    const kernel = createKernel({ plugins: [vaultPlugin] });
    const config = { client_type: "acme_vault", vault_url: "https://vault", vault_pin: "1234", nested: { recovery_code: "rc" }, vault_nonce: "n" };
    expect(kernel.redact(config)).toEqual({
      client_type: "acme_vault", vault_url: "https://vault", vault_pin: "<redacted>", nested: { recovery_code: "<redacted>" }, vault_nonce: "<redacted>",
    });
    expect(createKernel({ plugins: [nonePlugin] }).redact(config)).toEqual(config);
  });

  test("the kernel's logger redacts structured fields with the kernel's secret names", () => {
    const host = captureLogger();
    const kernel = createKernel({ plugins: [vaultPlugin], services: { logger: new AuthLogger(host) } });
    kernel.services.logger.info("vault opened", { fields: { vault: { vault_url: "https://vault", vault_pin: "1234" } } });
    expect(host.text()).toContain('"vault_url":"https://vault"');
    expect(host.text()).toContain('"vault_pin":"<redacted>"');
    expect(host.text()).not.toContain("1234");
  });
});

test("the file provider's lock: withLock serialises work on one key", async () => {
  const storage = new FileStorageProvider({ homeDir: () => home.dir });
  const order: string[] = [];
  const work = (name: string) => storage.withLock(".planet/p/token.json", async () => {
    order.push(`${name} in`);
    await new Promise((r) => setTimeout(r, 30));
    order.push(`${name} out`);
  });
  await Promise.all([work("a"), work("b")]);
  expect(order).toEqual(order[0] === "a in" ? ["a in", "a out", "b in", "b out"] : ["b in", "b out", "a in", "a out"]);
  await expect(fs.readdir(path.join(home.dir, ".planet/p"))).resolves.toEqual([]);
});
