/**
 * The verdict of check() on a broad corpus of configs, each expected value taken from the Python
 * reference's documented rules: presence is truthiness ("", 0, false, null, [] and {} are "not set"),
 * a truthy `audiences` must be a list of exactly one item, and no other key is type-checked.
 */
import { describe, expect, test } from "@jest/globals";
import { AuthClientConfigException, createDefaultKernel, type JsonObject } from "../../src/index.js";
import {
  ClientCredentialsClientSecretClientConfig, DeviceCodeClientConfig, ResourceOwnerClientConfig, type OidcAuthClientConfig,
} from "../../src/plugins/oidc/index.js";
import { PlanetLegacyAuthClientConfig } from "../../src/plugins/legacy/index.js";
import { StaticApiKeyAuthClientConfig } from "../../src/plugins/static-key/index.js";

const kernel = createDefaultKernel();
const AS = "https://login.example.com/";
const oidc = { auth_server: AS, client_id: "abc" };
const FALSY = [["\"\"", ""], ["0", 0], ["false", false], ["null", null], ["[]", []], ["{}", {}]] as const;

type Row = [description: string, clientType: string, dict: JsonObject, valid: boolean];

/** Types with their minimal valid config (beyond client_type) and the keys that must be truthy. */
const TYPES: Array<[clientType: string, minimal: JsonObject, required: string[]]> = [
  ["oidc_auth_code", { ...oidc, redirect_uri: "http://localhost:8080/cb" }, ["auth_server", "client_id"]],
  ["oidc_auth_code_secret", { ...oidc, client_secret: "s", local_redirect_uri: "http://localhost/cb" }, ["auth_server", "client_id", "client_secret"]],
  ["oidc_auth_code_pubkey", { ...oidc, client_privkey_file: "/k.pem", redirect_uri: "http://localhost/cb" }, ["auth_server", "client_id"]],
  ["oidc_device_code", oidc, ["auth_server", "client_id"]],
  ["oidc_device_code_secret", { ...oidc, client_secret: "s" }, ["auth_server", "client_id", "client_secret"]],
  ["oidc_device_code_pubkey", { ...oidc, client_privkey: "PEM" }, ["auth_server", "client_id"]],
  ["oidc_resource_owner", oidc, ["auth_server", "client_id"]],
  ["oidc_resource_owner_secret", { ...oidc, client_secret: "s" }, ["auth_server", "client_id", "client_secret"]],
  ["oidc_resource_owner_pubkey", { ...oidc, client_privkey_file: "k.pem" }, ["auth_server", "client_id"]],
  ["oidc_client_credentials_secret", { ...oidc, client_secret: "s" }, ["auth_server", "client_id", "client_secret"]],
  ["oidc_client_credentials_pubkey", { ...oidc, client_privkey: "PEM" }, ["auth_server", "client_id"]],
  ["oidc_client_validator", { auth_server: AS }, ["auth_server"]],
  ["planet_legacy", { legacy_auth_endpoint: "https://api.example.com/v0/auth/login" }, ["legacy_auth_endpoint"]],
  ["static_apikey", {}, []],
  ["none", {}, []],
];
const OIDC_TYPES = TYPES.filter(([t]) => t.startsWith("oidc_")).map(([t, minimal]) => [t, minimal] as const);

function without(dict: JsonObject, key: string): JsonObject {
  const out = { ...dict };
  delete out[key];
  return out;
}

const rows: Row[] = [];
for (const [ct, minimal, required] of TYPES) {
  rows.push(["the minimal config", ct, minimal, true]);
  rows.push(["unknown keys (_comment, _hidden, foo)", ct, { ...minimal, _comment: "c", _hidden: true, foo: [1, { a: 2 }] }, true]);
  for (const key of required) {
    rows.push([`${key} absent`, ct, without(minimal, key), false]);
    for (const [name, value] of FALSY) rows.push([`${key}: ${name}`, ct, { ...minimal, [key]: value }, false]);
    // Truthy values of any type pass: the reference checks presence only.
    rows.push([`${key}: 42 (truthy, not type-checked)`, ct, { ...minimal, [key]: 42 }, true]);
    rows.push([`${key}: " " (truthy)`, ct, { ...minimal, [key]: " " }, true]);
  }
}
for (const [ct, minimal] of OIDC_TYPES) {
  for (const [name, value] of FALSY) rows.push([`audiences: ${name} means not configured`, ct, { ...minimal, audiences: value }, true]);
  rows.push(["audiences: [\"\"] is a list of one item", ct, { ...minimal, audiences: [""] }, true]);
  rows.push(["audiences: one audience", ct, { ...minimal, audiences: ["https://api.example.com/"] }, true]);
  rows.push(["audiences: a non-string single item", ct, { ...minimal, audiences: [7] }, true]);
  rows.push(["audiences: two audiences", ct, { ...minimal, audiences: ["a", "b"] }, false]);
  rows.push(["audiences: a string", ct, { ...minimal, audiences: "https://api.example.com/" }, false]);
  rows.push(["audiences: true", ct, { ...minimal, audiences: true }, false]);
  rows.push(["audiences: an object", ct, { ...minimal, audiences: { a: 1 } }, false]);
  rows.push(["scopes: a string", ct, { ...minimal, scopes: "planet offline_access" }, true]);
  rows.push(["scopes: a list with a number", ct, { ...minimal, scopes: ["planet", 7] }, true]);
  rows.push(["organization / project_id / issuer of other types", ct, { ...minimal, organization: 1, project_id: true, issuer: ["x"] }, true]);
  rows.push(["endpoint overrides of other types", ct, { ...minimal, token_endpoint: 5, jwks_endpoint: { u: 1 } }, true]);
}
for (const ct of ["oidc_auth_code_secret", "oidc_device_code_secret", "oidc_resource_owner_secret", "oidc_client_credentials_secret"]) {
  rows.push(["client_secret: 42", ct, { ...TYPES.find(([t]) => t === ct)![1], client_secret: 42 }, true]);
}
for (const ct of ["oidc_auth_code_pubkey", "oidc_device_code_pubkey", "oidc_resource_owner_pubkey", "oidc_client_credentials_pubkey"]) {
  const minimal = without(without(TYPES.find(([t]) => t === ct)![1], "client_privkey"), "client_privkey_file");
  rows.push(["neither private key source", ct, minimal, false]);
  rows.push(["both private key sources (the literal wins)", ct, { ...minimal, client_privkey: "PEM", client_privkey_file: "/k.pem" }, true]);
  rows.push(["client_privkey: \"\" with client_privkey_file", ct, { ...minimal, client_privkey: "", client_privkey_file: "/k.pem" }, true]);
  for (const [name, value] of FALSY) rows.push([`client_privkey_file: ${name} alone`, ct, { ...minimal, client_privkey_file: value }, false]);
  rows.push(["client_privkey_password without a key", ct, { ...minimal, client_privkey_password: "pw" }, false]);
}
for (const ct of ["oidc_auth_code", "oidc_auth_code_secret", "oidc_auth_code_pubkey"]) {
  const minimal = without(without(TYPES.find(([t]) => t === ct)![1], "redirect_uri"), "local_redirect_uri");
  rows.push(["no redirect URI", ct, minimal, false]);
  rows.push(["local_redirect_uri only", ct, { ...minimal, local_redirect_uri: "http://127.0.0.1:9000/cb" }, true]);
  rows.push(["redirect_uri: \"\" and local_redirect_uri: null", ct, { ...minimal, redirect_uri: "", local_redirect_uri: null }, false]);
}
rows.push(["validator: client_id absent (defaulted)", "oidc_client_validator", { auth_server: AS }, true]);
rows.push(["validator: client_id \"\"", "oidc_client_validator", { auth_server: AS, client_id: "" }, false]);
rows.push(["validator: client_id null", "oidc_client_validator", { auth_server: AS, client_id: null }, false]);
rows.push(["resource owner: username/password aliases", "oidc_resource_owner", { ...oidc, username: "u", password: "p" }, true]);
rows.push(["resource owner: empty credentials", "oidc_resource_owner", { ...oidc, user_name: "", user_password: null }, true]);
rows.push(["device code with redirect URIs (kept as unknown keys)", "oidc_device_code", { ...oidc, redirect_uri: "http://localhost/cb" }, true]);
rows.push(["legacy with api_key", "planet_legacy", { legacy_auth_endpoint: "https://x/", api_key: "k" }, true]);
rows.push(["legacy with api_key: 42", "planet_legacy", { legacy_auth_endpoint: "https://x/", api_key: 42 }, true]);
rows.push(["static with api_key and prefix", "static_apikey", { api_key: "k", bearer_token_prefix: "api-key" }, true]);
rows.push(["static with api_key: 42", "static_apikey", { api_key: 42 }, true]);
rows.push(["static with bearer_token_prefix: false", "static_apikey", { api_key: "k", bearer_token_prefix: false }, true]);
rows.push(["none with unknown keys", "none", { anything: "goes" }, true]);

function verdict(clientType: string, dict: JsonObject): boolean {
  try {
    kernel.configFromDict({ client_type: clientType, ...dict }).check();
    return true;
  } catch (err) {
    if (err instanceof AuthClientConfigException) return false;
    throw err;
  }
}

describe("check() gives the reference's verdict", () => {
  test("the corpus is broad", () => {
    expect(rows.length).toBeGreaterThan(300);
  });

  test.each(rows)("%s (%s) → valid: %s", (_description, clientType, dict, valid) => {
    expect(verdict(clientType, dict)).toBe(valid);
  });

  test("an invalid config names the key and the client_type", () => {
    expect(() => kernel.configFromDict({ client_type: "oidc_client_validator", auth_server: AS, client_id: "" }).check()).toThrow(
      expect.objectContaining({ clientType: "oidc_client_validator", message: expect.stringContaining("client_id: must be set") }),
    );
  });
});

describe("a key of the wrong type fails where it is used, naming the key and client_type, never the value", () => {
  function configOf<C>(dict: JsonObject): C {
    const config = kernel.configFromDict(dict);
    config.check();
    return config as C;
  }

  test.each<[string, JsonObject, (c: never) => unknown, string]>([
    ["scopes as a string", { client_type: "oidc_device_code", ...oidc, scopes: "planet offline_access" }, (c: DeviceCodeClientConfig) => c.scopes(), "scopes"],
    ["scopes with a number", { client_type: "oidc_device_code", ...oidc, scopes: ["planet", 7] }, (c: DeviceCodeClientConfig) => c.scopes(), "scopes"],
    ["audiences with a number", { client_type: "oidc_device_code", ...oidc, audiences: [7] }, (c: DeviceCodeClientConfig) => c.audiences(), "audiences"],
    ["client_secret as a number", { client_type: "oidc_client_credentials_secret", ...oidc, client_secret: 987654321 }, (c: ClientCredentialsClientSecretClientConfig) => c.clientSecret(), "client_secret"],
    ["auth_server as a number", { client_type: "oidc_device_code", auth_server: 123456, client_id: "x" }, (c: OidcAuthClientConfig) => c.authServer(), "auth_server"],
    ["user_password as an object", { client_type: "oidc_resource_owner", ...oidc, user_password: { p: "hunter2" } }, (c: ResourceOwnerClientConfig) => c.userPassword(), "user_password"],
    ["legacy api_key as a number", { client_type: "planet_legacy", legacy_auth_endpoint: "https://x/", api_key: 55555 }, (c: PlanetLegacyAuthClientConfig) => c.apiKey(), "api_key"],
    ["static api_key as a number", { client_type: "static_apikey", api_key: 55555 }, (c: StaticApiKeyAuthClientConfig) => c.apiKey(), "api_key"],
  ])("%s", (_name, dict, use, field) => {
    const config = configOf<never>(dict);
    let error: unknown;
    try {
      use(config);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(AuthClientConfigException);
    const e = error as AuthClientConfigException;
    expect(e.clientType).toBe(dict.client_type);
    expect(e.field).toBe(field);
    expect(e.message).toContain(`"${field}" must be`);
    for (const secret of ["987654321", "hunter2", "55555", "123456"]) expect(e.message).not.toContain(secret);
  });

  test("falsy values of any type read as not set", () => {
    const config = configOf<DeviceCodeClientConfig>({ client_type: "oidc_device_code", ...oidc, scopes: "", audiences: 0, organization: false, issuer: {} });
    expect(config.scopes()).toEqual([]);
    expect(config.audiences()).toEqual([]);
    expect(config.organization()).toBeNull();
    expect(config.issuer()).toBeNull();
  });
});
