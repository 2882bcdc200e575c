/**
 * A refresh token goes only to the auth server of the config it was obtained with: a cloned
 * repository's rc file that points a profile named like the user's at a foreign server, or a config
 * for another server given the user's token file, never gets the user's refresh token.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { createServer, type Server } from "node:http";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  Auth, CredentialOriginException, NoCredentialException, createDefaultKernel, loadKernel, saveProfileConfig, type AuthKernel,
} from "../../src/index.js";
import { makeTempDir } from "../support/temp-dir.js";
import { useOidcServerAndHome } from "./support/oidc-server-and-home.js";
import { grantCounter } from "./support/echo-api.js";

const env = useOidcServerAndHome();

interface Recorded { method: string; url: string; headers: string; body: string }

/** Server B: a foreign "issuer" that answers discovery and would happily take any token request. */
async function startForeignServer(): Promise<{ issuer: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  let issuer = "";
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d: Buffer) => (body += d.toString()));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: JSON.stringify(req.headers), body });
      res.setHeader("content-type", "application/json");
      if (req.url?.startsWith("/.well-known/openid-configuration")) {
        res.end(JSON.stringify({ issuer, token_endpoint: `${issuer}/token`, authorization_endpoint: `${issuer}/auth`, jwks_uri: `${issuer}/jwks` }));
      } else if (req.url === "/token") {
        res.end(JSON.stringify({ access_token: "b-access", token_type: "Bearer", expires_in: 3600 }));
      } else {
        res.statusCode = 404;
        res.end("{}");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  issuer = `http://127.0.0.1:${address.port}`;
  return { issuer, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

let home: string;
let cleanup: () => Promise<void>;
let b: Awaited<ReturnType<typeof startForeignServer>>;
let userKernel: AuthKernel;
beforeEach(async () => {
  [{ dir: home, cleanup }, b] = await Promise.all([makeTempDir(), startForeignServer()]);
  userKernel = createDefaultKernel({ homeDir: () => home });
});
afterEach(async () => {
  await b.close();
  await cleanup();
});

const configFor = (authServer: string) => ({
  client_type: "oidc_auth_code",
  auth_server: authServer,
  client_id: env.op.clients.publicApp.clientId,
  local_redirect_uri: "http://127.0.0.1:0/callback",
  scopes: ["openid", "offline_access"],
});

/** The user's refresh token from A, stored with an access token that needs a refresh. */
async function staleTokensFromA(): Promise<Record<string, unknown>> {
  const tokens = await env.op.authCodeTokens({ scope: "openid offline_access" });
  const now = Math.floor(Date.now() / 1000);
  return { access_token: "stale-access-token", refresh_token: tokens.refresh_token, token_type: "Bearer", _iat: now - 7200, _exp: now - 3600 };
}

function tokenSeenBy(requests: Recorded[], secret: string): boolean {
  return requests.some((r) => r.body.includes(secret) || r.headers.includes(secret) || r.url.includes(secret));
}

describe("tokens stay with the auth server they came from", () => {
  test("a discovered rc profile named like the user's on-disk profile, pointing at server B, is shadowed by it and never gets the user's refresh token", async () => {
    const { op } = env;
    await saveProfileConfig("work", userKernel.configFromDict(configFor(op.issuer)));
    const stored = await staleTokensFromA();
    // As another implementation writes it: the token file alone, with no origin record.
    const tokenPath = path.join(home, ".planet", "work", "token.json");
    await fs.writeFile(tokenPath, JSON.stringify(stored), { mode: 0o600 });

    const project = path.join(home, "src", "cloned-repo");
    await fs.mkdir(project, { recursive: true });
    await fs.writeFile(path.join(project, "package.json"), "{}");
    await fs.writeFile(path.join(project, ".planetauthrc.json"), JSON.stringify({ profiles: { work: configFor(b.issuer) } }));
    const repoKernel = await loadKernel({ searchFrom: project, homeDir: () => home, env: {} });

    // The user's profile answers for its name: the project's "work" (server B) is never used.
    const resolved = await Auth.initializeFromProfile("work", { kernel: repoKernel });
    expect(resolved.authClient().config().data()).toMatchObject({ auth_server: op.issuer });
    expect(resolved.tokenFilePath()).toBe(".planet/work/token.json");
    // A profile only the project defines, pointing at B, has no credential: its requests fail instead of going out.
    await fs.writeFile(path.join(project, ".planetauthrc.json"), JSON.stringify({ profiles: { theirs: configFor(b.issuer) } }));
    const foreign = await Auth.initializeFromProfile("theirs", { kernel: await loadKernel({ searchFrom: project, homeDir: () => home, env: {} }) });
    expect(foreign.tokenFilePath()).not.toBe(".planet/work/token.json");
    await expect(foreign.requestAuthenticator().authorizationHeaders()).rejects.toBeInstanceOf(NoCredentialException);
    await expect(foreign.ensureRequestAuthenticatorIsReady()).rejects.toThrow();

    expect(b.requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(tokenSeenBy(b.requests, stored.refresh_token as string)).toBe(false);
    expect(JSON.parse(await fs.readFile(tokenPath, "utf8"))).toEqual(stored);

    // The user's own profile still refreshes at A with the untouched token.
    const grants = grantCounter(op.provider);
    const mine = await Auth.initializeFromProfile("work", { kernel: userKernel });
    const mineHeaders = await mine.requestAuthenticator().authorizationHeaders();
    expect(mineHeaders.Authorization).toMatch(/^Bearer /);
    expect(mineHeaders.Authorization).not.toBe("Bearer stale-access-token");
    expect(grants.refresh_token).toBe(1);
    // Saved by this library: the origin is now recorded beside the token, and the token file keeps its format.
    expect(JSON.parse(await fs.readFile(path.join(home, ".planet", "work", "token.origin.json"), "utf8"))).toEqual({
      auth_server: op.issuer, client_id: op.clients.publicApp.clientId,
    });
    expect(Object.keys(JSON.parse(await fs.readFile(tokenPath, "utf8"))).sort()).not.toContain("auth_server");
  });

  test("a config for server B given the user's token file explicitly refuses the token: B receives nothing", async () => {
    const { op } = env;
    const stored = await staleTokensFromA();
    const tokenFile = ".planet/work/token.json";
    await Auth.initializeFromConfigDict(configFor(op.issuer), { kernel: userKernel, tokenFile, initialTokenData: stored });
    const tokenPath = path.join(home, tokenFile);
    const before = await fs.readFile(tokenPath, "utf8");

    const foreign = await Auth.initializeFromConfigDict(configFor(b.issuer), { kernel: userKernel, tokenFile });
    const refused = await foreign.requestAuthenticator().authorizationHeaders().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(NoCredentialException); // the request fails instead of going out unauthenticated
    expect((refused as Error).cause).toBeInstanceOf(CredentialOriginException);
    expect((refused as Error).message).not.toContain(stored.refresh_token as string);
    const credential = await foreign.requestAuthenticator().credential();
    const err = await credential!.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CredentialOriginException);
    expect((err as Error).message).toContain(op.issuer);
    expect((err as Error).message).toContain(b.issuer);
    expect((err as Error).message).toContain(tokenFile);
    expect((err as Error).message).not.toContain(stored.refresh_token as string);

    expect(b.requests.filter((r) => r.method === "POST")).toEqual([]);
    expect(tokenSeenBy(b.requests, stored.refresh_token as string)).toBe(false);
    expect(await fs.readFile(tokenPath, "utf8")).toBe(before);
  });
});
