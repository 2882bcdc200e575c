/**
 * Trying plauth by hand, as real processes: `plauth dev issuer` runs until stopped; the `profile
 * create` lines it prints make profiles that log in; the dialog, driven through standard input for
 * each interactive client type, makes profiles that log in; a person approves device codes and signs
 * in at the HTML pages the issuer serves (test/cli/support/person.ts submits their forms).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import path from "node:path";
import { makeTempDir } from "../support/temp-dir.js";
import { firstForm, Person } from "./support/person.js";
import { PLAUTH, plauth, startPlauth, stopAllPlauth, type RunningPlauth } from "./support/plauth.js";

interface DevOutput {
  issuer: string;
  account: string;
  device_page: string;
  clients: Array<{ profile: string; client_type: string; client_id: string; profile_create: string }>;
}

let issuer: RunningPlauth;
let dev: DevOutput;
let home: string;
let bin: string;
const cleanups: Array<() => Promise<void>> = [];

const run = (args: string[], input?: string, env: Record<string, string> = {}) => plauth(args, { home, input, env });
const readJson = async (rel: string) => JSON.parse(await readFile(path.join(home, rel), "utf8"));

/** A person approves the device code shown at `verificationUrl` (the code is prefilled in the URL). */
async function approveDevice(verificationUrl: string, decision: RegExp = /allow/i): Promise<Person> {
  const person = new Person();
  let page = await person.open(verificationUrl);
  page = await person.submit(firstForm(page)); // the prefilled code (the page's no-script button)
  page = await person.submit(firstForm(page), { button: /continue/i }); // "is this your device?"
  expect(page.html).toMatch(/Sign in to the development issuer/);
  await person.submit(firstForm(page), { button: decision });
  return person;
}

beforeAll(async () => {
  const h = await makeTempDir("plauth-dev-home-");
  ({ dir: home } = h);
  cleanups.push(h.cleanup);
  // `plauth` on PATH, so the printed lines run exactly as printed.
  bin = path.join(home, "bin");
  await mkdir(bin);
  await writeFile(path.join(bin, "plauth"), `#!/bin/sh\nexec "${process.execPath}" "${PLAUTH}" "$@"\n`);
  await chmod(path.join(bin, "plauth"), 0o755);
  issuer = startPlauth(["dev", "issuer", "--port", "0", "--json"], { home });
  dev = JSON.parse((await issuer.waitForStdout(/^\{[\s\S]*\n\}\n/))[0]) as DevOutput;
});
afterAll(async () => {
  stopAllPlauth();
  for (const c of cleanups) await c();
});

describe("plauth dev issuer", () => {
  test("serves on loopback and lists a client for each flow with its profile create line", () => {
    expect(dev.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(dev.clients.map((c) => c.client_type)).toEqual(expect.arrayContaining(["oidc_client_credentials_secret", "oidc_device_code", "oidc_auth_code"]));
    for (const c of dev.clients) expect(c.profile_create).toContain(`plauth profile create ${c.profile} --client-type ${c.client_type}`);
  });

  test("each printed line, run as printed, makes a profile; the service one logs in unattended", async () => {
    for (const c of dev.clients) {
      const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
        execFile("sh", ["-c", c.profile_create], { env: { PATH: `${bin}:${process.env.PATH}`, HOME: home }, cwd: home }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }));
      });
      expect(result).toMatchObject({ code: 0, stdout: expect.stringContaining(`Profile "${c.profile}" saved`) });
      expect(result.stderr).not.toMatch(/WARNING/); // no secret on the command line
      expect((await readJson(`.planet/${c.profile}/auth_client.json`)).client_type).toBe(c.client_type);
    }
    const login = await run(["--auth-profile", "dev-service", "login", "-y"]);
    expect(login).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
    expect(JSON.parse((await run(["oauth", "validate-access-token-local", "--json"])).stdout)).toMatchObject({ aud: expect.anything() });
  });

  test("the dev-browser line's profile logs in at the sign-in page a person submits", async () => {
    const login = startPlauth(["--auth-profile", "dev-browser", "login", "-y"], { home, env: { BROWSER: "echo" } });
    const [url] = await login.waitForStdout(new RegExp(`${dev.issuer.replace(/[.]/g, "\\.")}/auth\\?\\S+`));
    const person = new Person();
    const signIn = await person.open(url);
    expect(signIn.html).toMatch(/<form method="post"/);
    expect(signIn.html).not.toMatch(/<script/i);
    const back = await person.submit(firstForm(signIn), { button: /allow/i, stayOn: dev.issuer });
    expect(back.status).toBe(200);
    expect(await login.result).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
    expect(JSON.parse((await run(["oauth", "userinfo", "--json"])).stdout)).toMatchObject({ sub: dev.account });
  });

  test("the DPoP line's profile logs in with a device code and gets DPoP-bound tokens", async () => {
    const dpop = dev.clients.find((c) => c.profile === "dev-dpop");
    expect(dpop?.profile_create).toContain("--set dpop=true"); // this build's OIDC configs take dpop
    const login = startPlauth(["--auth-profile", "dev-dpop", "login", "--no-open-browser", "-n"], { home });
    const [url] = await login.waitForStdout(/http:\S+\/device\?user_code=\S+/);
    await approveDevice(url);
    expect(await login.result).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
    expect(await readJson(".planet/dev-dpop/token.json")).toMatchObject({ token_type: "DPoP" });
  });
});

describe("profile create: the dialog through standard input, then login", () => {
  test("device code: scopes default to what a person's login needs; an empty answer is asked again", async () => {
    // name given; client type by value; auth server; client id left empty once, then given; scopes: the default.
    const answers = ["oidc_device_code", dev.issuer, "", "device-app", ""].join("\n") + "\n";
    const created = await run(["profile", "create", "by-hand-device"], answers);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain("A value is required for client_id.");
    expect(created.stdout).toMatch(/Device Code - OAuth2 Device Code Flow for a non-confidential client\./);
    expect(created.stdout).not.toMatch(/Devivce/);
    expect(created.stdout).toMatch(/Scopes to request at login.*The server supports: .*openid.*\[openid offline_access\]/);
    expect(await readJson(".planet/by-hand-device/auth_client.json")).toMatchObject({ client_id: "device-app", scopes: ["openid", "offline_access"] });

    const login = startPlauth(["--auth-profile", "by-hand-device", "login", "--no-open-browser", "-y"], { home });
    const [url] = await login.waitForStdout(/http:\S+\/device\?user_code=\S+/);
    await approveDevice(url);
    expect(await login.result).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
    expect(await readJson(".planet/by-hand-device/token.json")).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
  });

  test("auth code: the two redirect URLs are told apart; the loopback one is required when the other is skipped", async () => {
    const answers = ["oidc_auth_code", dev.issuer, "public-app", "", "", "http://127.0.0.1:0/callback", "openid offline_access email"].join("\n") + "\n";
    const created = await run(["profile", "create", "by-hand-browser"], answers);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Redirect URL for logins without a browser here \(redirect_uri\).*\(empty to skip\)/);
    expect(created.stdout).toMatch(/Loopback redirect URL for logins with a browser \(local_redirect_uri\)/);
    expect(created.stderr).toContain("A value is required for local_redirect_uri.");
    expect(await readJson(".planet/by-hand-browser/auth_client.json")).toMatchObject({
      local_redirect_uri: "http://127.0.0.1:0/callback", scopes: ["openid", "offline_access", "email"],
    });

    const login = startPlauth(["--auth-profile", "by-hand-browser", "login", "-y"], { home, env: { BROWSER: "echo" } });
    const [url] = await login.waitForStdout(/http:\S+\/auth\?\S+/);
    const person = new Person();
    await person.submit(firstForm(await person.open(url)), { button: /allow/i });
    expect(await login.result).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
  });

  test("end of input cancels the dialog and saves nothing", async () => {
    const canceled = await run(["profile", "create", "never"], "oidc_device_code\n");
    expect(canceled).toMatchObject({ code: 1, stdout: expect.stringContaining("Canceled") });
    await expect(readFile(path.join(home, ".planet/never/auth_client.json"))).rejects.toThrow(/ENOENT/);
  });
});

describe("errors about scopes say so", () => {
  test("an auth-code profile without scopes: the refusal is explained as a scope problem", async () => {
    await mkdir(path.join(home, ".planet/no-scopes"), { recursive: true });
    await writeFile(path.join(home, ".planet/no-scopes/auth_client.json"), JSON.stringify({
      client_type: "oidc_auth_code", auth_server: dev.issuer, client_id: "public-app", local_redirect_uri: "http://127.0.0.1:0/callback",
    }), { mode: 0o600 });
    const login = startPlauth(["--auth-profile", "no-scopes", "login", "-n"], { home, env: { BROWSER: "echo" } });
    const [url] = await login.waitForStdout(/http:\S+\/auth\?\S+/);
    await new Person().open(url);
    const result = await login.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/openid scope must be requested/);
    expect(result.stderr).toMatch(/This is about scopes: the login requested no scopes; a person's login usually needs openid .*the server supports: .*openid/);
  });

  test("a device login the person denies is reported as denied, not as a scope problem", async () => {
    const login = startPlauth(["--auth-profile", "by-hand-device", "login", "--no-open-browser", "-n"], { home });
    const [url] = await login.waitForStdout(/http:\S+\/device\?user_code=\S+/);
    await approveDevice(url, /deny/i);
    const result = await login.result;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/access_denied/);
    expect(result.stderr).not.toMatch(/about scopes/);
  });
});

test("the issuer stops on SIGTERM and exits 0", async () => {
  issuer.child.kill("SIGTERM");
  expect(await issuer.result).toMatchObject({ code: 0, stderr: expect.stringContaining("Development issuer stopped.") });
});
