/**
 * A planted package.json does not move the project root: another user's package.json and a
 * data-only config in a shared sticky directory are not what `plauth` uses in a subdirectory.
 */
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { chmod, chown, mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "./support/plauth.js";

const NOBODY = 65534;
let root: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir("plauth-shared-"));
});
afterEach(() => cleanup());

test("plauth legacy print-api-key in a subdirectory of a shared sticky directory does not print a key another user planted there", async () => {
  const shared = path.join(root, "shared");
  await mkdir(shared);
  await chmod(shared, 0o1777);
  const planted = { profiles: { planted: { client_type: "static_apikey", api_key: "PLANTED-KEY" } }, defaultProfile: "planted" };
  for (const [name, content] of [["package.json", "{}"], [".planetauthrc.json", JSON.stringify(planted)]] as const) {
    await writeFile(path.join(shared, name), content);
    await chown(path.join(shared, name), NOBODY, NOBODY);
  }
  const home = path.join(root, "home");
  const cwd = path.join(shared, "mine", "sub");
  await mkdir(home);
  await mkdir(cwd, { recursive: true });

  const inSubdir = await plauth(["legacy", "print-api-key"], { home, cwd });
  expect(inSubdir.stdout).not.toContain("PLANTED-KEY");
  expect(inSubdir.code).not.toBe(0);

  const inShared = await plauth(["legacy", "print-api-key"], { home, cwd: shared });
  expect(inShared.stdout).not.toContain("PLANTED-KEY");
  expect(inShared.stderr).toMatch(/Refusing to use a file that configures planet-auth .*owned by uid 65534/);
  expect(inShared.code).toBe(1);
});
