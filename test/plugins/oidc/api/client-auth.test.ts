/** Client-authentication strategies; private_key_jwt assertions verified with jose against the public key. */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { mkdtemp, rm, unlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { decodeProtectedHeader, jwtVerify } from "jose";
import { AuthClientConfigException } from "../../../../src/kernel/errors.js";
import {
  CLIENT_ASSERTION_TYPE,
  ClientSecretBasicAuth,
  ClientSecretPostAuth,
  NoClientAuth,
  PrivateKeyJwtAuth,
  PublicClientAuth,
  type ClientAuthRequest,
} from "../../../../src/plugins/oidc/api/index.js";
import { generateTestRsaKey, type TestRsaKey } from "../../../support/oidc-server.js";

const URL_TOKEN = "https://auth.example.test/oauth/token";
const NOW_MS = 1_700_000_000_123;
const clock = { now: () => NOW_MS };
const req = (): ClientAuthRequest => ({ form: { grant_type: "client_credentials", client_id: "should-be-removed" }, headers: {} });

let key: TestRsaKey;
let dir: string;
beforeAll(async () => {
  key = generateTestRsaKey();
  dir = await mkdtemp(join(tmpdir(), "pa-clientauth-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("simple strategies", () => {
  test("none: client_id in the form only", async () => {
    const r: ClientAuthRequest = { form: {}, headers: {} };
    await new PublicClientAuth("app").apply(r);
    expect(r).toEqual({ form: { client_id: "app" }, headers: {} });
  });
  test("client_secret_post: client_id + client_secret in the form", async () => {
    const r: ClientAuthRequest = { form: {}, headers: {} };
    await new ClientSecretPostAuth("app", "sec").apply(r);
    expect(r).toEqual({ form: { client_id: "app", client_secret: "sec" }, headers: {} });
  });
  test("client_secret_basic: header only, body untouched", async () => {
    const r: ClientAuthRequest = { form: {}, headers: {} };
    await new ClientSecretBasicAuth("app", "sec").apply(r);
    expect(r).toEqual({ form: {}, headers: { Authorization: `Basic ${Buffer.from("app:sec").toString("base64")}` } });
  });
  test("validator: adds nothing", async () => {
    const r: ClientAuthRequest = { form: {}, headers: {} };
    await new NoClientAuth().apply();
    expect(r).toEqual({ form: {}, headers: {} });
  });
  test("secrets are not exposed as enumerable properties", () => {
    expect(JSON.stringify(new ClientSecretBasicAuth("app", "top-secret"))).not.toContain("top-secret");
    expect(JSON.stringify(new ClientSecretPostAuth("app", "top-secret"))).not.toContain("top-secret");
  });
});

describe("private_key_jwt", () => {
  test("assertion: RS256 {alg,typ} header without kid, exact claims, aud = endpoint URL, no client_id field", async () => {
    const auth = new PrivateKeyJwtAuth({ clientId: "svc-client", privateKey: key.privateKeyPem, clock });
    const r = req();
    await auth.apply(r, URL_TOKEN);
    expect(Object.keys(r.form).sort()).toEqual(["client_assertion", "client_assertion_type", "grant_type"]);
    expect(r.form.client_assertion_type).toBe(CLIENT_ASSERTION_TYPE);
    expect(r.headers).toEqual({});
    const jwt = r.form.client_assertion!;
    expect(decodeProtectedHeader(jwt)).toEqual({ alg: "RS256", typ: "JWT" });
    const now = Math.floor(NOW_MS / 1000);
    const { payload } = await jwtVerify(jwt, key.publicKey, { algorithms: ["RS256"], currentDate: new Date(NOW_MS) });
    expect(payload).toEqual({
      iss: "svc-client",
      sub: "svc-client",
      aud: URL_TOKEN,
      iat: now,
      nbf: now,
      exp: now + 300,
      jti: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
    });
  });

  test("a fresh jti per request and aud per endpoint", async () => {
    const auth = new PrivateKeyJwtAuth({ clientId: "c", privateKey: key.privateKeyPem, clock });
    const a = req();
    const b = req();
    await auth.apply(a, URL_TOKEN);
    await auth.apply(b, "https://auth.example.test/introspect");
    const pa = (await jwtVerify(a.form.client_assertion!, key.publicKey, { currentDate: new Date(NOW_MS) })).payload;
    const pb = (await jwtVerify(b.form.client_assertion!, key.publicKey, { currentDate: new Date(NOW_MS) })).payload;
    expect(pa.jti).not.toBe(pb.jti);
    expect(pb.aud).toBe("https://auth.example.test/introspect");
  });

  test("PKCS#1 and encrypted PKCS#8 (with password) keys sign verifiable assertions", async () => {
    for (const opts of [{ privateKey: key.privateKeyPkcs1Pem }, { privateKey: key.encryptedPrivateKeyPem, privateKeyPassword: key.privateKeyPassword }]) {
      const jwt = await new PrivateKeyJwtAuth({ clientId: "c", clock, ...opts }).clientAssertion(URL_TOKEN);
      await expect(jwtVerify(jwt, key.publicKey, { currentDate: new Date(NOW_MS) })).resolves.toBeDefined();
    }
  });

  test("key file relative to the CWD; loaded once and cached", async () => {
    const file = join(dir, "key.pem");
    await writeFile(file, key.privateKeyPem);
    const auth = new PrivateKeyJwtAuth({ clientId: "c", privateKeyFile: relative(process.cwd(), file), clock });
    const first = await auth.clientAssertion(URL_TOKEN);
    await unlink(file);
    const second = await auth.clientAssertion(URL_TOKEN);
    for (const jwt of [first, second]) await expect(jwtVerify(jwt, key.publicKey, { currentDate: new Date(NOW_MS) })).resolves.toBeDefined();
  });

  test("the literal wins over the file", async () => {
    const auth = new PrivateKeyJwtAuth({ clientId: "c", privateKey: key.privateKeyPem, privateKeyFile: join(dir, "does-not-exist.pem"), clock });
    await expect(auth.clientAssertion(URL_TOKEN)).resolves.toEqual(expect.any(String));
  });

  test("wrong password, missing password, garbage, missing file, non-RSA key ⇒ AuthClientConfigException (recast message, no key material)", async () => {
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const cases = [
      { privateKey: key.encryptedPrivateKeyPem, privateKeyPassword: "wrong" },
      { privateKey: key.encryptedPrivateKeyPem },
      { privateKey: "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n" },
      { privateKeyFile: join(dir, "missing.pem") },
      { privateKey: ec },
      {},
    ];
    for (const c of cases) {
      const err = await new PrivateKeyJwtAuth({ clientId: "c", clientType: "oidc_client_credentials_pubkey", ...c }).clientAssertion(URL_TOKEN).catch((e) => e);
      expect(err).toBeInstanceOf(AuthClientConfigException);
      expect((err as AuthClientConfigException).clientType).toBe("oidc_client_credentials_pubkey");
      expect((err as Error).message).not.toContain("PRIVATE KEY");
      expect((err as Error).message).not.toContain("wrong");
    }
    const err = (await new PrivateKeyJwtAuth({ clientId: "c", privateKeyFile: join(dir, "missing.pem") }).clientAssertion(URL_TOKEN).catch((e) => e)) as Error;
    expect(err.message).toMatch(/ENOENT.* \(Error\)$/);
    expect(err.cause).toBeDefined();
  });

  test("a failed load is not cached: fixing the file makes the next call work", async () => {
    const file = join(dir, "later.pem");
    const auth = new PrivateKeyJwtAuth({ clientId: "c", privateKeyFile: file, clock });
    await expect(auth.clientAssertion(URL_TOKEN)).rejects.toBeInstanceOf(AuthClientConfigException);
    await writeFile(file, key.privateKeyPkcs1Pem);
    await expect(auth.clientAssertion(URL_TOKEN)).resolves.toEqual(expect.any(String));
  });
});
