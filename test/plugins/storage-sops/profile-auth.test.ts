/**
 * SOPS-encrypted profiles used end to end through Auth: the `.sops.json` files take priority over
 * the cleartext ones, saves re-encrypt them, and no cleartext file is ever written beside them.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import {
  Auth, createKernel, createStorageSopsPlugin, legacyPlugin, nonePlugin, saveProfileConfig, staticKeyPlugin, type AuthKernel,
} from "../../../src/index.js";
import { resolveProfileConfigFile, resolveProfileTokenFile } from "../../../src/kernel/index.js";
import { startPlanetApiServer, type PlanetApiServer } from "../../../examples/support/planet-api-server.js";
import { makeTempDir } from "../../support/temp-dir.js";

const EMAIL = "sops@example.com";
const PASSWORD = "pa55-w0rd-for-sops-test";
const API_KEY = "PLAK-sops-secret-key-42";

let api: PlanetApiServer;
let home: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
let identity: string;
let recipient: string;

beforeAll(async () => {
  api = await startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } });
  identity = await generateIdentity();
  recipient = await identityToRecipient(identity);
});
afterAll(() => api.close());
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  const sops = createStorageSopsPlugin({ env: { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: recipient }, homeDir: home, sopsBinary: false });
  kernel = createKernel({ plugins: [legacyPlugin, staticKeyPlugin, nonePlugin, sops], homeDir: () => home });
});
afterEach(() => cleanup());

const read = (key: string) => fs.readFile(path.join(home, key), "utf8");

describe("SOPS-encrypted profiles through Auth", () => {
  test("a profile whose config and token are .sops.json: login writes the token encrypted, a new context reuses it", async () => {
    const storage = kernel.services.storage;
    await storage.saveObj(".planet/work/auth_client.sops.json", { client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl });
    await storage.saveObj(".planet/work/token.sops.json", { key: "placeholder-key" });
    expect(await resolveProfileConfigFile("work", storage, kernel.profileFileNames())).toBe(".planet/work/auth_client.sops.json");
    expect(await resolveProfileTokenFile("Work", storage, kernel.profileFileNames())).toBe(".planet/work/token.sops.json");

    const auth = await Auth.initializeFromProfile("Work", { kernel });
    expect(auth.profileName()).toBe("work");
    expect(auth.tokenFilePath()).toBe(".planet/work/token.sops.json");
    await auth.login({ username: EMAIL, password: PASSWORD });

    const raw = await read(".planet/work/token.sops.json");
    expect(raw).not.toContain(API_KEY);
    expect(JSON.parse(raw).sops.age[0].recipient).toBe(recipient);
    expect(await fs.readdir(path.join(home, ".planet/work"))).toEqual(["auth_client.sops.json", "token.sops.json"]);

    const again = await Auth.initializeFromProfile("work", { kernel });
    expect((await again.requestAuthenticator().authorizationHeaders()).Authorization).toBe(`api-key ${API_KEY}`);
    expect(api.logins.filter((e) => e === EMAIL)).toHaveLength(1);
  });

  test("saving a profile config never writes a cleartext file beside an existing .sops.json (gap S6)", async () => {
    const storage = kernel.services.storage;
    await storage.saveObj(".planet/keyed/auth_client.sops.json", { client_type: "static_apikey", api_key: "old-key" });
    const config = kernel.configFromDict({ client_type: "static_apikey", api_key: "new-secret-key", bearer_token_prefix: "api-key" });
    const written = await saveProfileConfig("keyed", config, storage);
    expect(written).toBe(".planet/keyed/auth_client.sops.json");
    expect(await fs.readdir(path.join(home, ".planet/keyed"))).toEqual(["auth_client.sops.json"]);
    expect(await read(written)).not.toContain("new-secret-key");

    const auth = await Auth.initializeFromProfile("keyed", { kernel, tokenFile: null });
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("api-key new-secret-key");
  });

  test("without .sops.json files, the cleartext names are used", async () => {
    const config = kernel.configFromDict({ client_type: "none" });
    expect(await saveProfileConfig("plain", config)).toBe(".planet/plain/auth_client.json");
    const auth = await Auth.initializeFromProfile("plain", { kernel });
    expect(auth.tokenFilePath()).toBe(".planet/plain/token.json");
  });

  test("an encrypted token file that cannot be decrypted is reported with its path and left untouched", async () => {
    const storage = kernel.services.storage;
    await storage.saveObj(".planet/locked/auth_client.json", { client_type: "static_apikey" });
    await storage.saveObj(".planet/locked/token.sops.json", { api_key: "k", bearer_token_prefix: "Bearer" });
    const before = await read(".planet/locked/token.sops.json");
    const stranger = createStorageSopsPlugin({ env: { SOPS_AGE_KEY: await generateIdentity() }, homeDir: home, sopsBinary: false });
    const otherKernel = createKernel({ plugins: [staticKeyPlugin, stranger], homeDir: () => home });
    const auth = await Auth.initializeFromProfile("locked", { kernel: otherKernel });
    const err = await auth.requestAuthenticator().authorizationHeaders().catch((e: unknown) => e);
    expect((err as Error).message).toContain(path.join(home, ".planet/locked/token.sops.json"));
    expect((err as { code: string }).code).toMatch(/^ERR_SOPS/);
    expect(await read(".planet/locked/token.sops.json")).toBe(before);
  });
});
