/**
 * OIDC clients against nock, for what the in-process OpenID Provider cannot do here: the password
 * grant, refresh responses without refresh_token, invalid_grant, 5xx. Everything else runs against
 * oidc-provider in test/integration.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { generateKeyPairSync } from "node:crypto";
import { decodeJwt } from "jose";
import { Auth, GotHttpClient, type AuthKernel, type TtyPrompt } from "../../../src/kernel/index.js";
import {
  FileBackedOidcCredential, OidcApiClientException, ResourceOwnerAuthClientException, AuthCodeAuthClientException,
  DeviceCodeAuthClientException, type OidcAuthClient,
} from "../../../src/plugins/oidc/index.js";
import { oidcKernel } from "./helpers.js";

const AS = "https://login.example.test";
const ENDPOINTS = {
  token_endpoint: `${AS}/token`,
  revocation_endpoint: `${AS}/revoke`,
  introspection_endpoint: `${AS}/introspect`,
};

let kernel: AuthKernel;
const prompts: Array<{ question: string; hidden?: boolean }> = [];
const prompt: TtyPrompt = {
  async prompt(question, options) {
    prompts.push({ question, hidden: options?.hidden });
    return question.startsWith("Email") ? "prompted-user" : "prompted-pass";
  },
};

beforeAll(() => {
  nock.disableNetConnect();
  kernel = oidcKernel({ http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }), prompt });
});
afterEach(() => {
  nock.cleanAll();
  prompts.length = 0;
});
afterAll(() => nock.enableNetConnect());

async function client(config: Record<string, unknown>): Promise<OidcAuthClient> {
  return (await kernel.clientFromConfig(kernel.configFromDict({ auth_server: AS, client_id: "cid", ...ENDPOINTS, ...config }))) as OidcAuthClient;
}

function formOf(body: unknown): URLSearchParams {
  return new URLSearchParams(String(body));
}

describe("resource owner password grant", () => {
  test("argument > config > prompt; public clients send client_id; aliases work", async () => {
    const seen: URLSearchParams[] = [];
    nock(AS).post("/token").times(2).reply(200, (_u, body) => {
      seen.push(formOf(body));
      return { access_token: "at", refresh_token: "rt", expires_in: 60, token_type: "Bearer" };
    });
    const c = await client({ client_type: "oidc_resource_owner", username: "cfg-user", password: "cfg-pass", scopes: ["a", "b"], organization: "org1" });
    const cred = await c.login({ username: "arg-user" });
    expect(cred).toBeInstanceOf(FileBackedOidcCredential);
    expect(Object.fromEntries(seen[0]!)).toEqual({
      organization: "org1", grant_type: "password", username: "arg-user", password: "cfg-pass", scope: "a b", client_id: "cid",
    });
    const c2 = await client({ client_type: "oidc_resource_owner" });
    await expect(c2.login()).rejects.toThrow(ResourceOwnerAuthClientException);
    await c2.login({ allowTtyPrompt: true });
    expect(prompts).toEqual([{ question: "Email: ", hidden: false }, { question: "Password: ", hidden: true }]);
    expect(seen[1]!.get("username")).toBe("prompted-user");
  });

  test("secret variant uses HTTP Basic; pubkey variant a client assertion and no client_id", async () => {
    let auth: string | undefined;
    let form!: URLSearchParams;
    nock(AS).post("/token").reply(function (_u, body) {
      auth = this.req.headers.authorization as string;
      form = formOf(body);
      return [200, { access_token: "at", expires_in: 60 }];
    });
    const s = await client({ client_type: "oidc_resource_owner_secret", client_secret: "s3cret", username: "u", password: "p" });
    await s.login();
    expect(auth).toBe(`Basic ${Buffer.from("cid:s3cret").toString("base64")}`);
    expect(form.has("client_id")).toBe(false);

    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    nock(AS).post("/token").reply(200, (_u, body) => {
      form = formOf(body);
      return { access_token: "at", expires_in: 60 };
    });
    const p = await client({ client_type: "oidc_resource_owner_pubkey", client_privkey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(), username: "u", password: "p" });
    await p.login();
    expect(form.has("client_id")).toBe(false);
    expect(form.get("client_assertion_type")).toBe("urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
    expect(decodeJwt(form.get("client_assertion")!)).toMatchObject({ iss: "cid", sub: "cid", aud: `${AS}/token` });
  });
});

describe("client credentials (secret): client_secret_post for login, HTTP Basic otherwise (gap P7)", () => {
  test("login posts the secret; refresh, introspection and revocation use Basic", async () => {
    const c = await client({ client_type: "oidc_client_credentials_secret", client_secret: "s3cret", audiences: ["https://api/"] });
    const calls: Array<{ path: string; auth?: string; form: URLSearchParams }> = [];
    const record = (path: string) =>
      function (this: any, _u: string, body: unknown) {
        calls.push({ path, auth: this.req.headers.authorization, form: formOf(body) });
        return path === "/introspect" ? [200, { active: true }] : path === "/revoke" ? [200, ""] : [200, { access_token: "at", expires_in: 60 }];
      };
    nock(AS).post("/token").reply(record("/token")).post("/token").reply(record("/token")).post("/introspect").reply(record("/introspect")).post("/revoke").reply(record("/revoke"));
    await c.login();
    await c.refresh("rt");
    await c.validateAccessTokenRemote("at");
    await c.revokeAccessToken("at");
    expect(calls[0]!.auth).toBeUndefined();
    expect(Object.fromEntries(calls[0]!.form)).toEqual({ grant_type: "client_credentials", audience: "https://api/", client_id: "cid", client_secret: "s3cret" });
    for (const call of calls.slice(1)) {
      expect(call.auth).toBe(`Basic ${Buffer.from("cid:s3cret").toString("base64")}`);
      expect(call.form.has("client_secret")).toBe(false);
    }
    expect(calls[1]!.form.get("grant_type")).toBe("refresh_token");
    expect(calls[1]!.form.has("scope")).toBe(false); // refresh never falls back to config scopes
  });
});

describe("refresh", () => {
  test("a response without refresh_token keeps the previous one (C5)", async () => {
    nock(AS).post("/token").reply(200, { access_token: "at2", expires_in: 60 });
    const c = await client({ client_type: "oidc_device_code" });
    const cred = await c.refresh("the-old-refresh-token");
    expect(cred.data()).toMatchObject({ access_token: "at2", refresh_token: "the-old-refresh-token" });
  });

  test("invalid_grant and 5xx surface as OidcApiClientException", async () => {
    nock(AS).post("/token").reply(400, { error: "invalid_grant", error_description: "grant expired" });
    const c = await client({ client_type: "oidc_device_code" });
    const err = await c.refresh("rt").catch((e) => e);
    expect(err).toBeInstanceOf(OidcApiClientException);
    expect(err.errorCode).toBe("invalid_grant");
    expect(err.message).not.toContain("rt");
    nock(AS).post("/token").reply(502, "bad gateway", { "Content-Type": "text/plain" });
    await expect(c.refresh("rt")).rejects.toThrow(/502/);
  });

  test("Refresh-or-Relogin through an Auth context: invalid_grant ⇒ unattended client-credentials login", async () => {
    const c = await client({ client_type: "oidc_client_credentials_secret", client_secret: "s3cret" });
    const grants: string[] = [];
    nock(AS)
      .post("/token")
      .times(2)
      .reply((_u, body) => {
        const g = formOf(body).get("grant_type")!;
        grants.push(g);
        return g === "refresh_token" ? [400, { error: "invalid_grant" }] : [200, { access_token: "fresh", expires_in: 600 }];
      });
    const auth = await Auth.initializeFromClient(c, {
      initialTokenData: { access_token: "stale", refresh_token: "rt", _iat: 1, _exp: 2 },
    });
    const headers = await auth.requestAuthenticator().authorizationHeaders();
    expect(headers.Authorization).toBe("Bearer fresh");
    expect(grants).toEqual(["refresh_token", "client_credentials"]);
  });
});

describe("flow preconditions", () => {
  test("auth code needs a browser or a TTY; device code needs a TTY", async () => {
    const ac = await client({ client_type: "oidc_auth_code", redirect_uri: "http://127.0.0.1:1/cb", authorization_endpoint: `${AS}/authorize` });
    await expect(ac.login()).rejects.toThrow(AuthCodeAuthClientException);
    const dc = await client({ client_type: "oidc_device_code" });
    await expect(dc.login({ allowOpenBrowser: true })).rejects.toThrow(DeviceCodeAuthClientException);
  });
});
