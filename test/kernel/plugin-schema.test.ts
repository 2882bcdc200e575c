import "reflect-metadata";
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigDiscoveryException, PluginFailureException, PluginSchemaException, createKernel, loadKernel, type AuthKernel,
  type AuthPlugin,
} from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { InertClient, configClassFor } from "../support/generic-plugin.js";
import { makeTempDir } from "../support/temp-dir.js";

function pluginWithSchema(properties: Record<string, unknown>, extra: Record<string, unknown> = {}): AuthPlugin {
  return definePlugin({
    name: "acme-schemas",
    version: "1.0.0",
    clientTypes: [
      {
        clientType: "acme_schema",
        schema: { $id: "https://acme.example/acme_schema.schema.json", type: "object", properties, ...extra },
        configClass: configClassFor("acme_schema") as never,
        clientClass: InertClient,
        meta: { displayName: "ACME", description: "schema checks" },
      },
    ],
  });
}

function schemaFailure(kernel: AuthKernel, plugin: AuthPlugin): PluginSchemaException {
  try {
    kernel.use(plugin);
  } catch (e) {
    return e as PluginSchemaException;
  }
  throw new Error("expected use() to fail");
}

describe("a plugin's schema is compiled and checked by use()", () => {
  test.each([
    ["a misspelt keyword", { key: { type: "string", minLenght: 1 } }, {}, "minLenght", "/properties/key/minLenght", /unknown keyword/],
    ["an unknown format", { url: { type: "string", format: "urj" } }, {}, "format", "/properties/url/format", /unknown format "urj"/],
    ["a type that does not exist", { n: { type: "int" } }, {}, "type", "/properties/n/type", /must be equal to one of the allowed values/],
    ["an unresolvable $ref", { n: { $ref: "#/$defs/missing" } }, {}, "$ref", "/properties/n/$ref", /cannot resolve/],
    ["an $id that is no URI", {}, { $id: "urn:acme" }, "$id", "/$id", /URN/],
    ["a keyword nested in anyOf", { n: { anyOf: [{ type: "string" }, { tpye: "null" }] } }, {}, "tpye", "/properties/n/anyOf/1/tpye", /unknown keyword/],
  ])("%s fails with ERR_PLUGIN_SCHEMA naming the plugin, the client type, the keyword and its path", (_what, properties, extra, keyword, schemaPath, reason) => {
    const kernel = createKernel();
    const err = schemaFailure(kernel, pluginWithSchema(properties, extra));
    expect(err).toBeInstanceOf(PluginSchemaException);
    expect(err.code).toBe("ERR_PLUGIN_SCHEMA");
    expect(err.plugin).toBe("acme-schemas");
    expect(err.clientType).toBe("acme_schema");
    expect(err.keyword).toBe(keyword);
    expect(err.schemaPath).toBe(schemaPath);
    expect(err.message).toContain(`Plugin "acme-schemas"`);
    expect(err.message).toContain(`client_type "acme_schema"`);
    expect(err.message).toContain(`keyword "${keyword}" at ${schemaPath}`);
    expect(err.message).toMatch(reason);
    // Nothing of the plugin is registered, and the corrected plugin registers on the same kernel.
    expect(kernel.clientTypes()).toEqual([]);
    kernel.use(pluginWithSchema({ key: { type: "string", minLength: 1 } }));
    expect(kernel.clientTypes().map((t) => t.clientType)).toEqual(["acme_schema"]);
  });

  test("formats (uri, email, date-time) validate, and vendor keywords x-… are allowed anywhere", () => {
    const kernel = createKernel({
      plugins: [
        pluginWithSchema(
          {
            endpoint: { type: "string", format: "uri", "x-ui-widget": "url" },
            contact: { type: "string", format: "email" },
            since: { type: "string", format: "date-time" },
            api_key: { type: "string", "x-secret": true },
          },
          { "x-acme-version": 2 },
        ),
      ],
    });
    const ok = { client_type: "acme_schema", endpoint: "https://acme.example/x", contact: "a@acme.example", since: "2026-01-01T00:00:00Z" };
    expect(() => kernel.validateConfigData("acme_schema", ok)).not.toThrow();
    expect(() => kernel.validateConfigData("acme_schema", { ...ok, endpoint: "not a uri" })).toThrow(/endpoint: must match format "uri"/);
    expect(() => kernel.validateConfigData("acme_schema", { ...ok, contact: "nobody" })).toThrow(/contact: must match format "email"/);
  });

  test("two plugins whose schemas share an $id: the second is refused, naming $id", () => {
    const kernel = createKernel({ plugins: [pluginWithSchema({})] });
    const other = definePlugin({ ...pluginWithSchema({ a: { type: "string" } }), name: "acme-other", clientTypes: [
      { ...pluginWithSchema({ a: { type: "string" } }).clientTypes![0]!, clientType: "acme_other", configClass: configClassFor("acme_other") as never },
    ] });
    const err = schemaFailure(kernel, other);
    expect(err.keyword).toBe("$id");
    expect(err.plugin).toBe("acme-other");
  });
});

describe("plugins named by a config file", () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/faulty-plugins/${name}`, import.meta.url));
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(() => cleanup());

  async function load(rc: object): Promise<unknown> {
    await fs.writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify(rc));
    return loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {} }).catch((e: unknown) => e);
  }

  test("a plugin with a bad schema fails as the plugin's failure (file + plugin), not as an invalid profile", async () => {
    const err = await load({
      plugins: [fixture("bad-schema.ts")],
      profiles: { acme: { client_type: "acme_bad_schema", endpoint: "https://acme.example" } },
    });
    expect(err).toBeInstanceOf(PluginSchemaException);
    expect(err).not.toBeInstanceOf(ConfigDiscoveryException);
    expect((err as PluginSchemaException).message).toContain('Plugin "acme-bad-schema"');
    expect((err as PluginSchemaException).message).toContain('keyword "format" at /properties/endpoint/format');
    expect((err as PluginSchemaException).filePath).toBe(path.join(dir, ".planetauthrc.json"));
    expect((err as Error).message).not.toMatch(/Invalid profile/);
  });

  test("a plugin whose code throws while a profile is checked is blamed, with its module and the file", async () => {
    const err = await load({ plugins: [fixture("faulty-rules.ts")], profiles: { acme: { client_type: "acme_faulty" } } });
    expect(err).toBeInstanceOf(PluginFailureException);
    expect((err as PluginFailureException).code).toBe("ERR_PLUGIN_FAILURE");
    expect((err as Error).message).toMatch(/^Plugin "acme-faulty" \(module ".*faulty-rules\.ts"\) failed while checking profile "acme" \(client_type "acme_faulty"\)/);
    expect((err as PluginFailureException).filePath).toBe(path.join(dir, ".planetauthrc.json"));
    expect((err as Error).message).not.toMatch(/Invalid profile/);
  });

  test("invalid data in a profile is still an invalid profile", async () => {
    const err = await load({ profiles: { cc: { client_type: "oidc_client_credentials_secret" } } });
    expect(err).toBeInstanceOf(ConfigDiscoveryException);
  });
});
