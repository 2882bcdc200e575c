/**
 * SOPS-encrypted profiles through plauth, as real processes: `profile create --sops` answered on
 * standard input writes only `auth_client.sops.json`; `profile list --long` and a login read it back
 * with the age identity found where sops looks (`~/.config/sops/age/keys.txt`, `SOPS_AGE_KEY_FILE`);
 * a login never leaves a cleartext config beside it.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect, test } from "@jest/globals";
import { mkdir, readFile, readdir, rename, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { startPlanetApiServer, type PlanetApiServer } from "../../examples/support/planet-api-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { runPlauth } from "../../src/cli/index.js";
import { plauth } from "./support/plauth.js";

const EMAIL = "ada@example.com";
const PASSWORD = "correct-horse-battery-staple";
const API_KEY = "PLAK-sops-0123456789";

let api: PlanetApiServer;
let home: string;
let cleanup: () => Promise<void>;
let identity: string;

beforeAll(async () => {
  api = await startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } });
  identity = await generateIdentity();
});
afterAll(() => api.close());
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-home-"));
  // Where sops itself looks: the identity in the user config dir, the recipient in the nearest .sops.yaml.
  await mkdir(path.join(home, ".config/sops/age"), { recursive: true });
  await writeFile(path.join(home, ".config/sops/age/keys.txt"), `# test identity\n${identity}\n`, { mode: 0o600 });
  await writeFile(path.join(home, ".sops.yaml"), `creation_rules:\n  - age: ${await identityToRecipient(identity)}\n`);
});
afterEach(() => cleanup());

const run = (args: string[], env: Record<string, string> = {}, input?: string) => plauth(args, { home, env, input });
const raw = (rel: string) => readFile(path.join(home, rel), "utf8");

/** `profile create <name> --sops` for a Planet legacy profile, answered on standard input. */
const createLegacyProfile = (name: string, endpoint = api.loginUrl) =>
  run(["profile", "create", name, "--sops"], {}, ["Planet Legacy Auth", endpoint, ""].join("\n") + "\n");

test("profile create --sops writes only an encrypted config, which list --long and legacy login read back; the login writes no cleartext config", async () => {
  const created = await createLegacyProfile("Vault");
  expect(created).toMatchObject({ code: 0, stdout: expect.stringContaining('Profile "vault" saved.') });
  expect(await readdir(path.join(home, ".planet/vault"))).toEqual(["auth_client.sops.json"]);
  expect((await stat(path.join(home, ".planet/vault/auth_client.sops.json"))).mode & 0o777).toBe(0o600);
  const encrypted = JSON.parse(await raw(".planet/vault/auth_client.sops.json"));
  expect(encrypted.sops.age).toHaveLength(1);
  expect(encrypted.legacy_auth_endpoint).toMatch(/^ENC\[AES256_GCM,/);
  expect(JSON.stringify(encrypted)).not.toContain(api.loginUrl);

  const listed = JSON.parse((await run(["profile", "list", "--long", "--json"])).stdout);
  expect(listed.local).toEqual({
    vault: { client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl, _file_path: ".planet/vault/auth_client.sops.json" },
  });

  const login = await run(["--auth-profile", "vault", "legacy", "login", "--username", EMAIL, "--password", PASSWORD]);
  expect(login).toMatchObject({ code: 0, stdout: expect.stringContaining("Login succeeded.") });
  // The config stays encrypted only; the token file follows the Python library's rule (token.json
  // unless the user created a token.sops.json).
  expect((await readdir(path.join(home, ".planet/vault"))).sort()).toEqual(["auth_client.sops.json", "token.json"]);
  expect(JSON.parse(await raw(".planet/vault/auth_client.sops.json"))).toEqual(encrypted);
  expect(await run(["--auth-profile", "vault", "legacy", "print-api-key"])).toMatchObject({ code: 0, stdout: `${API_KEY}\n` });
});

test("the identity can come from SOPS_AGE_KEY_FILE instead; without one the encrypted profile is listed by name (never decrypted to list names) but not with --long", async () => {
  expect((await createLegacyProfile("vault")).code).toBe(0);
  const elsewhere = path.join(home, "identity.txt");
  await rename(path.join(home, ".config/sops/age/keys.txt"), elsewhere);
  expect(JSON.parse((await run(["profile", "list", "--json"])).stdout).local).toEqual(["vault"]);
  expect(JSON.parse((await run(["profile", "list", "--json", "--long"])).stdout).local).toEqual({});
  const long = JSON.parse((await run(["profile", "list", "--json", "--long"], { SOPS_AGE_KEY_FILE: elsewhere })).stdout).local;
  expect(Object.keys(long)).toEqual(["vault"]);
  expect(long.vault).toMatchObject({ client_type: "planet_legacy", _file_path: ".planet/vault/auth_client.sops.json" });
});

test("plauth run inside a host program reads the identity from the environment the host gives it, not the process's", async () => {
  expect((await createLegacyProfile("vault")).code).toBe(0);
  const elsewhere = path.join(home, "identity.txt");
  await rename(path.join(home, ".config/sops/age/keys.txt"), elsewhere);
  expect(process.env.SOPS_AGE_KEY_FILE).toBeUndefined();
  const out: string[] = [];
  const code = await runPlauth(["profile", "list", "--json", "--long"], {
    env: { HOME: home, SOPS_AGE_KEY_FILE: elsewhere },
    io: { out: (t) => void out.push(t), err: (t) => void out.push(t), errIsTty: false },
  });
  expect(code).toBe(0);
  expect(JSON.parse(out.join("")).local.vault).toMatchObject({ client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl });
});

test("with no recipient configured, create --sops fails clearly and writes nothing", async () => {
  await writeFile(path.join(home, ".sops.yaml"), "creation_rules: []\n");
  const created = await createLegacyProfile("vault");
  expect(created.code).toBe(1);
  expect(created.stderr).toMatch(/^Error: .*recipient/im);
  expect(created.stderr).not.toContain("AGE-SECRET-KEY");
  await expect(stat(path.join(home, ".planet/vault"))).rejects.toThrow(/ENOENT/);
});
