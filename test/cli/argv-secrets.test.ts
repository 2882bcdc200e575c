/**
 * Secrets on the command line (`--token`, `--auth-api-key`, `--auth-client-secret`, `--password`)
 * are visible to other users: plauth warns on standard error and offers a file form (`-` for
 * standard input) and a variable for each, which do not warn. (--password: test/cli/legacy-login.test.ts.)
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "./support/plauth.js";

let home: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir: home, cleanup } = await makeTempDir("plauth-argv-")));
afterAll(() => cleanup());

const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
const TOKEN = `${b64({ alg: "none" })}.${b64({ sub: "alice" })}.`;
const run = (args: string[], env: Record<string, string> = {}, input?: string) => plauth(args, { home, env, input });

test("jwt --token warns; --token-file FILE, --token-file - and PL_AUTH_TOKEN give the same token without a warning", async () => {
  const literal = await run(["jwt", "decode", "--token", TOKEN, "--json"]);
  expect(literal.code).toBe(0);
  expect(literal.stderr).toBe('WARNING: --token puts a secret on the command line, where other users of this machine can see it (ps, shell history); use --token-file FILE ("-" reads standard input) or PL_AUTH_TOKEN instead.\n');
  const expected = JSON.parse(literal.stdout);
  expect(expected.body).toEqual({ sub: "alice" });

  await writeFile(path.join(home, "t.jwt"), `${TOKEN}\n`);
  for (const [args, env, input] of [
    [["--token-file", "t.jwt"], {}, undefined],
    [["--token-file", "-"], {}, `${TOKEN}\n`],
    [[], { PL_AUTH_TOKEN: TOKEN }, undefined],
  ] as const) {
    const result = await run(["jwt", "decode", ...args, "--json"], env, input);
    expect(result).toMatchObject({ code: 0, stderr: "" });
    expect(JSON.parse(result.stdout)).toEqual(expected);
  }
  expect(await run(["jwt", "decode", "--token", TOKEN, "--token-file", "t.jwt"])).toMatchObject({ code: 2, stderr: expect.stringContaining("not both") });
});

test("login --auth-api-key-file reads the key without a warning; --auth-api-key warns", async () => {
  await writeFile(path.join(home, "key.txt"), "PLAK-from-file\n", { mode: 0o600 });
  const fromFile = await run(["login", "--auth-api-key-file", "key.txt", "-y"]);
  expect(fromFile.code).toBe(0);
  expect(fromFile.stderr).not.toMatch(/WARNING: --auth-api-key/);
  expect((await run(["legacy", "print-api-key"])).stdout).toBe("PLAK-from-file\n");

  const literal = await run(["login", "--auth-api-key", "PLAK-from-argv", "-y"]);
  expect(literal.code).toBe(0);
  expect(literal.stderr).toMatch(/^WARNING: --auth-api-key puts a secret on the command line.*--auth-api-key-file FILE .* or PL_API_KEY instead\.$/m);
});

test("login --auth-client-secret warns and --auth-client-secret-file reads standard input; neither secret is printed", async () => {
  const literal = await run(["login", "--auth-client-id", "id", "--auth-client-secret", "s3cret-argv"]);
  expect(literal.stderr).toMatch(/^WARNING: --auth-client-secret puts a secret on the command line.*--auth-client-secret-file FILE .* or PL_AUTH_CLIENT_SECRET instead\.$/m);
  expect(literal.stderr.replace(/^WARNING.*\n/m, "")).not.toContain("s3cret-argv");
  const fromStdin = await run(["login", "--auth-client-id", "id", "--auth-client-secret-file", "-"], {}, "s3cret-stdin\n");
  expect(fromStdin.stderr).not.toMatch(/WARNING: --auth-client-secret/);
  // Both reach the same point: no built-in client-credentials profile to use them with.
  expect(fromStdin.stderr).toMatch(/no built-in profile for client_type oidc_client_credentials_secret/);
  expect(fromStdin.stderr).not.toContain("s3cret-stdin");
  await expect(readFile(path.join(home, ".planet.json"), "utf8")).resolves.toBeDefined();
});
