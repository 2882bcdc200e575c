/**
 * `npm run demo`: the main job against an embedded default. Starts a stand-in for Planet's legacy
 * login endpoint and an echo API on 127.0.0.1, then shows login, the saved credential, and
 * authenticated requests with got and fetch — using a throw-away home directory.
 */
import "reflect-metadata";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import got from "got";
import { Auth, createDefaultKernel } from "../src/index.js";
import { startPlanetApiServer } from "./support/planet-api-server.js";

const EMAIL = "demo@example.com";
const PASSWORD = "demo-password";
const API_KEY = "PLAK-demo-0000000000";

function mask(secret: string): string {
  return secret.slice(0, 5) + "…";
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
    console.log("== planet-auth demo: Planet legacy auth ==");
    await legacyDemo(home);
    console.log("\nDemo complete.");
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

await main();
