/**
 * Express, Fastify and oidc-provider are optional peer dependencies, and the QR-code encoder is needed
 * only when a device login shows a code: the main entry must load none of them. A child process
 * imports the entry with module-resolution hooks that record every module it resolves.
 */
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "../support/temp-dir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const recorder = path.join(root, "test/integrations/support/record-imports.mjs");

const MARK = "--- main entry loaded ---";
const LAZY = ["express", "fastify", "oidc-provider", "uqr"];

/**
 * The module URLs a fresh Node process resolves while it imports the main entry, then (after MARK)
 * the lazily loaded packages themselves: the second half proves the recorder would see them.
 */
async function resolutions(): Promise<{ main: string[]; after: string[] }> {
  const tmp = await makeTempDir();
  try {
    const log = path.join(tmp.dir, "resolved.txt");
    const script = [
      `import { appendFileSync } from "node:fs";`,
      `await import(${JSON.stringify(main)});`,
      `appendFileSync(${JSON.stringify(log)}, ${JSON.stringify(`${MARK}\n`)});`,
      ...LAZY.map((name) => `await import(${JSON.stringify(name)});`),
    ].join("\n");
    await promisify(execFile)(process.execPath, ["--import", "tsx", "--import", pathToFileURL(recorder).href, "--input-type=module", "-e", script], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: "", RECORD_IMPORTS_TO: log },
      timeout: 60_000,
    });
    const lines = (await readFile(log, "utf8")).split("\n").filter(Boolean);
    const at = lines.indexOf(MARK);
    return { main: lines.slice(0, at), after: lines.slice(at + 1) };
  } finally {
    await tmp.cleanup();
  }
}

const main = pathToFileURL(path.join(root, "src/index.ts")).href;
const lazyPackages = (urls: string[]) => [...new Set(urls.map((u) => /\/node_modules\/(express|fastify|oidc-provider|uqr)\//.exec(u)?.[1]).filter(Boolean))];

test("importing the main entry loads neither express, fastify, oidc-provider (optional peers) nor the QR-code encoder", async () => {
  const { main: loaded, after } = await resolutions();
  expect(loaded).toContain(main);
  expect(lazyPackages(loaded)).toEqual([]);
  expect(lazyPackages(after).sort()).toEqual(LAZY);
});
