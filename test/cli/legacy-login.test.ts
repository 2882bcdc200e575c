/**
 * `plauth legacy login` as a real process against a Planet legacy login endpoint on 127.0.0.1: the
 * user name and password from options, from the environment, or answered on standard input; then
 * the saved API key and JWT printed by `legacy print-api-key` / `print-access-token`. The password
 * never appears in any output.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startPlanetApiServer, type PlanetApiServer } from "../../examples/support/planet-api-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth, type PlauthResult } from "./support/plauth.js";

const EMAIL = "ada@example.com";
const PASSWORD = "correct-horse-battery-staple";
const API_KEY = "PLAK-legacy-0123456789";

let api: PlanetApiServer;
let home: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  api = await startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } });
});
afterAll(() => api.close());
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-home-"));
  await mkdir(path.join(home, ".planet/old"), { recursive: true });
  await writeFile(path.join(home, ".planet/old/auth_client.json"), JSON.stringify({ client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl }), { mode: 0o600 });
});
afterEach(() => cleanup());

const run = (args: string[], env: Record<string, string> = {}, input?: string) => plauth(args, { home, env, input });
const readJson = async (rel: string) => JSON.parse(await readFile(path.join(home, rel), "utf8"));

function expectNoPassword(result: PlauthResult, password = PASSWORD): void {
  expect(result.stdout).not.toContain(password);
  expect(result.stderr).not.toContain(password);
}

/** The saved login works for the print commands, plain and as JSON. */
async function expectSavedLogin(): Promise<void> {
  const saved = await readJson(".planet/old/token.json");
  expect(saved).toEqual({ jwt: expect.stringMatching(/^[\w-]+\.[\w-]+\.[\w-]+$/), key: API_KEY });
  expect(await run(["legacy", "print-api-key"])).toMatchObject({ code: 0, stdout: `${API_KEY}\n` });
  expect(JSON.parse((await run(["legacy", "print-api-key", "--json"])).stdout)).toEqual({ api_key: API_KEY });
  expect(await run(["legacy", "print-access-token"])).toMatchObject({ code: 0, stdout: `${saved.jwt}\n` });
  expect(JSON.parse((await run(["legacy", "print-access-token", "--json"])).stdout)).toEqual({ jwt: saved.jwt });
}

describe("legacy login", () => {
  test("with --username and --password: saves {jwt, key} and the default profile; print-api-key and print-access-token read them", async () => {
    const login = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password", PASSWORD]);
    expect(login).toMatchObject({ code: 0, stdout: "Logging in with authentication profile old...\nLogin succeeded.\n" });
    // A password on the command line is visible to other users: the warning names the safer forms.
    expect(login.stderr).toMatch(/^WARNING: --password puts a secret on the command line.*use --password-file FILE \("-" reads standard input\) or PL_AUTH_PASSWORD instead\.$/m);
    expectNoPassword(login);
    expect(await readJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "old" });
    expect(api.logins).toContain(EMAIL);
    await expectSavedLogin();
  });

  test("with the user name and password from PL_AUTH_USERNAME / PL_AUTH_PASSWORD (--email is the option's other name)", async () => {
    const env = { PL_AUTH_PROFILE: "old", PL_AUTH_USERNAME: EMAIL, PL_AUTH_PASSWORD: PASSWORD };
    const login = await run(["legacy", "login"], env);
    expect(login.code).toBe(0);
    expectNoPassword(login);
    await expectSavedLogin();

    const viaEmail = await run(["legacy", "login", "--email", EMAIL], { PL_AUTH_PROFILE: "old", PL_AUTH_PASSWORD: PASSWORD });
    expect(viaEmail.code).toBe(0);
  });

  test("a host's namespaced plauth reads ACME_PL_AUTH_USERNAME / ACME_PL_AUTH_PASSWORD, not the plain names", async () => {
    const script = fileURLToPath(new URL("./support/namespaced-plauth.mjs", import.meta.url));
    const namespaced = { ACME_PL_AUTH_PROFILE: "old", ACME_PL_AUTH_USERNAME: EMAIL, ACME_PL_AUTH_PASSWORD: PASSWORD };
    const login = await plauth(["legacy", "login"], { home, script, env: { ...namespaced, PL_AUTH_USERNAME: "someone-else@example.com" } });
    expect(login.code).toBe(0);
    expectNoPassword(login);
    expect(api.logins[api.logins.length - 1]).toBe(EMAIL);
    expect((await plauth(["legacy", "print-api-key"], { home, script, env: namespaced })).stdout).toBe(`${API_KEY}\n`);
  });

  test("asks for what is missing (Email:, then Password:) on standard input; the answer is not echoed", async () => {
    const login = await run(["--auth-profile", "old", "legacy", "login"], {}, `${EMAIL}\n${PASSWORD}\n`);
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/Email: \nPassword: \n/);
    expectNoPassword(login);
    await expectSavedLogin();

    const onlyPassword = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL], {}, `${PASSWORD}\n`);
    expect(onlyPassword.code).toBe(0);
    expect(onlyPassword.stdout).not.toContain("Email:");
    expect(onlyPassword.stdout).toContain("Password: ");
  });

  test("a wrong password is a clear error (exit 1) that shows no password, and nothing is saved", async () => {
    const wrong = "not-the-password-42";
    const login = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password-file", "-"], {}, `${wrong}\n`);
    expect(login.code).toBe(1);
    expect(login.stderr).toBe(`Error: HTTP error from endpoint at ${api.loginUrl}: 401: Unauthorized\n`);
    expectNoPassword(login, wrong);
    expect(await readdir(path.join(home, ".planet/old"))).toEqual(["auth_client.json"]);
    await expect(readFile(path.join(home, ".planet.json"))).rejects.toThrow(/ENOENT/);

    const noKey = await run(["--auth-profile", "old", "legacy", "print-api-key"]);
    expect(noKey).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: No API key .*log in first\n$/) });
  });

  test("--password-file reads the password from a file or from standard input (-), without a warning", async () => {
    await writeFile(path.join(home, "pw.txt"), `${PASSWORD}\n`, { mode: 0o600 });
    const fromFile = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password-file", "pw.txt"]);
    expect(fromFile).toMatchObject({ code: 0, stderr: "" });
    const fromStdin = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password-file", "-"], {}, `${PASSWORD}\n`);
    expect(fromStdin).toMatchObject({ code: 0, stderr: "" });
    expect(api.logins.filter((e) => e === EMAIL).length).toBeGreaterThanOrEqual(2);
    const both = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password", "x", "--password-file", "pw.txt"]);
    expect(both).toMatchObject({ code: 2, stderr: expect.stringContaining("Error: Give --password or --password-file, not both") });
    const missing = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL, "--password-file", "nope.txt"]);
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining("Cannot read the --password-file file nope.txt: ENOENT") });
  });

  test("end of input instead of a password cancels the login (exit 1)", async () => {
    const login = await run(["--auth-profile", "old", "legacy", "login", "--username", EMAIL], {}, "");
    expect(login).toMatchObject({ code: 1, stdout: expect.stringContaining("Canceled") });
    expect(await readdir(path.join(home, ".planet/old"))).toEqual(["auth_client.json"]);
  });
});
