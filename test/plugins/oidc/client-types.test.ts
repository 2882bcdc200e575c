/**
 * The client-type table is the one description of the 12 OIDC types: the seed-named classes, the
 * plugin's contributions and the generated JSON Schemas must all say what the table says.
 */
import { describe, expect, test } from "@jest/globals";
import { readFileSync, readdirSync } from "node:fs";
import { createKernel, type JsonObject } from "../../../src/kernel/index.js";
import {
  AuthCodeAuthClient, AuthCodeClientConfig, AuthCodeWithClientSecretClientConfig, ClientCredentialsClientSecretAuthClient,
  OIDC_CLIENT_TYPE_TABLE, OidcAuthClient, OidcAuthClientConfig, clientSecretBasicAuth, clientSecretPostAuth, oidcPlugin,
} from "../../../src/plugins/oidc/index.js";

const SHARED_OIDC_KEYS = [
  "client_type", "auth_server", "client_id", "scopes", "audiences", "organization", "project_id", "issuer", "authorization_endpoint",
  "device_authorization_endpoint", "introspection_endpoint", "jwks_endpoint", "revocation_endpoint", "userinfo_endpoint", "token_endpoint",
  "authorization_callback_acknowledgement", "authorization_callback_acknowledgement_file", "allow_insecure_http",
];

function schemaFile(clientType: string): JsonObject {
  return JSON.parse(readFileSync(new URL(`../../../schemas/${clientType}.schema.json`, import.meta.url), "utf8")) as JsonObject;
}

/** The `[a, b]` pairs of a schema's "one of a or b is required" rules. */
function oneOfPairs(schema: JsonObject): string[][] {
  const rules = (schema.allOf as JsonObject[] | undefined) ?? (schema.anyOf ? [schema] : []);
  return rules.map((rule) => (rule.anyOf as JsonObject[]).map((branch) => (branch.required as string[])[0]!)).sort();
}

describe("the OIDC client-type table", () => {
  test("the generated schema of every type says what its row says", () => {
    for (const row of OIDC_CLIENT_TYPE_TABLE) {
      const schema = schemaFile(row.clientType);
      const properties = schema.properties as JsonObject;
      expect({ clientType: row.clientType, title: schema.title }).toEqual({ clientType: row.clientType, title: row.meta.displayName });
      expect(properties.client_type).toMatchObject({ const: row.clientType });
      expect(Object.keys(properties).sort()).toEqual([...SHARED_OIDC_KEYS, ...row.schema.properties].sort());
      expect(schema.required).toEqual(["client_type", "auth_server", "client_id", ...row.schema.required]);
      expect(oneOfPairs(schema)).toEqual(row.schema.oneOf.map((pair) => [...pair]).sort());
    }
  });

  test("every OIDC schema file has a row, and every row a schema file", () => {
    const oidcSchemas = readdirSync(new URL("../../../schemas/", import.meta.url))
      .filter((name) => name.startsWith("oidc_"))
      .map((name) => name.replace(/\.schema\.json$/, ""));
    expect(oidcSchemas.sort()).toEqual(OIDC_CLIENT_TYPE_TABLE.map((row) => row.clientType).sort());
  });

  test("the plugin contributes exactly the table's rows, in order, with their meta and classes", () => {
    const kernel = createKernel({ plugins: [oidcPlugin] });
    const registered = kernel.clientTypes();
    expect(registered.map((ct) => ct.clientType)).toEqual(OIDC_CLIENT_TYPE_TABLE.map((row) => row.clientType));
    for (const row of OIDC_CLIENT_TYPE_TABLE) {
      const { meta } = kernel.clientType(row.clientType);
      expect(meta).toMatchObject({ displayName: row.meta.displayName, description: row.meta.description, configHints: row.meta.configHints });
      expect(meta.configClass).toBe(row.configClass);
      expect(meta.authClientClass).toBe(row.clientClass);
    }
    expect(kernel.clientType("oidc_device_code_secret").meta.description).toBe(
      "OAuth2 Devivce Code Flow for a confidential client using a shared client secret for authentication.",
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
