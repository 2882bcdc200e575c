import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { createHmac } from "node:crypto";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import got from "got";
import {
  Auth, AuthClientConfigException, ConfigDiscoveryException, PluginException, ProfileException, discoverConfig,
  loadKernel, profilesOf,
} from "../../src/index.js";
import { discoveredProfiles } from "../../src/profiles/index.js";
import { startPlanetApiServer, type PlanetApiServer } from "../../examples/support/planet-api-server.js";
import { PROJECT_SEARCH_PLACES, USER_SEARCH_PLACES } from "../../src/kernel/discovery.js";
import { makeTempDir } from "../support/temp-dir.js";

const PLUGIN_PATH = fileURLToPath(new URL("../fixtures/acme-hmac-plugin/plugin.ts", import.meta.url));
const SECRET = "0123456789abcdef-shared";

let api: PlanetApiServer;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  api = await startPlanetApiServer({});
});
afterAll(() => api.close());
beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const rc = {
  plugins: [PLUGIN_PATH],
  profiles: { Acme: { client_type: "acme_hmac", key_id: "key-1", secret: SECRET }, quiet: { client_type: "none" } },
  defaultProfile: "acme",
};

describe("config discovery", () => {
  test("searches the file names cosmiconfig searches, in its order (listed so that a search finding nothing loads no cosmiconfig)", async () => {
    const cosmiconfig = await import("cosmiconfig");
    expect(PROJECT_SEARCH_PLACES).toEqual(cosmiconfig.getDefaultSearchPlaces("planetauth"));
    expect(USER_SEARCH_PLACES).toEqual(cosmiconfig.globalConfigSearchPlaces);
  });

  test("a third-party plugin named in .planetauthrc.json is registered, validated and used through Auth like a built-in", async () => {
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify(rc));
    const nested = path.join(dir, "a", "b");
    await fs.mkdir(nested, { recursive: true });
    const now = 1_750_000_000_000;
    const kernel = await loadKernel({ searchFrom: nested, stopDir: dir, homeDir: () => dir, services: { clock: { now: () => now }, env: {} } });
    expect(kernel.clientTypes().map((t) => t.clientType).slice(-4)).toEqual(["planet_legacy", "static_apikey", "none", "acme_hmac"]);
    expect(kernel.clientType("acme_hmac").plugin).toBe("acme-hmac");
    expect(await profilesOf(kernel).sources().find((s) => s.name === "discovered")!.names(profilesOf(kernel).lookup())).toEqual(["acme", "quiet"]);

    const auth = await Auth.initializeFromProfile(undefined, { kernel });
    expect(auth.profileName()).toBe("acme");
    expect(auth.tokenFilePath()).toMatch(/^\.planet\/\.discovered\/[0-9a-f]{16}\/acme\/token\.json$/);
    const body = await got.extend(auth.requestAuthenticator().gotHooks()).get(api.echoUrl).json<{ headers: Record<string, string> }>();
    const [scheme, value] = body.headers.authorization!.split(" ");
    const [keyId, ts, signature] = value!.split(":");
    expect(scheme).toBe("ACME-HMAC");
    expect(keyId).toBe("key-1");
    expect(ts).toBe(String(now / 1000));
    expect(signature).toBe(createHmac("sha256", SECRET).update(`key-1:${ts}`).digest("hex"));
    expect(body.headers["x-planet-app"]).toMatch(/^planet-auth-library-ts-/);

    // Validation of the plugin's schema and rules runs exactly as for built-ins.
    const bad = kernel.configFromDict({ client_type: "acme_hmac", key_id: "k", secret: "short" });
    expect(() => bad.check()).toThrow(/Invalid acme_hmac config: secret: must NOT have fewer than 16 characters/);
    const same = kernel.configFromDict({ client_type: "acme_hmac", key_id: "k".repeat(16), secret: "k".repeat(16) });
    expect(() => same.check()).toThrow(AuthClientConfigException);
  });

  test.each([
    [".planetauthrc.yaml", `plugins:\n  - ${PLUGIN_PATH}\nprofiles:\n  acme:\n    client_type: acme_hmac\n    key_id: key-1\n    secret: ${SECRET}\n`],
    ["planetauth.config.mjs", `export default ${JSON.stringify(rc)};`],
    ["package.json", JSON.stringify({ name: "host-app", planetauth: rc })],
  ])("discovers %s", async (file, content) => {
    await fs.writeFile(path.join(dir, file), content);
    const found = await discoverConfig({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} });
    expect(found?.filepath).toBe(path.join(dir, file));
    expect(found?.plugins).toEqual([PLUGIN_PATH]);
    expect(found?.profiles.acme ?? found?.profiles.Acme).toMatchObject({ client_type: "acme_hmac" });
  });

  test("no config file: the kernel has just the built-ins", async () => {
    const kernel = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} });
    expect(kernel.clientTypes()).toHaveLength(15);
    expect(discoveredProfiles(kernel)).toBeUndefined();
    await expect(profilesOf(kernel).resolve("acme")).rejects.toThrow(ProfileException);
  });

  test("relative plugin paths resolve against the config file", async () => {
    const local = path.join(dir, "plugins");
    await fs.mkdir(local);
    await fs.writeFile(path.join(local, "reexport.ts"), `export { plugin } from ${JSON.stringify(PLUGIN_PATH)};\n`);
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify({ plugins: ["./plugins/reexport.ts"] }));
    const kernel = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} });
    expect(kernel.clientType("acme_hmac").plugin).toBe("acme-hmac");
  });

  test.each([
    ["unparsable JSON", ".planetauthrc.json", "{ nope", /Could not load planet-auth configuration/],
    ["a malformed shape", ".planetauthrc.json", JSON.stringify({ plugins: "x", profiles: { p: { no_type: 1 } } }), /plugins: must be array.*client_type: is required/],
    ["an invalid profile", ".planetauthrc.json", JSON.stringify({ profiles: { p: { client_type: "planet_legacy" } } }), /Invalid profile "p".*legacy_auth_endpoint: is required/],
    ["an unknown client type", ".planetauthrc.json", JSON.stringify({ profiles: { p: { client_type: "mystery" } } }), /mystery/],
    ["an unknown default profile", ".planetauthrc.json", JSON.stringify({ profiles: { p: { client_type: "none" } }, defaultProfile: "q" }), /defaultProfile "q" is not one of the configured profiles: p/],
  ])("a bad config file (%s) fails with its path and the reason", async (_what, file, content, reason) => {
    await fs.writeFile(path.join(dir, file), content);
    const err = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigDiscoveryException);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toContain(path.join(dir, file));
  });

  test("a plugin that cannot be imported, or is not a plugin, fails naming the config file", async () => {
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify({ plugins: ["./missing-plugin.js"] }));
    const missing = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(PluginException);
    expect((missing as Error).message).toMatch(/Could not import plugin "\.\/missing-plugin\.js".*\.planetauthrc\.json/);

    await fs.writeFile(path.join(dir, "not-a-plugin.mjs"), "export const something = 1;\n");
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify({ plugins: ["./not-a-plugin.mjs"] }));
    await expect(loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} })).rejects.toThrow(/has no plugin as its default or "plugin" export/);
  });

  test("profile names that would escape the profile directory are refused (gap S9)", async () => {
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify({ profiles: { ok: { client_type: "none" } } }));
    const kernel = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} });
    for (const name of ["../etc", "a/b", ".hidden", "~root", "/abs"]) {
      await expect(profilesOf(kernel).resolve(name)).rejects.toThrow(/Invalid profile name/);
    }
  });
});
