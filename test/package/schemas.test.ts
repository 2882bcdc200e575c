/**
 * The shipped editor schemas as an editor or a consumer's own validator uses them: every file of
 * schemas/ loaded into one ajv by its `$id` (a file name), sample profiles checked through the
 * auth_client.json dispatcher and through the planetauth config-file schema. (What they refuse
 * compared with the library: test/plugins/editor-schemas.test.ts.)
 */
import { beforeAll, describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import type { Ajv2020, ValidateFunction } from "ajv/dist/2020.js";
import { createAjv } from "../../src/kernel/config-validation.js";
import { repoRoot } from "./support/installed-copy.js";

type Schema = Record<string, unknown> & { $id: string; properties?: Record<string, { description?: string }> };
const dir = path.join(repoRoot, "schemas");
const files = readdirSync(dir).filter((f) => f.endsWith(".schema.json")).sort(); // not runtime/: the library's own
const schemas = new Map(files.map((f) => [f, JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Schema]));

let ajv: Ajv2020;
let authClient: ValidateFunction;
let configFile: ValidateFunction;
beforeAll(() => {
  ajv = createAjv();
  for (const schema of schemas.values()) ajv.addSchema(schema);
  authClient = ajv.getSchema("auth_client.schema.json")!;
  configFile = ajv.getSchema("planetauth-config.schema.json")!;
});

const clientTypeFiles = files.filter((f) => !["auth_client.schema.json", "planetauth-config.schema.json", "plugin-manifest.schema.json"].includes(f));

describe("the auth_client.json dispatcher", () => {
  test.each([
    ["static_apikey", { client_type: "static_apikey", api_key: "k", bearer_token_prefix: "api-key" }],
    ["planet_legacy", { client_type: "planet_legacy", legacy_auth_endpoint: "https://api.example.com/v0/auth/login" }],
    ["none", { client_type: "none" }],
    ["oidc_client_credentials_secret", { client_type: "oidc_client_credentials_secret", auth_server: "https://login.example.com/", client_id: "c", client_secret: "s", scopes: ["a"] }],
    ["oidc_auth_code", { client_type: "oidc_auth_code", auth_server: "https://login.example.com/", client_id: "c", local_redirect_uri: "http://localhost:8080", $schema: "./auth_client.schema.json" }],
    ["oidc_client_validator without client_id (the config class fills it in)", { client_type: "oidc_client_validator", auth_server: "https://login.example.com/" }],
    ["a profile with keys of no built-in meaning (kept, as the library keeps them)", { client_type: "none", _comment: "c", limits: { "10": 10 } }],
  ])("accepts a valid %s profile", (_what, profile) => {
    expect(authClient(profile) ? [] : authClient.errors).toEqual([]);
  });

  test.each([
    ["oidc_client_credentials_secret without client_secret", { client_type: "oidc_client_credentials_secret", auth_server: "https://login.example.com/", client_id: "c" }, "client_secret"],
    ["oidc_auth_code without a redirect URI", { client_type: "oidc_auth_code", auth_server: "https://login.example.com/", client_id: "c" }, "redirect_uri"],
    ["planet_legacy without its endpoint", { client_type: "planet_legacy" }, "legacy_auth_endpoint"],
    ["a profile without client_type", { api_key: "k" }, "client_type"],
    ["a misspelt client_type", { client_type: "oidc_auth_cod", auth_server: "https://login.example.com/", client_id: "c" }, "client_type"],
    ["a client_type no built-in plugin registers", { client_type: "acme_hmac", key_id: "k1" }, "client_type"],
    ["scopes as a string", { client_type: "oidc_device_code", auth_server: "https://login.example.com/", client_id: "c", scopes: "a b" }, "scopes"],
    ["a blank auth_server", { client_type: "oidc_device_code", auth_server: " ", client_id: "c" }, "auth_server"],
    ["client_secret as a number", { client_type: "oidc_client_credentials_secret", auth_server: "https://login.example.com/", client_id: "c", client_secret: 42 }, "client_secret"],
  ])("rejects %s, through that type's own schema", (_what, profile, key) => {
    expect(authClient(profile)).toBe(false);
    expect(JSON.stringify(authClient.errors)).toContain(key);
  });

  test("names every built-in client type, so editors can complete client_type", () => {
    const builtIn = clientTypeFiles.map((f) => schemas.get(f)!.$id.replace(/\.schema\.json$/, "")).sort();
    const clientType = schemas.get("auth_client.schema.json")!.properties!.client_type as { enum: string[] };
    expect([...clientType.enum].sort()).toEqual(builtIn);
    expect(builtIn).toHaveLength(15);
  });
});

describe("the planetauth config-file schema", () => {
  const m2m = { client_type: "oidc_client_credentials_secret", auth_server: "https://login.example.com/", client_id: "c", client_secret: "s" };

  test("checks each profile through the dispatcher; a plugin's client type only when the file names plugins", () => {
    const ok = { $schema: "./node_modules/planet-auth/schemas/planetauth-config.schema.json", plugins: ["./acme.js"], defaultProfile: "m2m", profiles: {
      m2m, acme: { client_type: "acme_hmac", key_id: "k1" },
    } };
    expect(configFile(ok) ? [] : configFile.errors).toEqual([]);
    expect(configFile({ profiles: { m2m, acme: { client_type: "acme_hmac", key_id: "k1" } } })).toBe(false);
    expect(configFile.errors!.some((e) => e.instancePath === "/profiles/acme/client_type")).toBe(true);
    expect(configFile({ plugins: ["./acme.js"], profiles: { legacy: { client_type: "planet_legacy" } } })).toBe(false);
    expect(configFile.errors!.some((e) => e.instancePath.startsWith("/profiles/legacy"))).toBe(true);
  });

  test("refuses an unknown top-level key, as config discovery does", () => {
    expect(configFile({ profiles: { m2m }, default_profile: "m2m" })).toBe(false);
    expect(configFile.errors).toEqual([expect.objectContaining({ keyword: "additionalProperties", params: { additionalProperty: "default_profile" } })]);
  });
});

describe("every schema file", () => {
  test("has its own file name as $id, so $refs resolve to sibling files in the package", () => {
    for (const [file, schema] of schemas) expect(schema.$id).toBe(file);
    const refs = [...files.flatMap((f) => [...readFileSync(path.join(dir, f), "utf8").matchAll(/"\$ref": "([^"#]*)(#[^"]*)?"/g)])].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(15);
    for (const ref of refs) if (ref) expect(files).toContain(ref);
  });

  test("describes every property", () => {
    const undescribed = [...schemas].flatMap(([file, s]) =>
      Object.entries(s.properties ?? {}).filter(([, p]) => !p.description).map(([key]) => `${file}#${key}`));
    expect(undescribed).toEqual([]);
  });
});
