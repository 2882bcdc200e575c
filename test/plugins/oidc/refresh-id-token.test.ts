/** An ID token returned by a refresh is validated like the one returned at login. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from "jose";
import { GotHttpClient, InvalidTokenException, type AuthKernel } from "../../../src/index.js";
import { FileBackedOidcCredential, type OidcAuthClient } from "../../../src/plugins/oidc/index.js";
import { oidcKernel } from "./helpers.js";

const AS = "https://login.refresh.test";
let kernel: AuthKernel;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let publicJwk: Record<string, unknown>;

beforeAll(async () => {
  nock.disableNetConnect();
  kernel = oidcKernel({ http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }) });
  const pair = await generateKeyPair("RS256");
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair("RS256")).privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "RS256", use: "sig" };
});
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function idToken(key: CryptoKey, audience = "cid"): Promise<string> {
  return new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(AS).setAudience(audience).setSubject("u1")
    .setIssuedAt().setExpirationTime("5m").sign(key);
}

async function client(): Promise<OidcAuthClient> {
  nock(AS).persist().get("/jwks").reply(200, { keys: [publicJwk] });
  const config = kernel.configFromDict({
    client_type: "oidc_device_code", auth_server: AS, client_id: "cid", issuer: AS,
    token_endpoint: `${AS}/token`, jwks_endpoint: `${AS}/jwks`,
  });
  return (await kernel.clientFromConfig(config)) as OidcAuthClient;
}

describe("refresh with an ID token in the response", () => {
  test("a valid ID token is accepted and kept in the new credential", async () => {
    const token = await idToken(signingKey);
    nock(AS).post("/token").reply(200, { access_token: "at2", id_token: token, expires_in: 60, token_type: "Bearer" });
    const cred = (await (await client()).refresh("rt")) as FileBackedOidcCredential;
    expect(cred.data()).toMatchObject({ access_token: "at2", id_token: token, refresh_token: "rt" });
  });

  test.each([
    ["signed by another key", () => idToken(strangerKey)],
    ["for another audience", () => idToken(signingKey, "someone-else")],
  ])("an ID token %s fails the refresh", async (_what, make) => {
    nock(AS).post("/token").reply(200, { access_token: "at2", id_token: await make(), expires_in: 60 });
    await expect((await client()).refresh("rt")).rejects.toBeInstanceOf(InvalidTokenException);
  });
});

describe("ID tokens received from the token endpoint tolerate clock skew", () => {
  test("an ID token issued slightly in this machine's future is accepted at refresh; validateIdTokenLocal stays strict", async () => {
    const now = Math.floor(Date.now() / 1000);
    const skewed = await new SignJWT({}).setProtectedHeader({ alg: "RS256", kid: "k1" }).setIssuer(AS).setAudience("cid").setSubject("u1")
      .setIssuedAt(now + 30).setExpirationTime(now + 330).sign(signingKey);
    nock(AS).post("/token").reply(200, { access_token: "at2", id_token: skewed, expires_in: 60 });
    const c = await client();
    await expect(c.refresh("rt")).resolves.toBeInstanceOf(FileBackedOidcCredential);
    await expect(c.validateIdTokenLocal(skewed)).rejects.toBeInstanceOf(InvalidTokenException);
  });
});
