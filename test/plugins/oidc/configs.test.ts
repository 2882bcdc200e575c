import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { AuthClientConfigException, AuthException, FileStorageProvider, createKernel } from "../../../src/kernel/index.js";
import {
  AuthCodeWithPubKeyAuthClient, AuthCodeWithPubKeyClientConfig, ClientCredentialsClientSecretAuthClient, OidcClientValidatorAuthClient,
  OidcClientValidatorRequestAuthenticator, RefreshOrReloginOidcTokenRequestAuthenticator, RefreshingOidcTokenRequestAuthenticator,
  ResourceOwnerClientConfig, VALIDATOR_DEFAULT_CLIENT_ID, oidcPlugin,
} from "../../../src/plugins/oidc/index.js";
import { nonePlugin } from "../../../src/plugins/none/index.js";
import { makeTempDir } from "../../support/temp-dir.js";
import { oidcKernel } from "./helpers.js";

const AS = "https://login.example.com/";

describe("oidcPlugin registry and meta (config.md §2, §9)", () => {
  test("contributes the 12 types in the reference's registry order with exact display names and descriptions", async () => {
    const kernel = createKernel({ plugins: [oidcPlugin, nonePlugin] });
    const types = kernel.clientTypes().map((t) => t.clientType);
    expect(types).toEqual([
      "oidc_auth_code", "oidc_auth_code_pubkey", "oidc_auth_code_secret", "oidc_client_credentials_pubkey",
      "oidc_client_credentials_secret", "oidc_device_code", "oidc_device_code_secret", "oidc_device_code_pubkey",
      "oidc_resource_owner", "oidc_resource_owner_pubkey", "oidc_resource_owner_secret", "oidc_client_validator", "none",
    ]);
    const meta = (ct: string) => kernel.clientType(ct).meta;
    expect(meta("oidc_device_code_secret").displayName).toBe("Device Code (Client Secret)");
    expect(meta("oidc_device_code_secret").description).toBe(
      "OAuth2 Device Code Flow for a confidential client using a shared client secret for authentication.",
    );
    expect(meta("oidc_client_validator").displayName).toBe("JWT Validator");
    expect(meta("oidc_client_validator").description).toBe(
      "Auth client that is only capable performing local validation of access tokens. Cannot be used to make authenticated network calls.",
    );
    expect(meta("oidc_resource_owner_pubkey").description).toBe(
      "OAuth2 Resource Owner Flow for a confidential client using public key authentication. (Not recommended)",
    );
    expect((await meta("oidc_auth_code").loadAuthClientClass()).name).toBe("AuthCodeAuthClient");
  });

  test("config hints, in order", () => {
    const kernel = oidcKernel();
    const keys = (ct: string) => kernel.clientType(ct).meta.configHints.map((h) => h.configKey);
    expect(keys("oidc_auth_code")).toEqual(["auth_server", "client_id", "redirect_uri", "local_redirect_uri"]);
    expect(keys("oidc_auth_code_secret")).toEqual(["auth_server", "client_id", "client_secret", "redirect_uri", "local_redirect_uri"]);
    expect(keys("oidc_auth_code_pubkey")).toEqual([
      "auth_server", "client_id", "client_privkey", "client_privkey_file", "client_privkey_password", "redirect_uri", "local_redirect_uri",
    ]);
    expect(keys("oidc_device_code")).toEqual(["auth_server", "client_id"]);
    expect(keys("oidc_resource_owner_secret")).toEqual(["auth_server", "client_id", "client_secret"]);
    expect(keys("oidc_client_credentials_pubkey")).toEqual(["auth_server", "client_id", "client_privkey", "client_privkey_file", "client_privkey_password"]);
    expect(keys("oidc_client_validator")).toEqual(["auth_server", "client_id"]);
    const names = kernel.clientType("oidc_auth_code").meta.configHints.map((h) => h.configKeyName);
    expect(names).toEqual(["Authorization Server", "Client ID", "Redirect URL for logins without a browser here", "Loopback redirect URL for logins with a browser"]);
  });
});

describe("normalisation (config.md §4)", () => {
  const kernel = oidcKernel();

  test("redirect_uri / local_redirect_uri mirror each other", () => {
    const a = kernel.configFromDict({ client_type: "oidc_auth_code", auth_server: AS, client_id: "c", local_redirect_uri: "http://localhost:8080/cb" });
    expect(a.data()).toMatchObject({ redirect_uri: "http://localhost:8080/cb", local_redirect_uri: "http://localhost:8080/cb" });
    const b = kernel.configFromDict({ client_type: "oidc_auth_code", auth_server: AS, client_id: "c", redirect_uri: "https://x/cb", local_redirect_uri: "" });
    expect(b.data()).toMatchObject({ redirect_uri: "https://x/cb", local_redirect_uri: "https://x/cb" });
    const both = kernel.configFromDict({ client_type: "oidc_auth_code", auth_server: AS, client_id: "c", redirect_uri: "https://x/cb", local_redirect_uri: "http://127.0.0.1:1/cb" });
    expect(both.data()).toMatchObject({ redirect_uri: "https://x/cb", local_redirect_uri: "http://127.0.0.1:1/cb" });
  });

  test("username/password aliases are stored as user_name/user_password; the alias wins", () => {
    const c = kernel.configFromDict({ client_type: "oidc_resource_owner", auth_server: AS, client_id: "x", username: "u", password: "p", user_name: "old" });
    expect(c.data()).toEqual({ client_type: "oidc_resource_owner", auth_server: AS, client_id: "x", user_name: "u", user_password: "p" });
    expect((c as ResourceOwnerClientConfig).userPassword()).toBe("p");
  });

  test("the validator defaults client_id only when the key is absent", () => {
    const v = kernel.configFromDict({ client_type: "oidc_client_validator", auth_server: AS });
    expect(v.data()?.client_id).toBe(VALIDATOR_DEFAULT_CLIENT_ID);
    expect(() => v.check()).not.toThrow();
  });

  test("keys stored only when truthy: an empty client_secret fails like a missing one", () => {
    const c = kernel.configFromDict({ client_type: "oidc_device_code_secret", auth_server: AS, client_id: "x", client_secret: "" });
    expect(c.data()).not.toHaveProperty("client_secret");
    expect(() => c.check()).toThrow(AuthClientConfigException);
  });

  test("unknown keys are kept; audiences must be a list of exactly one", () => {
    const c = kernel.configFromDict({ client_type: "oidc_device_code", auth_server: AS, client_id: "x", _comment: "hi", audiences: ["a", "b"] });
    expect(c.data()?._comment).toBe("hi");
    expect(() => c.check()).toThrow(/audience/);
    c.setData({ ...c.data(), audiences: [] });
    expect(() => c.check()).not.toThrow();
  });

  test("pubkey types need client_privkey or client_privkey_file; both are allowed", () => {
    const base = { client_type: "oidc_client_credentials_pubkey", auth_server: AS, client_id: "x" };
    expect(() => kernel.configFromDict(base).check()).toThrow(AuthClientConfigException);
    expect(() => kernel.configFromDict({ ...base, client_privkey: "PEM", client_privkey_file: "/k.pem" }).check()).not.toThrow();
  });

  test("a whitespace-only auth_server passes check() (it is truthy) and is rejected where it is used", () => {
    const config = kernel.configFromDict({ client_type: "oidc_device_code", auth_server: "  ", client_id: "x" }) as ResourceOwnerClientConfig;
    expect(() => config.check()).not.toThrow();
    expect(() => config.authServer()).toThrow(/Invalid oidc_device_code config: "auth_server" must be a non-empty string/);
  });
});

describe("persistence and clients", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(() => cleanup());

  test("a resource-owner config is written back with user_name/user_password, sorted, no nulls (config.md §10)", async () => {
    const kernel = oidcKernel({ storage: new FileStorageProvider({ homeDir: () => dir }) });
    const c = kernel.configFromDict({ client_type: "oidc_resource_owner", auth_server: "https://a/", client_id: "x", username: "u", password: "p", issuer: null });
    c.setPath("auth_client.json");
    await c.save();
    expect(Object.keys(JSON.parse(await readFile(path.join(dir, "auth_client.json"), "utf8")))).toEqual([
      "auth_server", "client_id", "client_type", "user_name", "user_password",
    ]);
  });

  test("a directly constructed config carries client_type and mirrors redirect URIs", async () => {
    const kernel = oidcKernel({ storage: new FileStorageProvider({ homeDir: () => dir }) });
    const c = new AuthCodeWithPubKeyClientConfig({ auth_server: AS, client_id: "c", client_privkey_file: "/k.pem", local_redirect_uri: "http://localhost:8080/callback" }, { kernel, path: "ac.json" });
    await c.save();
    const saved = JSON.parse(await readFile(path.join(dir, "ac.json"), "utf8"));
    expect(saved).toMatchObject({ client_type: "oidc_auth_code_pubkey", redirect_uri: "http://localhost:8080/callback" });
    const client = await kernel.clientFromConfig(await kernel.configFromFile(path.join(dir, "ac.json")));
    expect(client).toBeInstanceOf(AuthCodeWithPubKeyAuthClient);
  });

  test("default request authenticators by flow; the validator's refuses use", async () => {
    const kernel = oidcKernel();
    const cc = await kernel.clientFromConfig(kernel.configFromDict({ client_type: "oidc_client_credentials_secret", auth_server: AS, client_id: "x", client_secret: "s" }));
    expect(cc).toBeInstanceOf(ClientCredentialsClientSecretAuthClient);
    expect(cc.canLoginUnattended()).toBe(true);
    expect(cc.defaultRequestAuthenticator(null)).toBeInstanceOf(RefreshOrReloginOidcTokenRequestAuthenticator);
    const dc = await kernel.clientFromConfig(kernel.configFromDict({ client_type: "oidc_device_code", auth_server: AS, client_id: "x" }));
    expect(dc.defaultRequestAuthenticator("tok.json")).toBeInstanceOf(RefreshingOidcTokenRequestAuthenticator);
    expect(dc.canLoginUnattended()).toBe(false);
    expect(() => dc.defaultRequestAuthenticator(new (class extends (Object as any) {})() as any)).toThrow(TypeError);
    const ro = await kernel.clientFromConfig(kernel.configFromDict({ client_type: "oidc_resource_owner", auth_server: AS, client_id: "x", username: "u" }));
    expect(ro.canLoginUnattended()).toBe(false);
    ro.config().updateData({ password: "p" });
    expect(ro.canLoginUnattended()).toBe(true);

    const v = await kernel.clientFromConfig(kernel.configFromDict({ client_type: "oidc_client_validator", auth_server: AS }));
    expect(v).toBeInstanceOf(OidcClientValidatorAuthClient);
    const auth = v.defaultRequestAuthenticator(null);
    expect(auth).toBeInstanceOf(OidcClientValidatorRequestAuthenticator);
    expect(() => auth.decorate({})).toThrow(AuthException);
    expect(() => auth.decorate({})).toThrow(/cannot authenticate outgoing requests/);
    await expect(v.login()).rejects.toThrow(/not supported/);
    await expect(v.refresh("r")).rejects.toThrow(/not supported/);
    await expect(dc.validateAccessTokenLocal("t")).rejects.toThrow(/audience/);
  });
});
