import { describe, expect, test } from "@jest/globals";
import {
  AuthClientConfigException, AuthClientException, CLOCK, PluginException, createDefaultKernel, createKernel,
  nonePlugin, staticKeyPlugin, type Clock,
} from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { InertClient, configClassFor, schemaOnlyPlugin } from "../support/generic-plugin.js";

describe("definePlugin", () => {
  test("accepts a well-formed plugin and freezes it", () => {
    const p = schemaOnlyPlugin("ok", ["none"]);
    expect(Object.isFrozen(p)).toBe(true);
  });

  test("a client type is declared once: the contribution's clientType defaults to the config class's static", () => {
    const p = definePlugin({
      name: "once",
      version: "1.0.0",
      clientTypes: [{
        schema: { $id: "urn:test:once", type: "object", properties: { client_type: { const: "once_type" } } },
        configClass: configClassFor("once_type") as never,
        clientClass: InertClient,
        meta: { displayName: "Once", description: "" },
      }],
    });
    expect(p.clientTypes?.map((ct) => ct.clientType)).toEqual(["once_type"]);
    const kernel = createKernel({ plugins: [p] });
    expect(kernel.clientTypes().map((t) => t.clientType)).toEqual(["once_type"]);
    expect(kernel.configFromDict({ client_type: "once_type" }).clientType()).toBe("once_type");
  });

  test("a client class given as loadClientClass is loaded when the first client is built, once, and never to list or validate configs", async () => {
    let loads = 0;
    const p = definePlugin({
      name: "lazy",
      version: "1.0.0",
      clientTypes: [{
        schema: { $id: "urn:test:lazy", type: "object", properties: { client_type: { const: "lazy_type" } } },
        configClass: configClassFor("lazy_type") as never,
        loadClientClass: async () => {
          loads++;
          return InertClient;
        },
        meta: { displayName: "Lazy", description: "" },
      }],
    });
    const kernel = createKernel({ plugins: [p] });
    kernel.validateConfigData("lazy_type", { client_type: "lazy_type" });
    const config = kernel.configFromDict({ client_type: "lazy_type" });
    expect(kernel.clientType("lazy_type").meta.authClientClass).toBeUndefined();
    expect(loads).toBe(0);
    const [a, b] = await Promise.all([kernel.clientFromConfig(config), kernel.clientFromConfig(config)]);
    expect(a).toBeInstanceOf(InertClient);
    expect(b).toBeInstanceOf(InertClient);
    expect(loads).toBe(1);
    expect(kernel.clientType("lazy_type").meta.authClientClass).toBe(InertClient);
  });

  test("a client type gives exactly one of clientClass and loadClientClass; a loader that gives no class fails the build of the client, naming the plugin", async () => {
    const contribution = (more: object) => ({
      schema: { $id: "urn:test:one-of", type: "object" }, configClass: configClassFor("one_of") as never, meta: { displayName: "One", description: "" }, ...more,
    });
    expect(() => definePlugin({ name: "neither", version: "1.0.0", clientTypes: [contribution({})] })).toThrow("clientTypes.0: needs a clientClass or a loadClientClass");
    expect(() => definePlugin({ name: "both", version: "1.0.0", clientTypes: [contribution({ clientClass: InertClient, loadClientClass: async () => InertClient })] }))
      .toThrow("clientTypes.0: give clientClass or loadClientClass, not both");
    const kernel = createKernel({ plugins: [definePlugin({ name: "empty", version: "1.0.0", clientTypes: [contribution({ loadClientClass: async () => undefined as never })] })] });
    await expect(kernel.clientFromConfig(kernel.configFromDict({ client_type: "one_of" }))).rejects.toThrow('Plugin "empty": loadClientClass of client_type "one_of" gave no class');
  });

  test("refuses a malformed manifest, naming the plugin and every problem", () => {
    const bad = () =>
      definePlugin({
        name: "broken",
        version: "one",
        clientTypes: [
          {
            clientType: "Bad-Type",
            schema: { type: "object" },
            configClass: configClassFor("other") as never,
            clientClass: "not a class" as never,
            meta: { displayName: "", description: "x" },
          },
        ],
      });
    expect(bad).toThrow(PluginException);
    let message = "";
    try {
      bad();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('Invalid plugin "broken"');
    expect(message).toContain("version");
    expect(message).toContain("clientTypes.0.clientType");
    expect(message).toContain("clientTypes.0.schema.$id: is required");
    expect(message).toContain("clientTypes.0.meta.displayName");
    expect(message).toContain("clientTypes.0.clientClass: must be a class");
    expect(message).toContain('static clientType "other" differs from "Bad-Type"');
  });
});

describe("AuthKernel registry", () => {
  test("lists client types in registration order with their meta", () => {
    const kernel = createDefaultKernel();
    const types = kernel.clientTypes();
    // The reference's registry order (config.md §2).
    expect(types.map((t) => t.clientType)).toEqual([
      "oidc_auth_code", "oidc_auth_code_pubkey", "oidc_auth_code_secret", "oidc_client_credentials_pubkey",
      "oidc_client_credentials_secret", "oidc_device_code", "oidc_device_code_secret", "oidc_device_code_pubkey",
      "oidc_resource_owner", "oidc_resource_owner_pubkey", "oidc_resource_owner_secret", "oidc_client_validator",
      "planet_legacy", "static_apikey", "none",
    ]);
    const staticKey = types.find((t) => t.clientType === "static_apikey")!;
    expect(staticKey.plugin).toBe("planet-auth/static-key");
    expect(staticKey.meta.displayName).toBe("API Key");
    expect(staticKey.meta.description).toBe("Static API key authentication.");
    expect(staticKey.meta.configHints.map((h) => h.configKey)).toEqual(["api_key", "bearer_token_prefix"]);
  });

  test("refuses a duplicate client_type, naming both plugins", () => {
    const kernel = createKernel({ plugins: [nonePlugin] });
    const impostor = schemaOnlyPlugin("impostor", ["none"]);
    expect(() => kernel.use(impostor)).toThrow(
      'Plugin "impostor" contributes client_type "none", already registered by plugin "planet-auth/none"',
    );
    expect(kernel.clientTypes()).toHaveLength(1);
  });

  test("refuses registering the same plugin twice", () => {
    const kernel = createKernel({ plugins: [nonePlugin] });
    expect(() => kernel.use(nonePlugin)).toThrow(PluginException);
  });

  test("an unknown or absent client_type names the value and lists the registered types", () => {
    const kernel = createDefaultKernel();
    expect(() => kernel.configFromDict({ client_type: "oidc_magic" })).toThrow(AuthClientException);
    expect(() => kernel.configFromDict({ client_type: "oidc_magic" })).toThrow(
      /client_type "oidc_magic".*registered client types: oidc_auth_code, .*, planet_legacy, static_apikey, none/,
    );
    expect(() => kernel.configFromDict({ api_key: "k" })).toThrow(/does not understand client_type undefined/);
    expect(() => kernel.configFromDict({})).toThrow(/must not be empty/);
    expect(() => kernel.configFromDict(null)).toThrow(/must not be empty/);
  });

  test("configFromDict builds the registered class without type-specific validation; clientFromConfig validates", async () => {
    const kernel = createDefaultKernel();
    const config = kernel.configFromDict({ client_type: "planet_legacy" });
    expect(config.clientType()).toBe("planet_legacy");
    await expect(kernel.clientFromConfig(config)).rejects.toThrow(AuthClientConfigException);
    await expect(kernel.clientFromConfig(config)).rejects.toThrow(/planet_legacy.*legacy_auth_endpoint: is required/);
  });

  test("two kernels in one process share nothing", () => {
    const a = createKernel({ plugins: [nonePlugin] });
    const b = createKernel();
    const fixed: Clock = { now: () => 42_000 };
    a.register(CLOCK, fixed);
    expect(a.services.clock.now()).toBe(42_000);
    expect(b.services.clock.now()).not.toBe(42_000);
    expect(a.container).not.toBe(b.container);
    expect(b.clientTypes()).toHaveLength(0);
    b.use(staticKeyPlugin);
    expect(a.clientTypes().map((t) => t.clientType)).toEqual(["none"]);
    expect(a.services.storage).not.toBe(b.services.storage);
    expect(a.services.http).not.toBe(b.services.http);
  });

  test("named storage providers are looked up by name; unknown names are refused", () => {
    const kernel = createKernel();
    expect(() => kernel.storageProvider("vault")).toThrow(/Unknown storage provider "vault"/);
    expect(kernel.storageProvider()).toBe(kernel.services.storage);
  });
});

describe("the seed's static factories use the default kernel with the built-ins", () => {
  test("AuthClientConfig.fromDict, AuthClient.fromConfig and Auth.initializeFromConfigDict need no kernel", async () => {
    const { Auth, AuthClient, AuthClientConfig, StaticApiKeyAuthClient, StaticApiKeyAuthClientConfig, defaultKernel } = await import("../../src/index.js");
    const config = AuthClientConfig.fromDict({ client_type: "static_apikey", api_key: "k" });
    expect(config).toBeInstanceOf(StaticApiKeyAuthClientConfig);
    expect(config.kernel()).toBe(defaultKernel());
    expect(config.meta()).toMatchObject({ clientType: "static_apikey", displayName: "API Key", authClientClass: StaticApiKeyAuthClient });
    expect(await AuthClient.fromConfig(config)).toBeInstanceOf(StaticApiKeyAuthClient);
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k2" });
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("Bearer k2");
    expect(defaultKernel().clientTypes()).toHaveLength(15);
  });

  test("AuthClientConfig.fromFile reads through the default provider and remembers the path for save()", async () => {
    const { AuthClientConfig } = await import("../../src/index.js");
    const { makeTempDir } = await import("../support/temp-dir.js");
    const { writeFile, readFile } = await import("node:fs/promises");
    const tmp = await makeTempDir();
    const file = `${tmp.dir}/auth_client.json`;
    await writeFile(file, JSON.stringify({ client_type: "planet_legacy", legacy_auth_endpoint: "https://x.test/login", _comment: "kept" }));
    const config = await AuthClientConfig.fromFile(file);
    expect(config.path()).toBe(file);
    config.updateData({ api_key: "new" });
    await config.save();
    expect(JSON.parse(await readFile(file, "utf8"))).toEqual({
      _comment: "kept", api_key: "new", client_type: "planet_legacy", legacy_auth_endpoint: "https://x.test/login",
    });
    await tmp.cleanup();
  });
});
