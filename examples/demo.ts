/**
 * `npm run demo`: the main job against an embedded default, in a throw-away home directory.
 * 1. OAuth2/OIDC: a real OpenID Provider (oidc-provider, the one the integration tests use) runs
 *    in-process on 127.0.0.1; a service account gets a token by client credentials, calls an API with
 *    got and fetch, and the API side validates the token locally against the provider's JWKS.
 * 2. Planet legacy auth: a stand-in for the legacy login endpoint; login, the saved credential, and
 *    authenticated requests from a new context that reuses it.
 */
import "reflect-metadata";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import got from "got";
import { Auth, OidcMultiIssuerValidator, createDefaultKernel } from "../src/index.js";
import { startPlanetApiServer } from "./support/planet-api-server.js";
import { startOidcServer } from "../test/support/oidc-server.js";

const EMAIL = "demo@example.com";
const PASSWORD = "demo-password";
const API_KEY = "PLAK-demo-0000000000";

function mask(secret: string): string {
  return secret.slice(0, 5) + "…";
}

export async function oidcDemo(home: string): Promise<void> {
  const op = await startOidcServer();
  const api = await startPlanetApiServer({});
  try {
    const kernel = createDefaultKernel({ homeDir: () => home });
    const tokenFile = ".planet/service-account/token.json";
    console.log(`OpenID Provider (embedded): ${op.issuer}`);

    // The client side: a service account (client credentials, client secret).
    const auth = await Auth.initializeFromConfigDict(
      {
        client_type: "oidc_client_credentials_secret",
        auth_server: op.issuer,
        client_id: op.clients.secretPost.clientId,
        client_secret: op.clients.secretPost.clientSecret,
        scopes: ["api:read"],
      },
      { kernel, tokenFile, profileName: "service-account" },
    );
    await auth.ensureRequestAuthenticatorIsReady(); // unattended: the token is fetched on the first request
    const viaGot = await got.extend(auth.requestAuthenticator().gotHooks()).get(api.echoUrl).json<{ headers: Record<string, string> }>();
    const bearer = viaGot.headers.authorization!;
    const saved = JSON.parse(await readFile(path.join(home, tokenFile), "utf8")) as Record<string, unknown>;
    console.log(`1. got request    → Authorization: Bearer ${mask(bearer.slice(7))} (token obtained on the first request)`);
    console.log(`   token saved to ~/${tokenFile}: keys [${Object.keys(saved).join(", ")}], expires in ${saved.expires_in} s (refreshed at 3/4 of its life)`);
    const res = await auth.requestAuthenticator().fetch()(api.echoUrl);
    const viaFetch = (await res.json()) as { headers: Record<string, string> };
    console.log(`2. fetch request  → same token reused: ${viaFetch.headers.authorization === bearer}`);

    // The API side: validate the bearer token locally (signature by the provider's JWKS, iss, aud, exp, scope).
    const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience, kernel, logResult: false });
    const [claims] = await validator.validateAccessToken(bearer.slice(7), { scopesAnyof: ["api:read"] });
    console.log(`3. API validated the token locally: iss=${claims.iss} aud=${claims.aud} client_id=${claims.client_id} scope="${claims.scope}"`);
  } finally {
    await api.close();
    await op.stop();
  }
}

export async function legacyDemo(home: string): Promise<void> {
  const api = await startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } });
  try {
    const kernel = createDefaultKernel({ homeDir: () => home });
    const tokenFile = ".planet/legacy-demo/token.json";
    console.log(`Planet legacy login endpoint (embedded): ${api.loginUrl}`);

    const auth = await Auth.initializeFromConfigDict(
      { client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl },
      { kernel, tokenFile, profileName: "legacy-demo" },
    );
    await auth.login({ username: EMAIL, password: PASSWORD });
    const saved = JSON.parse(await readFile(path.join(home, tokenFile), "utf8")) as { key: string; jwt: string };
    console.log(`1. Logged in as ${EMAIL}; credential saved to ~/${tokenFile} with keys [${Object.keys(saved).join(", ")}], key ${mask(saved.key)}`);

    const viaGot = await got.extend(auth.requestAuthenticator().gotHooks()).get(api.echoUrl).json<{ headers: Record<string, string> }>();
    console.log(`2. got request    → Authorization: ${viaGot.headers.authorization!.replace(API_KEY, mask(API_KEY))}; X-Planet-App: ${viaGot.headers["x-planet-app"]}`);

    const again = await Auth.initializeFromConfigDict(
      { client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl },
      { kernel, tokenFile, profileName: "legacy-demo" },
    );
    await again.ensureRequestAuthenticatorIsReady();
    const res = await again.requestAuthenticator().fetch()(api.echoUrl);
    const viaFetch = (await res.json()) as { headers: Record<string, string> };
    console.log(`3. fetch request from a new context reusing the saved key → Authorization: ${viaFetch.headers.authorization!.replace(API_KEY, mask(API_KEY))}`);
    console.log(`   logins seen by the server: ${api.logins.length} (the second context did not log in again)`);
  } finally {
    await api.close();
  }
}

async function main(): Promise<void> {
  const home = await mkdtemp(path.join(tmpdir(), "planet-auth-demo-"));
  try {
    console.log("== planet-auth demo: OAuth2 client credentials + local token validation ==");
    await oidcDemo(home);
    console.log("\n== planet-auth demo: Planet legacy auth ==");
    await legacyDemo(home);
    console.log("\nDemo complete.");
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

await main();
