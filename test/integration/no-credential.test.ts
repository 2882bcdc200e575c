/**
 * No request leaves without a credential: a client that holds none and cannot obtain one fails at
 * start-up (`ensureRequestAuthenticatorIsReady`) and on every request (ERR_NO_CREDENTIAL), against a
 * real OpenID Provider with a wrong client secret, an issuer that is not listening, and a
 * static_apikey with no key anywhere.
 */
import { describe, expect, test } from "@jest/globals";
import { createServer } from "node:net";
import { inspect } from "node:util";
import {
  Auth, FileStorageProvider, GotHttpClient, NoCredentialException, createDefaultKernel, type AuthKernel,
} from "../../src/index.js";
import { useOidcServerAndHome } from "./support/oidc-server-and-home.js";

const ctx = useOidcServerAndHome();

function kernel(): AuthKernel {
  return createDefaultKernel({
    homeDir: () => ctx.home.dir,
    services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 5000 }), storage: new FileStorageProvider({ homeDir: () => ctx.home.dir }) },
  });
}

/** A 127.0.0.1 port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function expectNoCredential(auth: Auth, clientType: string, cause: RegExp, secrets: string[] = []): Promise<void> {
  const err = (await auth.requestAuthenticator().authorizationHeaders().catch((e: unknown) => e)) as NoCredentialException;
  expect(err).toBeInstanceOf(NoCredentialException);
  expect(err.code).toBe("ERR_NO_CREDENTIAL");
  expect(err.clientType).toBe(clientType);
  expect(err.message).toContain(`the ${clientType} client holds no credential`);
  expect(err.message).toMatch(cause);
  for (const secret of secrets) expect(inspect(err, { depth: 0 })).not.toContain(secret);
}

describe("a client that holds no credential and cannot obtain one", () => {
  test("client credentials with a wrong secret: fails at start-up and on every request, naming invalid_client", async () => {
    const secret = "definitely-not-the-secret";
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: ctx.op.issuer, client_id: ctx.op.clients.secretPost.clientId, client_secret: secret, scopes: ["api:read"] },
      { kernel: kernel(), tokenFile: "wrong-secret/token.json" },
    );
    await expect(auth.ensureRequestAuthenticatorIsReady()).rejects.toMatchObject({ errorCode: "invalid_client" });
    await expectNoCredential(auth, "oidc_client_credentials_secret", /invalid_client/, [secret]);
  });

  test("an issuer that is not listening: fails at start-up and on every request with the network error", async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const auth = await Auth.initializeFromConfigDict(
      { client_type: "oidc_client_credentials_secret", auth_server: issuer, client_id: "c", client_secret: "s3cr3t-value", scopes: ["api:read"] },
      { kernel: kernel() },
    );
    await expect(auth.ensureRequestAuthenticatorIsReady()).rejects.toThrow(/ECONNREFUSED|refused|connect/i);
    await expectNoCredential(auth, "oidc_client_credentials_secret", /ECONNREFUSED|refused|connect/i, ["s3cr3t-value"]);
  });

  test("static_apikey with no key in the config and no token file: not ready, start-up fails, requests fail", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel: kernel() });
    expect(await auth.requestAuthenticatorIsReady()).toBe(false);
    await expect(auth.ensureRequestAuthenticatorIsReady()).rejects.toThrow(/static_apikey config has no api_key/);
    await expectNoCredential(auth, "static_apikey", /no credential is configured or stored/);
  });

  test("static_apikey whose token file does not exist: not ready; requests fail naming the file", async () => {
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey" }, { kernel: kernel(), tokenFile: "missing/token.json" });
    expect(await auth.requestAuthenticatorIsReady()).toBe(false);
    await expectNoCredential(auth, "static_apikey", /missing\/token\.json/);
  });
});
