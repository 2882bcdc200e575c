/**
 * plauth commands that need no auth server, run as real processes against temp homes: version,
 * reset, profile …, jwt decode, legacy print-*, usage errors, and profiles in the Python library's format.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { makeTempDir } from "../support/temp-dir.js";
import { refusedPortUrl } from "../support/recording-server.js";
import { plauth } from "./support/plauth.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: home, cleanup } = await makeTempDir("plauth-home-")));
afterEach(() => cleanup());

/** A file as the Python library writes it: keys sorted, 2-space indent, no trailing newline. */
const pythonJson = (data: Record<string, unknown>) => JSON.stringify(Object.fromEntries(Object.entries(data).sort()), null, 2);

async function writeHomeFile(rel: string, data: Record<string, unknown>): Promise<void> {
  await mkdir(path.dirname(path.join(home, rel)), { recursive: true });
  await writeFile(path.join(home, rel), pythonJson(data), { mode: 0o600 });
}
const readHomeJson = async (rel: string) => JSON.parse(await readFile(path.join(home, rel), "utf8"));
const run = (args: string[], env: Record<string, string> = {}, input?: string) => plauth(args, { home, env, input });

function unsignedJwt(header: object, body: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64(header)}.${b64(body)}.${Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString("base64url")}`;
}

describe("global behaviour", () => {
  test("--help and a group without a subcommand print help and exit 0; an unknown option exits 2", async () => {
    const help = await run(["--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: plauth/);
    const group = await run(["profile"]);
    expect(group).toMatchObject({ code: 0 });
    expect(group.stdout).toMatch(/Usage: plauth profile/);
    const bad = await run(["profile", "list", "--bogus"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown option '--bogus'/);
  });

  test("version prints the package version, also as JSON", async () => {
    const { version } = JSON.parse(await readFile(new URL("../../package.json", import.meta.url), "utf8"));
    expect((await run(["version"])).stdout).toBe(`planet-auth : ${version}\n`);
    expect(JSON.parse((await run(["version", "--json"])).stdout)).toEqual({ "planet-auth": version });
  });

  test("version, reset and profile set/list/show work while the selected profile is broken", async () => {
    const broken = { PL_AUTH_PROFILE: "does-not-exist" };
    await writeHomeFile(".planet/good/auth_client.json", { client_type: "static_apikey", api_key: "k", bearer_token_prefix: "Bearer" });
    expect((await run(["version"], broken)).code).toBe(0);
    expect((await run(["profile", "list"], broken)).code).toBe(0);
    const show = await run(["profile", "show"], broken);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/^Current: N\/A \(Auth profile "does-not-exist" not found/m);
    expect((await run(["profile", "set", "good"], broken)).code).toBe(0);
    expect(await readHomeJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "good" });
    // A command that needs the context reports the broken selection.
    const needsContext = await run(["legacy", "print-api-key"], broken);
    expect(needsContext.code).toBe(1);
    expect(needsContext.stderr).toMatch(/^Error: Auth profile "does-not-exist" not found/m);
  });

  test("reset moves ~/.planet.json and ~/.planet aside", async () => {
    await writeHomeFile(".planet.json", { PL_AUTH_PROFILE: "x" });
    await writeHomeFile(".planet/x/auth_client.json", { client_type: "none" });
    expect((await run(["reset"])).code).toBe(0);
    const names = (await readdir(home)).sort();
    expect(names).toHaveLength(2);
    expect(names[0]).toMatch(/^\.planet-\d{4}-\d\d-\d\d-\d{6}$/);
    expect(names[1]).toMatch(/^\.planet\.json-\d{4}-\d\d-\d\d-\d{6}$/);
  });
});

describe("profile", () => {
  beforeEach(async () => {
    await writeHomeFile(".planet/svc/auth_client.json", {
      client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.test/", client_id: "svc-id", client_secret: "svc-secret-value",
    });
    await writeHomeFile(".planet/broken/auth_client.json", { client_type: "no_such_type" });
  });

  test("list: built-ins and valid local profiles, with their source; --long redacts secrets unless --show-secrets; --json", async () => {
    const plain = await run(["profile", "list"]);
    expect(plain.stdout).toBe("NAME  SOURCE   NOTE\nnone  builtin\nsvc   local\n");
    const long = await run(["profile", "list", "--long"]);
    expect(long.stdout).not.toContain("svc-secret-value");
    expect(long.stdout).toContain('"client_secret": "<redacted>"');
    expect((await run(["profile", "list", "-l", "--show-secrets"])).stdout).toContain('"client_secret": "svc-secret-value"');
    const json = JSON.parse((await run(["profile", "list", "--long", "--json"])).stdout);
    expect(json.local.svc).toMatchObject({ client_id: "svc-id", client_secret: "<redacted>", _file_path: ".planet/svc/auth_client.json" });
    expect(json.builtin).toEqual({ none: { client_type: "none" } });
    expect(json.discovered).toEqual({});
  });

  test("list shows the discovered project file's profiles too, and which of them a built-in or local profile shadows", async () => {
    const project = path.join(home, "project");
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), "{}");
    const rc = path.join(project, ".planetauthrc.json");
    await writeFile(rc, JSON.stringify({ profiles: { proj: { client_type: "none" }, svc: { client_type: "none" }, none: { client_type: "none" } }, defaultProfile: "proj" }));
    const inProject = (args: string[]) => plauth(args, { home, cwd: project });
    expect((await inProject(["profile", "list"])).stdout).toBe([
      "NAME  SOURCE      NOTE",
      "none  builtin",
      "svc   local",
      "none  discovered  shadowed by builtin; " + rc,
      "proj  discovered  " + rc,
      "svc   discovered  shadowed by local; " + rc,
      "",
    ].join("\n"));
    const json = JSON.parse((await inProject(["profile", "list", "--json"])).stdout);
    expect(json).toEqual({ builtin: ["none"], local: ["svc"], discovered: ["none", "proj", "svc"] });
    const long = JSON.parse((await inProject(["profile", "list", "--json", "--long"])).stdout);
    expect(long.discovered.svc).toEqual({ client_type: "none", _file_path: rc, _shadowed_by: "local" });
    // What show reports as current is listed.
    expect((await inProject(["profile", "show"])).stdout).toMatch(/^Current: proj$/m);
  });

  test("set stores the normalised name in ~/.planet.json, keeping other keys, as the Python library writes it; an unknown profile is an error", async () => {
    await writeHomeFile(".planet.json", { PL_API_KEY: "keep-me" });
    expect((await run(["profile", "set", "SVC"])).code).toBe(0);
    const text = await readFile(path.join(home, ".planet.json"), "utf8");
    expect(text).toBe(pythonJson({ PL_API_KEY: "keep-me", PL_AUTH_PROFILE: "svc" }));
    expect((await stat(path.join(home, ".planet.json"))).mode & 0o777).toBe(0o600);
    const missing = await run(["profile", "set", "nope"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^Error: Auth profile "nope" not found/m);
    const show = await run(["profile", "show", "--json"]);
    expect(JSON.parse(show.stdout)).toEqual({ current: "svc", user_default: "svc", builtin_default: "none" });
  });

  test("set without a name picks from a menu answered on standard input", async () => {
    const result = await run(["profile", "set"], {}, "2\n");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/1\) none\n\s+2\) svc/);
    expect(await readHomeJson(".planet.json")).toEqual({ PL_AUTH_PROFILE: "svc" });
  });

  test("copy writes the source config under the new name (no tokens) in the Python library's format", async () => {
    await writeHomeFile(".planet/svc/token.json", { access_token: "a" });
    expect((await run(["profile", "copy", "svc", "Svc2"])).code).toBe(0);
    const text = await readFile(path.join(home, ".planet/svc2/auth_client.json"), "utf8");
    expect(text).toBe(await readFile(path.join(home, ".planet/svc/auth_client.json"), "utf8"));
    expect((await stat(path.join(home, ".planet/svc2/auth_client.json"))).mode & 0o777).toBe(0o600);
    expect(await readdir(path.join(home, ".planet/svc2"))).toEqual(["auth_client.json"]);
  });

  test("copy refuses to overwrite an existing profile without --force", async () => {
    await writeHomeFile(".planet/leg2/auth_client.json", { client_type: "static_apikey", api_key: "keep-me" });
    const before = await readFile(path.join(home, ".planet/leg2/auth_client.json"), "utf8");
    const refused = await run(["profile", "copy", "none", "leg2"]);
    expect(refused).toMatchObject({ code: 1, stderr: 'Error: Profile "leg2" already exists (~/.planet/leg2/auth_client.json); use --force to overwrite it\n' });
    expect(await readFile(path.join(home, ".planet/leg2/auth_client.json"), "utf8")).toBe(before);
    expect((await run(["profile", "copy", "none", "LEG2", "--force"])).code).toBe(0);
    expect(await readHomeJson(".planet/leg2/auth_client.json")).toEqual({ client_type: "none" });
  });

  test("copy onto a SOPS-encrypted profile writes its .sops.json (encrypted), never a cleartext auth_client.json beside it", async () => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    expect((await run(["profile", "copy", "none", "vault", "--sops"], env)).code).toBe(0);
    const copied = await run(["profile", "copy", "svc", "vault", "--force"], env);
    expect(copied).toMatchObject({ code: 0, stderr: "" });
    expect(await readdir(path.join(home, ".planet/vault"))).toEqual(["auth_client.sops.json"]);
    expect(await readFile(path.join(home, ".planet/vault/auth_client.sops.json"), "utf8")).not.toContain("svc-secret-value");
    // The copy took effect: the profile reads back as the copied config.
    const listed = JSON.parse((await run(["profile", "list", "--long", "--show-secrets", "--json"], env)).stdout);
    expect(listed.local.vault).toMatchObject({ client_id: "svc-id", client_secret: "svc-secret-value", _file_path: ".planet/vault/auth_client.sops.json" });
    // Asking for an encrypted copy over a cleartext profile is refused: it would leave the cleartext file beside it.
    const over = await run(["profile", "copy", "none", "svc", "--sops", "--force"], env);
    expect(over.code).toBe(1);
    expect(over.stderr).toMatch(/already has the config file ~\/\.planet\/svc\/auth_client\.json; writing auth_client\.sops\.json would leave it beside the new file/);
    expect(await readdir(path.join(home, ".planet/svc"))).toEqual(["auth_client.json"]);
  });

  test("create asks for the client type and its settings; end of input cancels", async () => {
    // The auth server is a closed loopback port: its scopes cannot be offered, the question is still asked.
    const authServer = await refusedPortUrl();
    const answers = ["Client Credentials (Client Secret)", authServer, "cid", "csecret", ""].join("\n") + "\n";
    const created = await run(["profile", "create", "NewProf"], {}, answers);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/Scopes to request at login, space-separated \(scopes\)\. \n/);
    expect(await readHomeJson(".planet/newprof/auth_client.json")).toEqual({
      client_type: "oidc_client_credentials_secret", auth_server: authServer, client_id: "cid", client_secret: "csecret",
    });
    const canceled = await run(["profile", "create"], {}, "");
    expect(canceled).toMatchObject({ code: 1, stdout: expect.stringContaining("Canceled") });
  });

  test("create refuses an existing profile before asking anything, unless --force", async () => {
    const before = await readFile(path.join(home, ".planet/svc/auth_client.json"), "utf8");
    const refused = await run(["profile", "create", "SVC", "--client-type", "none"]);
    expect(refused).toMatchObject({ code: 1, stdout: "", stderr: 'Error: Profile "svc" already exists (~/.planet/svc/auth_client.json); use --force to overwrite it\n' });
    expect(await readFile(path.join(home, ".planet/svc/auth_client.json"), "utf8")).toBe(before);
    expect((await run(["profile", "create", "svc", "--client-type", "none", "--force"])).code).toBe(0);
    expect(await readHomeJson(".planet/svc/auth_client.json")).toEqual({ client_type: "none" });
  });
});

test("oauth login: an --extra item without `=` is reported before anything is sent", async () => {
  await writeHomeFile(".planet/cc/auth_client.json", {
    client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.test/", client_id: "id", client_secret: "s",
  });
  const r = await run(["--auth-profile", "cc", "oauth", "login", "-O", "project_id=p1", "-O", "novalue"]);
  expect(r).toMatchObject({ code: 1, stderr: 'Error: Extra parameter "novalue" must be given as key=value\n' });
});

describe("jwt decode", () => {
  const token = unsignedJwt({ alg: "RS256", kid: "k1" }, { sub: "alice", iat: 1_700_000_000, exp: 1_700_000_600 });

  test("prints the untrusted dump; -H humanises times; --json; a token file works too", async () => {
    const out = (await run(["jwt", "decode", "--token", token])).stdout;
    expect(out).toBe(
      `UNTRUSTED JWT Decoding\n\nRAW:\n    ${token}\n\nHEADER:\n    {\n      "alg": "RS256",\n      "kid": "k1"\n    }\n\n` +
        `BODY:\n    {\n      "exp": 1700000600,\n      "iat": 1700000000,\n      "sub": "alice"\n    }\n\nSIGNATURE:\n    de:ad:be:ef\n\n`,
    );
    const human = (await run(["jwt", "decode", "-H", "--token", token], { TZ: "UTC" })).stdout;
    expect(human).toContain('"exp": "2023-11-14T22:23:20+0000 (Expired)",\n      "iat": "2023-11-14T22:13:20+0000"');
    await writeFile(path.join(home, "tok"), token + "\n");
    const json = JSON.parse((await plauth(["jwt", "decode", "--json", "--token-file", "tok"], { home, cwd: home })).stdout);
    expect(json).toMatchObject({ header: { alg: "RS256" }, body: { sub: "alice" } });
  });

  test("no token is a usage error (exit 2)", async () => {
    expect(await run(["jwt", "decode"])).toMatchObject({ code: 2, stderr: "Error: A token must be provided.\n" });
  });
});

describe("legacy", () => {
  test("print-api-key works for a static-key profile (from its config) and a legacy profile (from the Python-format token file)", async () => {
    await writeHomeFile(".planet/static/auth_client.json", { client_type: "static_apikey", api_key: "PLAK-static", bearer_token_prefix: "api-key" });
    await writeHomeFile(".planet/old/auth_client.json", { client_type: "planet_legacy", legacy_auth_endpoint: "https://api.example.test/v0/auth/login" });
    await writeHomeFile(".planet/old/token.json", { jwt: "legacy.jwt.value", key: "PLAK-legacy" });
    expect((await run(["--auth-profile", "static", "legacy", "print-api-key"])).stdout).toBe("PLAK-static\n");
    expect((await run(["legacy", "print-api-key", "--json"], { PL_AUTH_PROFILE: "old" })).stdout).toBe('{\n  "api_key": "PLAK-legacy"\n}\n');
    expect((await run(["--auth-profile", "old", "legacy", "print-access-token"])).stdout).toBe("legacy.jwt.value\n");
    const wrong = await run(["--auth-profile", "static", "legacy", "print-access-token"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/needs a planet_legacy profile; profile "static" has client_type static_apikey/);
  });

  test("oauth commands refuse a non-OAuth profile, naming it and its type", async () => {
    await writeHomeFile(".planet/static/auth_client.json", { client_type: "static_apikey", api_key: "k", bearer_token_prefix: "Bearer" });
    const r = await run(["--auth-profile", "static", "oauth", "print-access-token"]);
    expect(r).toMatchObject({ code: 1, stderr: 'Error: OAuth commands need an OAuth profile; profile "static" has client_type static_apikey\n' });
  });
});
