/**
 * The client-type table is the one description of the 12 OIDC types: the seed-named classes, the
 * plugin's contributions and the generated JSON Schemas must all say what the table says.
 */
import { describe, expect, test } from "@jest/globals";
import { readFileSync, readdirSync } from "node:fs";
import { createKernel, type JsonObject } from "../../../src/kernel/index.js";
import {
  AuthCodeAuthClient, AuthCodeClientConfig, AuthCodeWithClientSecretClientConfig, ClientCredentialsClientSecretAuthClient,
  OIDC_CLIENT_COMPOSITIONS, OIDC_CLIENT_TYPE_TABLE, OIDC_SHARED_KEYS, OidcAuthClient, OidcAuthClientConfig, clientSecretBasicAuth, clientSecretPostAuth, oidcPlugin,
} from "../../../src/plugins/oidc/index.js";

function schemaFile(name: string): JsonObject {
  return JSON.parse(readFileSync(new URL(`../../../schemas/${name}.schema.json`, import.meta.url), "utf8")) as JsonObject;
}

/** The `[a, b]` pairs of a schema's "one of a or b is required" rules. */
function oneOfPairs(schema: JsonObject): string[][] {
  const rules = (schema.allOf as JsonObject[] | undefined) ?? (schema.anyOf ? [schema] : []);
  return rules.map((rule) => (rule.anyOf as JsonObject[]).map((branch) => (branch.required as string[])[0]!)).sort();
}

describe("the OIDC client-type table", () => {
  test("both generated schemas of every type (the run time's and the editors') say what its row says", () => {
    for (const row of OIDC_CLIENT_TYPE_TABLE) {
      const keys = { ...OIDC_SHARED_KEYS, ...row.schema.keys };
      const required = Object.keys(keys).filter((k) => keys[k]!.required);
      for (const [variant, schema] of [["runtime", schemaFile(`runtime/${row.clientType}`)], ["editor", schemaFile(row.clientType)]] as const) {
        const properties = schema.properties as Record<string, JsonObject>;
        expect({ variant, clientType: row.clientType, title: schema.title }).toEqual({ variant, clientType: row.clientType, title: row.meta.displayName });
        expect(properties.client_type).toMatchObject({ const: row.clientType });
        expect(Object.keys(properties)).toEqual(["client_type", ...Object.keys(keys)]);
        for (const [name, spec] of Object.entries(keys)) {
          expect({ name, description: properties[name]!.description }).toEqual({ name, description: spec.description });
          expect({ name, secret: properties[name]!["x-secret"] === true }).toEqual({ name, secret: spec.secret === true });
        }
        // The editor schema does not require a key the config class fills in (the validator's client_id).
        const expected = variant === "runtime" ? required : required.filter((k) => keys[k]!.default === undefined);
        expect(schema.required).toEqual(["client_type", ...expected]);
        expect(oneOfPairs(schema)).toEqual(row.schema.oneOf.map((pair) => [...pair]).sort());
      }
    }
  });

  test("every OIDC schema file has a row, and every row a schema file", () => {
    for (const dir of ["../../../schemas/", "../../../schemas/runtime/"]) {
      const oidcSchemas = readdirSync(new URL(dir, import.meta.url))
        .filter((name) => name.startsWith("oidc_"))
        .map((name) => name.replace(/\.schema\.json$/, ""));
      expect(oidcSchemas.sort()).toEqual(OIDC_CLIENT_TYPE_TABLE.map((row) => row.clientType).sort());
    }
  });

  test("the plugin contributes exactly the table's rows, in order, with their meta and classes (each client class loaded when first needed)", async () => {
    const kernel = createKernel({ plugins: [oidcPlugin] });
    expect(Object.keys(OIDC_CLIENT_COMPOSITIONS).sort()).toEqual(OIDC_CLIENT_TYPE_TABLE.map((row) => row.clientType).sort());
    const registered = kernel.clientTypes();
    expect(registered.map((ct) => ct.clientType)).toEqual(OIDC_CLIENT_TYPE_TABLE.map((row) => row.clientType));
    for (const row of OIDC_CLIENT_TYPE_TABLE) {
      const { meta } = kernel.clientType(row.clientType);
      expect(meta).toMatchObject({ displayName: row.meta.displayName, description: row.meta.description, configHints: row.meta.configHints });
      expect(meta.configClass).toBe(row.configClass);
      const { clientClass } = OIDC_CLIENT_COMPOSITIONS[row.clientType as keyof typeof OIDC_CLIENT_COMPOSITIONS];
      expect(await meta.loadAuthClientClass()).toBe(clientClass);
      expect(meta.authClientClass).toBe(clientClass);
    }
    expect(kernel.clientType("oidc_device_code_secret").meta.description).toBe(
      "OAuth2 Device Code Flow for a confidential client using a shared client secret for authentication.",
    );
  });

  test("the seed-named classes keep their names, static clientType and instanceof; the client gets its row's composition", async () => {
    expect(AuthCodeClientConfig.name).toBe("AuthCodeClientConfig");
    expect(AuthCodeClientConfig.clientType).toBe("oidc_auth_code");
    expect(AuthCodeWithClientSecretClientConfig.clientType).toBe("oidc_auth_code_secret");
    const kernel = createKernel({ plugins: [oidcPlugin] });
    const config = kernel.configFromDict({ client_type: "oidc_auth_code", auth_server: "https://as.example.test", client_id: "c", redirect_uri: "https://c.example.test/cb" });
    expect(config).toBeInstanceOf(AuthCodeClientConfig);
    expect(config).toBeInstanceOf(OidcAuthClientConfig);
    const client = await kernel.clientFromConfig(config);
    expect(client).toBeInstanceOf(AuthCodeAuthClient);
    expect(client).toBeInstanceOf(OidcAuthClient);
    expect((client as OidcAuthClient).flow.name).toBe("authorization code");
    expect(ClientCredentialsClientSecretAuthClient.composition).toMatchObject({ clientAuth: clientSecretBasicAuth, loginClientAuth: clientSecretPostAuth });
  });
});
