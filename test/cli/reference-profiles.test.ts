/**
 * A profile directory written by the Python library (test/fixtures/reference-profiles, one profile
 * per client type) works unchanged with plauth, and what plauth writes has the same bytes.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { cp, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "./support/plauth.js";

const fixtures = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../fixtures/reference-profiles");
let home: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-ref-"));
  await cp(fixtures, path.join(home, ".planet"), { recursive: true, filter: (src) => !src.endsWith(".py") });
});
afterAll(() => cleanup());
const run = (args: string[]) => plauth(args, { home });

test("every reference profile is listed as valid (the on-disk `none` is shadowed by the built-in)", async () => {
  const listed = JSON.parse((await run(["profile", "list", "--json"])).stdout);
  expect(listed.local).toEqual([
    "auth-code", "auth-code-pubkey", "auth-code-secret", "client-credentials-pubkey", "client-credentials-secret", "client-validator",
    "device-code", "device-code-pubkey", "device-code-secret", "legacy", "none", "resource-owner", "resource-owner-pubkey", "resource-owner-secret", "static-key",
  ]);
  expect(JSON.parse((await run(["profile", "list", "--json", "--long"])).stdout).local.none).toMatchObject({ _shadowed_by: "builtin" });
  expect((await run(["profile", "list"])).stdout).toMatch(/^none +local +shadowed by builtin$/m);
});

test("reference token files are read as they are", async () => {
  const token = JSON.parse(await readFile(path.join(home, ".planet/device-code/token.json"), "utf8")).access_token;
  expect((await run(["--auth-profile", "device-code", "oauth", "print-access-token", "--no-refresh"])).stdout).toBe(`${token}\n`);
  const decoded = JSON.parse((await run(["--auth-profile", "device-code", "oauth", "decode-access-token", "--json"])).stdout);
  expect(decoded.body).toMatchObject({ sub: "u", iat: 1_700_000_000 });
  const legacyKey = JSON.parse(await readFile(path.join(home, ".planet/legacy/token.json"), "utf8")).key;
  expect((await run(["--auth-profile", "legacy", "legacy", "print-api-key"])).stdout).toBe(`${legacyKey}\n`);
});

test("a config copied by plauth has the reference file's exact bytes and mode 0600", async () => {
  for (const name of ["device-code", "client-credentials-secret"]) {
    expect((await run(["profile", "copy", name, `${name}-copy`])).code).toBe(0);
    const copied = path.join(home, `.planet/${name}-copy/auth_client.json`);
    expect(await readFile(copied, "utf8")).toBe(await readFile(path.join(fixtures, name, "auth_client.json"), "utf8"));
    expect((await stat(copied)).mode & 0o777).toBe(0o600);
  }
});
