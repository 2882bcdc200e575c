/**
 * A built copy of this package "installed" in a throwaway consumer project, the way npm lays it out:
 * `<tmp>/consumer/node_modules/planet-auth` → the package (its package.json, a fresh `dist/` built by
 * scripts/build.mjs, `schemas/`), whose dependencies resolve from this repository's node_modules.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "../../support/temp-dir.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface InstalledCopy {
  /** A consumer project (an empty package.json) with planet-auth in its node_modules. */
  consumerDir: string;
  /** Run `node <args>` in the consumer project; resolves with stdout and stderr. */
  node(args: string[]): Promise<{ stdout: string; stderr: string }>;
  cleanup(): Promise<void>;
}

export async function installedCopy(): Promise<InstalledCopy> {
  const tmp = await makeTempDir("planet-auth-pkg-");
  const pkgDir = path.join(tmp.dir, "planet-auth");
  const consumerDir = path.join(tmp.dir, "consumer");
  const run = promisify(execFile);
  // Emit only (type checking is `npm run typecheck`'s job); the output is what `npm run build` ships.
  await run(process.execPath, [path.join(repoRoot, "scripts/build.mjs"), "--out-dir", path.join(pkgDir, "dist"), "--emit-only"], {
    cwd: repoRoot, timeout: 120_000,
  });
  await copyFile(path.join(repoRoot, "package.json"), path.join(pkgDir, "package.json"));
  await symlink(path.join(repoRoot, "schemas"), path.join(pkgDir, "schemas"));
  await symlink(path.join(repoRoot, "node_modules"), path.join(pkgDir, "node_modules"));
  await mkdir(path.join(consumerDir, "node_modules"), { recursive: true });
  await writeFile(path.join(consumerDir, "package.json"), JSON.stringify({ name: "consumer", private: true }));
  await symlink(pkgDir, path.join(consumerDir, "node_modules/planet-auth"));
  return {
    consumerDir,
    node: (args) => run(process.execPath, args, { cwd: consumerDir, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 60_000 }),
    cleanup: tmp.cleanup,
  };
}
