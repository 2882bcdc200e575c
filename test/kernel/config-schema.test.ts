import { describe, expect, test } from "@jest/globals";
import { readdirSync } from "node:fs";
import { AuthClientConfigException, createKernel, type AuthKernel } from "../../src/index.js";
import { OIDC_CLIENT_TYPES, schemaOnlyPlugin } from "../support/generic-plugin.js";

const ALL_TYPES = [...OIDC_CLIENT_TYPES, "planet_legacy", "static_apikey", "none"];

function kernel(): AuthKernel {
  return createKernel({ plugins: [schemaOnlyPlugin("schemas", ALL_TYPES)] });
}

function errorOf(k: AuthKernel, dict: Record<string, unknown>): AuthClientConfigException {
  try {
    k.configFromDict(dict).check();
  } catch (e) {
    if (e instanceof AuthClientConfigException) return e;
    throw e;
  }
  throw new Error("expected the config to be invalid");
}

const base = { auth_server: "https://login.example.com/", client_id: "abc" };

describe("client config JSON Schemas", () => {
  test("there is one draft 2020-12 schema with an $id for each of the 15 client types", () => {
    const files = readdirSync(new URL("../../schemas/runtime/", import.meta.url)).filter((f) => !f.startsWith("planetauth"));
    expect(files.sort()).toEqual(ALL_TYPES.map((t) => `${t}.schema.json`).sort());
    expect(() => kernel()).not.toThrow();
  });

  test.each([
    ["oidc_device_code", base],
    ["oidc_auth_code", { ...base, redirect_uri: "http://localhost:8080/cb" }],
    ["oidc_auth_code_secret", { ...base, client_secret: "s", local_redirect_uri: "http://localhost/cb" }],
    ["oidc_client_credentials_pubkey", { ...base, client_privkey_file: "/keys/k.pem" }],
    ["oidc_resource_owner", { ...base, user_name: "u", user_password: "p" }],
    // (the class of the real plugin defaults client_id when absent; this schema-only registration does not)
    ["oidc_client_validator", { auth_server: "https://login.example.com/", client_id: "v" }],
    ["planet_legacy", { legacy_auth_endpoint: "https://api.example.com/v0/auth/login" }],
    ["static_apikey", {}],
    ["none", {}],
  ])("a minimal valid %s config passes", (clientType, dict) => {
    expect(() => kernel().configFromDict({ client_type: clientType, ...dict }).check()).not.toThrow();
  });

  test("missing required keys are all reported, with the client_type", () => {
    const err = errorOf(kernel(), { client_type: "oidc_device_code_secret" });
    expect(err.clientType).toBe("oidc_device_code_secret");
    expect(err.message).toContain("Invalid oidc_device_code_secret config");
    expect(err.message).toContain("auth_server: is required");
    expect(err.message).toContain("client_id: is required");
    expect(err.message).toContain("client_secret: is required");
  });

  test("an empty string counts as not configured", () => {
    const err = errorOf(kernel(), { client_type: "oidc_client_credentials_secret", ...base, client_secret: "" });
    expect(err.message).toContain("client_secret: must be set (a non-empty value)");
  });

  test("a pubkey client needs client_privkey or client_privkey_file; either (or both) is fine", () => {
    const k = kernel();
    expect(errorOf(k, { client_type: "oidc_auth_code_pubkey", ...base, redirect_uri: "http://localhost/cb" }).message).toContain(
      "one of client_privkey or client_privkey_file is required",
    );
    for (const keys of [{ client_privkey: "PEM" }, { client_privkey_file: "/k.pem" }, { client_privkey: "PEM", client_privkey_file: "/k.pem" }]) {
      expect(() => k.configFromDict({ client_type: "oidc_device_code_pubkey", ...base, ...keys }).check()).not.toThrow();
    }
  });

  test("audiences, when set, must be a list of exactly one audience", () => {
    const k = kernel();
    const two = errorOf(k, { client_type: "oidc_device_code", ...base, audiences: ["a", "b"] });
    expect(two.message).toContain("audiences: must be a list of exactly one item");
    expect(errorOf(k, { client_type: "oidc_device_code", ...base, audiences: "a" }).message).toContain("audiences");
    for (const audiences of [["a"], [], null]) {
      expect(() => k.configFromDict({ client_type: "oidc_device_code", ...base, audiences }).check()).not.toThrow();
    }
  });

  test("an auth code client needs a redirect URI", () => {
    const err = errorOf(kernel(), { client_type: "oidc_auth_code", ...base });
    expect(err.message).toContain("one of redirect_uri or local_redirect_uri is required");
  });

  test("the resource owner schema accepts the username/password aliases", () => {
    expect(() => kernel().configFromDict({ client_type: "oidc_resource_owner", ...base, username: "u", password: "p" }).check()).not.toThrow();
  });

  test("the validator needs no client_id; legacy needs its endpoint", () => {
    const k = kernel();
    expect(errorOf(k, { client_type: "oidc_client_validator" }).message).toContain("auth_server: is required");
    expect(errorOf(k, { client_type: "planet_legacy" }).message).toContain("legacy_auth_endpoint: is required");
  });

  test("unknown keys are allowed and preserved", () => {
    const config = kernel().configFromDict({ client_type: "none", _comment: "hello", _hidden: true, foo: { bar: 1 } });
    config.check();
    expect(config.data()).toEqual({ client_type: "none", _comment: "hello", _hidden: true, foo: { bar: 1 } });
  });

  test("keys the reference does not type-check pass check() with any type", () => {
    const dict = {
      client_type: "oidc_resource_owner_secret",
      ...base,
      client_secret: 12345678,
      user_password: { nested: "hunter2-secret" },
      scopes: ["ok", 7],
      organization: 5,
    };
    expect(() => kernel().configFromDict(dict).check()).not.toThrow();
  });
});
