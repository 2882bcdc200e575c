/**
 * The DPoP client end to end (RFC 9449) against the real OpenID Provider: a profile with `dpop: true`
 * keeps a key pair beside its token (0600, through the token's storage), sends proofs to the token
 * endpoint (answering `use_dpop_nonce` once), gets DPoP-bound tokens, and its request authenticators
 * send `Authorization: DPoP` plus a fresh proof of each request through got, fetch and axios. The API
 * here checks each proof with the library's verifier and the token's `cnf.jkt`.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import axios from "axios";
import got from "got";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { readFileSync } from "node:fs";
import { readFile, readdir, stat } from "node:fs/promises";
import path from "node:path";
import {
  Auth, DpopProofVerifier, FileStorageProvider, GotHttpClient, createKernel, type AuthKernel, type HttpClient,
  type HttpRequest, type KernelServiceOverrides,
} from "../../src/index.js";
import { decodeJwtPayloadUnverified, jwkThumbprint } from "../../src/plugin-kit.js";
import { oidcPlugin, type OidcAuthClient } from "../../src/plugins/oidc/index.js";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { STORAGE_SOPS_PLUGIN_NAME, builtinPlugins, createStorageSopsPlugin } from "../../src/index.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { makeTempDir } from "../support/temp-dir.js";

let op: OidcServer;
let nonceOp: OidcServer;
let home: { dir: string; cleanup: () => Promise<void> };
let api: { url: string; seen: Array<{ authorization?: string; dpop?: string; status: number; why?: string }>; stop(): Promise<void> };

/** Every HTTP request the library sends, with the DPoP header it carried. */
class RecordingHttp implements HttpClient {
  readonly sent: Array<{ url: string; dpop?: string }> = [];
  readonly #inner = new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 });
  request(req: HttpRequest) {
    this.sent.push({ url: req.url, dpop: req.headers?.DPoP });
    return this.#inner.request(req);
  }
}

function kernel(services: KernelServiceOverrides = {}): AuthKernel {
  return createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }), storage: new FileStorageProvider({ homeDir: () => home.dir }), ...services } });
}

/** An API that accepts only DPoP-bound tokens of `op` with a valid proof of the request. */
async function startDpopApi(): Promise<typeof api> {
  const k = kernel();
  const validator = (await k.clientFromConfig(k.configFromDict({ client_type: "oidc_client_validator", auth_server: op.issuer, audiences: [op.apiAudience] }))) as OidcAuthClient;
  const verifier = new DpopProofVerifier();
  const seen: typeof api.seen = [];
  const server = http.createServer(async (req, res) => {
    const entry: (typeof seen)[number] = { authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined, status: 401 };
    seen.push(entry);
    try {
      const m = /^DPoP (\S+)$/.exec(req.headers.authorization ?? "");
      if (!m || typeof req.headers.dpop !== "string") throw new Error("no DPoP token and proof");
      const claims = await validator.validateAccessTokenLocal(m[1]!);
      const proof = verifier.verify(req.headers.dpop, { method: req.method!, url: `http://${req.headers.host}${req.url}`, accessToken: m[1]! });
      if ((claims.cnf as { jkt?: string } | undefined)?.jkt !== proof.jkt) throw new Error("token not bound to the proof key");
      entry.status = 200;
    } catch (err) {
      entry.why = (err as Error).message;
    }
    if (req.url?.startsWith("/cross")) {
      // localhost is another origin than 127.0.0.1: the credential must not follow.
      res.writeHead(307, { Location: `http://localhost:${(server.address() as AddressInfo).port}/echo/landed` });
      return void res.end();
    }
    if (req.url?.startsWith("/redirect") && entry.status === 200) {
      res.writeHead(307, { Location: "/echo/after-redirect" });
      return void res.end();
    }
    res.writeHead(entry.status, { "Content-Type": "application/json", "DPoP-Nonce": "api-nonce-1" });
    res.end(JSON.stringify({ ok: entry.status === 200 }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

beforeAll(async () => {
  [op, nonceOp, home] = await Promise.all([startOidcServer(), startOidcServer({ dpop: { requireNonce: true } }), makeTempDir()]);
  api = await startDpopApi();
});
afterAll(async () => {
  await Promise.all([op.stop(), nonceOp.stop(), api.stop()]);
  await home.cleanup();
});

const storedJson = async (file: string) => JSON.parse(await readFile(path.join(home.dir, file), "utf8")) as Record<string, unknown>;

describe("client credentials with dpop: true", () => {
  let auth: Auth;
  beforeAll(async () => {
    auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: kernel(), tokenFile: "cc/token.json" });
    await auth.ensureRequestAuthenticatorIsReady();
  });

  test("the token is DPoP-bound to the key stored beside it (0600)", async () => {
    const token = await storedJson("cc/token.json");
    expect(token.token_type).toBe("DPoP");
    const key = await storedJson("cc/token.dpop.json");
    expect(key).toMatchObject({ kty: "EC", crv: "P-256" });
    expect(typeof key.d).toBe("string");
    expect((await stat(path.join(home.dir, "cc/token.dpop.json"))).mode & 0o777).toBe(0o600);
    const { d: _private, alg: _alg, ...publicJwk } = key;
    expect((decodeJwtPayloadUnverified(token.access_token as string).cnf as { jkt: string }).jkt).toBe(jwkThumbprint(publicJwk));
  });

  test("got, fetch and axios send Authorization: DPoP with a fresh proof of each request; the API accepts each", async () => {
    const authenticator = auth.requestAuthenticator();
    const before = api.seen.length;
    const viaGot = await got.extend(authenticator.gotHooks() as any)(`${api.url}/echo/got?x=1`).json<{ ok: boolean }>();
    const viaFetch = await authenticator.fetch()(`${api.url}/echo/fetch`, { method: "POST", body: "{}" });
    const client = axios.create({ baseURL: `${api.url}/echo` });
    client.interceptors.request.use(authenticator.axiosInterceptor());
    const viaAxios = await client.put("/axios", {});
    expect(viaGot.ok).toBe(true);
    expect(viaFetch.status).toBe(200);
    expect(viaAxios.status).toBe(200);
    const seen = api.seen.slice(before);
    expect(seen.map((s) => s.status)).toEqual([200, 200, 200]);
    for (const s of seen) expect(s.authorization).toMatch(/^DPoP /);
    expect(new Set(seen.map((s) => s.dpop)).size).toBe(3);
  });

  test("a same-origin redirect gets a new proof for the new URL (got, fetch and axios)", async () => {
    const authenticator = auth.requestAuthenticator();
    const before = api.seen.length;
    expect((await authenticator.fetch()(`${api.url}/redirect/fetch`)).status).toBe(200);
    const client = axios.create();
    client.interceptors.request.use(authenticator.axiosInterceptor());
    expect((await client.get(`${api.url}/redirect/axios`)).status).toBe(200);
    const viaGot = await got.extend(authenticator.gotHooks() as any)(`${api.url}/redirect/got`);
    expect((viaGot as { statusCode: number }).statusCode).toBe(200);
    expect(api.seen.slice(before).map((s) => s.status)).toEqual([200, 200, 200, 200, 200, 200]);
  });

  test("a redirect to another origin carries neither the token nor a proof (got, fetch and axios)", async () => {
    const authenticator = auth.requestAuthenticator();
    const before = api.seen.length;
    await got.extend(authenticator.gotHooks() as any)(`${api.url}/cross/got`, { throwHttpErrors: false });
    await authenticator.fetch()(`${api.url}/cross/fetch`);
    const client = axios.create({ validateStatus: () => true });
    client.interceptors.request.use(authenticator.axiosInterceptor());
    await client.get(`${api.url}/cross/axios`);
    const landed = api.seen.slice(before).filter((_, i) => i % 2 === 1);
    expect(landed).toHaveLength(3);
    for (const s of landed) expect([s.authorization, s.dpop]).toEqual([undefined, undefined]);
  });

  test("the API's DPoP-Nonce is put in the next proof sent to it", async () => {
    const authenticator = auth.requestAuthenticator();
    await authenticator.fetch()(`${api.url}/echo/one`);
    await authenticator.fetch()(`${api.url}/echo/two`);
    const proof = api.seen.at(-1)!.dpop!;
    expect(decodeJwtPayloadUnverified(proof).nonce).toBe("api-nonce-1");
  });

  test("the token without its key (sent as Bearer, or with a proof of another key) is refused", async () => {
    const token = (await storedJson("cc/token.json")).access_token as string;
    const asBearer = await fetch(`${api.url}/echo/stolen`, { headers: { Authorization: `Bearer ${token}` } });
    expect(asBearer.status).toBe(401);
    const thief = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: kernel(), tokenFile: "thief/token.json" });
    await thief.ensureRequestAuthenticatorIsReady();
    const thiefHeaders = await thief.requestAuthenticator().authorizationHeaders({ method: "GET", url: `${api.url}/echo/stolen` });
    const withOtherKey = await fetch(`${api.url}/echo/stolen`, { headers: { Authorization: `DPoP ${token}`, DPoP: thiefHeaders.DPoP! } });
    expect(withOtherKey.status).toBe(401);
    expect(api.seen.at(-1)!.why).toMatch(/ath|bound/);
  });

  test("authorizationHeaders() without the request's method and URL refuses to send a DPoP-bound token", async () => {
    await expect(auth.requestAuthenticator().authorizationHeaders()).rejects.toThrow(/method and URL/);
  });

  test("a new context on the same profile reuses the stored key", async () => {
    const again = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: kernel(), tokenFile: "cc/token.json" });
    const headers = await again.requestAuthenticator().authorizationHeaders({ method: "GET", url: `${api.url}/echo/x` });
    const key = await storedJson("cc/token.dpop.json");
    const { d: _d, alg: _a, ...publicJwk } = key;
    const header = JSON.parse(Buffer.from(headers.DPoP!.split(".")[0]!, "base64url").toString()) as { jwk: Record<string, unknown> };
    expect(jwkThumbprint(header.jwk)).toBe(jwkThumbprint(publicJwk));
  });
});

test("a token endpoint that demands a nonce: use_dpop_nonce is answered with one resend, and the nonce is used from then on", async () => {
  const recorder = new RecordingHttp();
  const auth = await Auth.initializeFromConfigDict(nonceOp.authClientConfig("oidc_client_credentials_secret", { dpop: true }), {
    kernel: kernel({ http: recorder }),
    tokenFile: "nonce/token.json",
  });
  await auth.login();
  const tokenCalls = () => recorder.sent.filter((s) => s.url === nonceOp.endpoints.token);
  expect(tokenCalls()).toHaveLength(2);
  expect(decodeJwtPayloadUnverified(tokenCalls()[0]!.dpop!).nonce).toBeUndefined();
  expect(decodeJwtPayloadUnverified(tokenCalls()[1]!.dpop!).nonce).toEqual(expect.any(String));
  expect((await storedJson("nonce/token.json")).token_type).toBe("DPoP");
  await auth.login();
  expect(tokenCalls()).toHaveLength(3); // the remembered nonce is still good: no resend
});

// Without `openid` the provider issues the access token for the API (a JWT) rather than for userinfo.
test("device code (interactive) with dpop: true: login and refresh give tokens bound to the profile's key", async () => {
  const user = op.scriptedUser();
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code", { dpop: true, scopes: ["offline_access", "api:read"] }), {
    kernel: kernel(user.services),
    tokenFile: "device/token.json",
  });
  await auth.login({ allowTtyPrompt: true });
  expect(user.deviceCodes).toHaveLength(1);
  const first = await storedJson("device/token.json");
  expect(first.token_type).toBe("DPoP");
  const { d: _d, alg: _a, ...publicJwk } = await storedJson("device/token.dpop.json");
  const jkt = jwkThumbprint(publicJwk);
  expect((decodeJwtPayloadUnverified(first.access_token as string).cnf as { jkt: string }).jkt).toBe(jkt);
  const refreshed = await auth.authClient().refresh(first.refresh_token as string);
  const data = refreshed.data()!;
  expect(data.token_type).toBe("DPoP");
  expect(data.access_token).not.toBe(first.access_token);
  expect((decodeJwtPayloadUnverified(data.access_token as string).cnf as { jkt: string }).jkt).toBe(jkt);
  const res = await auth.requestAuthenticator().fetch()(`${api.url}/echo/user`);
  expect(res.status).toBe(200);
});

test("dpop must be true or false: another value is refused naming the key and the client type; the validator type has no such key", async () => {
  const k = kernel();
  await expect(k.clientFromConfig(k.configFromDict({ ...op.authClientConfig("oidc_client_credentials_secret"), dpop: "yes" }))).rejects.toMatchObject({
    field: expect.stringContaining("dpop"),
    clientType: "oidc_client_credentials_secret",
  });
  const schema = JSON.parse(readFileSync(new URL("../../schemas/oidc_client_validator.schema.json", import.meta.url), "utf8")) as { properties: object };
  expect(schema.properties).not.toHaveProperty("dpop");
});

test("a SOPS profile keeps its DPoP key encrypted beside its encrypted token; the key works from the encrypted file", async () => {
  const identity = await generateIdentity();
  const sops = createStorageSopsPlugin({ env: { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) }, homeDir: home.dir, sopsBinary: false });
  const sopsKernel = () => createKernel({
    plugins: [...builtinPlugins.filter((p) => p.name !== STORAGE_SOPS_PLUGIN_NAME), sops],
    homeDir: () => home.dir,
    services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) },
  });
  const options = { tokenFile: ".planet/sops-dpop/token.sops.json" };
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: sopsKernel(), ...options });
  const res = await auth.requestAuthenticator().fetch()(`${api.url}/echo/sops`);
  expect(res.status).toBe(200);
  const files = await readdir(path.join(home.dir, ".planet/sops-dpop"));
  expect(files).toContain("token.dpop.sops.json");
  expect(files.filter((f) => f.includes("dpop"))).toEqual(["token.dpop.sops.json"]); // no cleartext copy of the key
  const stored = await storedJson(".planet/sops-dpop/token.dpop.sops.json");
  expect(String(stored.d)).toMatch(/^ENC\[AES256_GCM,/);
  expect((await stat(path.join(home.dir, ".planet/sops-dpop/token.dpop.sops.json"))).mode & 0o777).toBe(0o600);
  // Another process (a new kernel) decrypts the same key: its proofs match the token's binding.
  const again = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: sopsKernel(), ...options });
  expect((await again.requestAuthenticator().fetch()(`${api.url}/echo/sops-again`)).status).toBe(200);
});

test("a token endpoint that keeps answering use_dpop_nonce gets exactly one resend, then the error", async () => {
  const seen: Array<string | undefined> = [];
  const server = http.createServer((req, res) => {
    seen.push(req.headers.dpop as string | undefined);
    req.resume();
    res.writeHead(400, { "Content-Type": "application/json", "DPoP-Nonce": `nonce-${seen.length}` });
    res.end(JSON.stringify({ error: "use_dpop_nonce", error_description: "nonce required" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: base, token_endpoint: `${base}/token`, client_id: "c", client_secret: "s", dpop: true },
      { kernel: kernel() },
    );
    await expect(auth.login()).rejects.toMatchObject({ errorCode: "use_dpop_nonce" });
    expect(seen).toHaveLength(2);
    expect(decodeJwtPayloadUnverified(seen[0]!).nonce).toBeUndefined();
    expect(decodeJwtPayloadUnverified(seen[1]!).nonce).toBe("nonce-1");
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test("a stored key that is not a P-256 private JWK is reported with its path and left as it was", async () => {
  const storage = new FileStorageProvider({ homeDir: () => home.dir });
  await storage.saveObj("bad-key/token.dpop.json", { kty: "EC", crv: "P-256", x: "not-a-point" });
  const before = await readFile(path.join(home.dir, "bad-key/token.dpop.json"), "utf8");
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel: kernel(), tokenFile: "bad-key/token.json" });
  await expect(auth.login()).rejects.toMatchObject({ code: "ERR_CORRUPT_OBJECT", filePath: "bad-key/token.dpop.json" });
  expect(await readFile(path.join(home.dir, "bad-key/token.dpop.json"), "utf8")).toBe(before);
});

test("userinfo with a DPoP-bound token: the client presents it with a proof of the userinfo request", async () => {
  const user = op.scriptedUser();
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code", { dpop: true }), { kernel: kernel(user.services), tokenFile: "device-openid/token.json" });
  await auth.login({ allowTtyPrompt: true });
  const data = (await auth.requestAuthenticator().credential())!.data()!;
  expect(data.token_type).toBe("DPoP");
  const info = await auth.authClient().userinfoFromAccessToken(data.access_token as string);
  expect(info.sub).toBe(op.accountId);
});
