/**
 * plauth against a real OpenID Provider, as real processes: a login for each flow the provider
 * supports (client credentials; auth code through the loopback listener with a scripted browser;
 * device code approved by the test while plauth polls), then the oauth commands on the saved tokens.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth, startPlauth, stopAllPlauth } from "./support/plauth.js";

let op: OidcServer;
let home: string;
let project: string;
const cleanups: Array<() => Promise<void>> = [];

async function writeJson(file: string, data: unknown): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, JSON.stringify(data, null, 2));
}
const readJson = async (rel: string) => JSON.parse(await readFile(path.join(home, rel), "utf8"));
const run = (args: string[], env: Record<string, string> = {}, input?: string) => plauth(args, { home, env, input });

function expiredJwt(): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "none" })}.${b64({ iat: 1_600_000_000, exp: 1_600_000_600 })}.`;
}

beforeAll(async () => {
  const [server, h, p] = await Promise.all([startOidcServer(), makeTempDir("plauth-home-"), makeTempDir("plauth-project-")]);
  op = server;
  ({ dir: home } = h);
  ({ dir: project } = p);
  cleanups.push(h.cleanup, p.cleanup);
  const planet = path.join(home, ".planet");
  await writeJson(path.join(planet, "cc/auth_client.json"), {
    client_type: "oidc_client_credentials_secret", auth_server: op.issuer, client_id: op.clients.secretBasic.clientId,
    client_secret: op.clients.secretBasic.clientSecret, audiences: [op.apiAudience], scopes: ["api:read"],
  });
  await writeJson(path.join(planet, "ac/auth_client.json"), {
    client_type: "oidc_auth_code", auth_server: op.issuer, client_id: op.clients.publicApp.clientId,
    local_redirect_uri: "http://127.0.0.1:0/callback", scopes: ["openid", "offline_access"],
  });
  await writeJson(path.join(planet, "dev/auth_client.json"), {
    client_type: "oidc_device_code", auth_server: op.issuer, client_id: op.clients.device.clientId, scopes: ["openid", "offline_access"],
  });
  // A project whose configuration registers a plugin contributing the service-account built-in profile.
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "host-app", private: true }));
  await writeJson(path.join(project, ".planetauthrc.json"), { plugins: ["./m2m-profiles.mjs"] });
  await writeFile(
    path.join(project, "m2m-profiles.mjs"),
    `export default { name: "test-m2m-profiles", version: "1.0.0", builtinProfiles: ${JSON.stringify({
      profiles: { "test-m2m": { client_type: "oidc_client_credentials_secret", auth_server: op.issuer, audiences: [op.apiAudience], _hidden: true } },
      defaultProfileByClientType: { oidc_client_credentials_secret: "test-m2m" },
    })} };\n`,
  );
});
afterAll(async () => {
  stopAllPlauth();
  await op?.stop();
  for (const c of cleanups) await c();
});

describe("client credentials", () => {
  test("login saves the token and the default profile; the oauth commands use them", async () => {
    const login = await run(["--auth-profile", "cc", "login"]);
    expect(login).toMatchObject({ code: 0, stdout: "Logging in with authentication profile cc...\nLogin succeeded.\n" });
    const saved = await readJson(".planet/cc/token.json");
    // Written as the Python library writes it: keys sorted, 2-space indent, no trailing newline.
    const sorted = Object.fromEntries(Object.entries(saved).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(await readFile(path.join(home, ".planet/cc/token.json"), "utf8")).toBe(JSON.stringify(sorted, null, 2));
    expect((await stat(path.join(home, ".planet/cc/token.json"))).mode & 0o777).toBe(0o600);
    expect(saved).toMatchObject({ access_token: expect.any(String), _iat: expect.any(Number), _exp: expect.any(Number) });
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "cc" });

    // No --auth-profile: ~/.planet.json selects cc.
    expect((await run(["oauth", "print-access-token"])).stdout).toBe(`${saved.access_token}\n`);
    const local = JSON.parse((await run(["oauth", "validate-access-token-local"])).stdout);
    expect(local).toMatchObject({ client_id: op.clients.secretBasic.clientId, aud: op.apiAudience });
    expect(JSON.parse((await run(["oauth", "discovery"])).stdout)).toMatchObject({ issuer: op.issuer });
    const scopes = JSON.parse((await run(["oauth", "list-scopes"])).stdout);
    expect(scopes).toEqual([...scopes].sort());
    expect(scopes).toContain("openid");
    const decoded = JSON.parse((await run(["oauth", "decode-access-token", "--json"])).stdout);
    expect(decoded.body).toMatchObject({ iss: op.issuer, aud: op.apiAudience });

    const validated = await run(["jwt", "validate-oauth", "--token", saved.access_token]);
    expect(validated.code).toBe(0);
    expect(validated.stdout).toMatch(/^TOKEN OK\n/);
    expect(validated.stderr).toContain(`WARNING: trusting the token's own issuer ${op.issuer}`);
  });

  test("print-access-token decides expiry from the saved _exp: an expired token is replaced by an unattended login; --no-refresh prints it as it is", async () => {
    const stale = expiredJwt();
    await writeJson(path.join(home, ".planet/cc/token.json"), { access_token: stale, _iat: 1_600_000_000, _exp: 1_600_000_600 });
    expect((await run(["--auth-profile", "cc", "oauth", "print-access-token", "--no-refresh"])).stdout).toBe(`${stale}\n`);
    const fresh = await run(["--auth-profile", "cc", "oauth", "print-access-token", "--json"]);
    const printed = JSON.parse(fresh.stdout);
    expect(printed.access_token).not.toBe(stale);
    expect(printed.expires_at).toBeGreaterThan(Date.now() / 1000);
    expect((await readJson(".planet/cc/token.json")).access_token).toBe(printed.access_token);
  });

  test("a client id and secret with a plugin's service-account built-in: login, then the profile is saved; never beside a .sops.json", async () => {
    const { clientId, clientSecret } = op.clients.secretBasic;
    const args = ["login", "--auth-client-id", clientId, "--auth-client-secret", clientSecret, "--no"];
    const login = await plauth(args, { home, cwd: project });
    expect(login).toMatchObject({ code: 0, stdout: `Logging in with authentication profile test-m2m-${clientId}...\nLogin succeeded.\n` });
    const dir = `.planet/test-m2m-${clientId.toLowerCase()}`;
    expect(await readJson(`${dir}/auth_client.json`)).toMatchObject({ client_id: clientId, auth_server: op.issuer });
    expect(await readJson(`${dir}/token.json`)).toMatchObject({ access_token: expect.any(String) });
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "cc" });

    // The same login for a profile whose config exists only SOPS-encrypted leaves it alone: no cleartext copy.
    const sopsOnly = path.join(home, `${dir}/auth_client.json`);
    await writeFile(path.join(home, `${dir}/auth_client.sops.json`), "{}");
    await rm(sopsOnly);
    expect((await plauth(args, { home, cwd: project })).code).toBe(0);
    await expect(stat(sopsOnly)).rejects.toThrow(/ENOENT/);

    // Without a client-credentials built-in (outside the project) the pair is an error, not a no-op client.
    const none = await run(["login", "--auth-client-id", clientId, "--auth-client-secret", clientSecret]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no built-in profile for client_type oidc_client_credentials_secret/);
    expect(none.stderr).not.toContain(clientSecret);
  });
});

describe("auth code", () => {
  test("the browser (BROWSER=echo) gets the authorization URL; the test drives it to the loopback listener; -y changes the default profile", async () => {
    const running = startPlauth(["--auth-profile", "ac", "login", "-y"], { home, env: { BROWSER: "echo" } });
    const [url] = await running.waitForStdout(new RegExp(`${op.endpoints.authorization.replace(/[.?]/g, "\\$&")}\\?\\S+`));
    const callback = await op.authorize(url, { deliver: true });
    expect(callback.delivered?.status).toBe(200);
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(/Change the default/);
    expect(result.stdout).toMatch(/Login succeeded\.\n/);
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "ac" });
    const tokens = await readJson(".planet/ac/token.json");
    expect(tokens.refresh_token).toBeTruthy();

    expect(JSON.parse((await run(["oauth", "userinfo"])).stdout)).toMatchObject({ sub: op.accountId });
    expect(JSON.parse((await run(["oauth", "validate-access-token"])).stdout)).toMatchObject({ active: true, sub: op.accountId });
    // --json is accepted by every command that prints data; these print JSON either way.
    for (const args of [["oauth", "userinfo"], ["oauth", "validate-access-token"], ["oauth", "validate-id-token-local"], ["oauth", "discovery"], ["oauth", "list-scopes"]]) {
      const plain = await run(args);
      const json = await run([...args, "--json"]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toEqual(JSON.parse(plain.stdout));
    }
    expect((await run(["oauth", "refresh"])).code).toBe(0);
    const refreshed = await readJson(".planet/ac/token.json");
    expect(refreshed.access_token).not.toBe(tokens.access_token);

    // An expired access token is refreshed with the saved refresh token.
    const stale = expiredJwt();
    await writeJson(path.join(home, ".planet/ac/token.json"), { ...refreshed, access_token: stale, _exp: 1_600_000_600 });
    const printed = (await run(["oauth", "print-access-token"])).stdout.trim();
    expect(printed).not.toBe(stale);
    expect((await readJson(".planet/ac/token.json")).access_token).toBe(printed);

    expect((await run(["oauth", "revoke-refresh-token"])).code).toBe(0);
    const invalid = await run(["oauth", "validate-refresh-token"]);
    expect(invalid.code).toBe(1);
  });
});

describe("device code", () => {
  test("the code is shown with a QR code, plauth waits showing the time left, the test approves it", async () => {
    const running = startPlauth(["--auth-profile", "dev", "login", "--no-open-browser", "--show-qr-code", "--no"], { home });
    const [, code] = await running.waitForStdout(/enter the code: (\S+)/);
    await op.approveDevice(code!);
    const result = await running.result;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/[▀▄█]/);
    expect(result.stderr).toMatch(/Waiting for the login to be approved \(expires in \d+:\d\d\)/);
    expect(await readJson(".planet/dev/token.json")).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "ac" });
  });
});

describe("after a login without a terminal", () => {
  test("nothing is asked: the default profile stays, the way to change it is named, exit 0", async () => {
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "ac" });
    const login = await run(["--auth-profile", "cc", "login"], {}, "y\n");
    expect(login).toMatchObject({ code: 0, stdout: "Logging in with authentication profile cc...\nLogin succeeded.\n" });
    expect(login.stderr).toMatch(/^The default auth profile is still "ac"; to make "cc" the default, log in with -y or run: plauth profile set cc\n/m);
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "ac" });
  });
});
