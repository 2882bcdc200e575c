/**
 * Builds dist/ in three steps:
 *   1. tsc type-checks src/ and emits JavaScript with source maps to a staging directory, and the
 *      declarations to dist/ (so the types are tsc's, one .d.ts per module);
 *   2. esbuild bundles the staged JavaScript into dist/: one module per entry point (every export of
 *      package.json and the plauth bin) plus shared chunks in dist/chunks/, so that one class is one
 *      class across entry points and a lazy `import()` stays lazy (its target is a chunk of its own).
 *      Dependencies stay external. Source maps map back to src/ with the sources inline.
 *      Node loads a few large modules much faster than a hundred small ones: this is for start-up time;
 *   3. the compiled schema validators (CommonJS, required on first use) are copied to
 *      dist/generated/validators/.
 * `npm run build` runs it after generating the validators; the test setup and the package tests run
 * it too, so every dist/ is built the same way.
 *
 * A build never leaves dist/ missing or half-written for a process reading it at the same moment (a
 * demo, an example, another test run): it is built into a fresh directory next to dist/ (`.dist-build-*`,
 * at the same depth, so source-map paths hold) and swapped in by one rename. dist/ is a symbolic link
 * to the current build: rename(2) replaces a link atomically, which it cannot do for a non-empty
 * directory. A process already running from the previous build keeps it (Node resolves modules by
 * their real path), so the build it replaced stays until the next build replaces that one in turn;
 * older builds, and what crashed builds left, are removed (never one that another build is writing).
 * `--plain-dir` makes dist/ a plain directory instead, for `npm pack` (which leaves out symbolic links);
 * replacing a plain directory takes two renames, so only that swap has a moment without dist/.
 * Run: node scripts/build.mjs [--out-dir DIR] [--emit-only] [--plain-dir]
 *   (--emit-only: no type check, no declarations)
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildSync } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
/** An unfinished build directory older than this is abandoned (no build takes so long). */
const ABANDONED_AFTER_MS = 30 * 60_000;
/** Leftovers younger than this are kept: another build may be between its last write and its swap. */
const SWAP_GRACE_MS = 2 * 60_000;

/** The modules a consumer can load: every `default` of package.json's exports, and the bins. */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const fromExports = Object.values(pkg.exports).flatMap((target) => (typeof target === "object" && target.default ? [target.default] : []));
  return [...new Set([...fromExports, ...Object.values(pkg.bin)])].map((file) => path.relative("dist", file));
}

/**
 * Build the package and swap it in as `outDir` (default dist/). `outDir/.build-stamp` is written last
 * into the new build, with the time the build started: a source edited during the build is newer.
 */
export function build({ outDir = path.join(root, "dist"), emitOnly = false, plainDir = false } = {}) {
  const startedAt = new Date();
  const buildPrefix = path.join(path.dirname(outDir), `.${path.basename(outDir)}-build-`);
  mkdirSync(path.dirname(outDir), { recursive: true });
  removeOldBuilds(outDir, buildPrefix);
  const fresh = mkdtempSync(buildPrefix);
  chmodSync(fresh, 0o755);
  // Staged in the repository, so that the bundle's module comments read `// kernel/errors.js`.
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  const staging = mkdtempSync(path.join(root, ".tmp", "build-"));
  try {
    const tscArgs = ["-p", "tsconfig.build.json", "--outDir", staging, ...(emitOnly ? ["--noCheck", "--declaration", "false"] : ["--declarationDir", fresh])];
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), ...tscArgs], { cwd: root, stdio: "inherit" });
    buildSync({
      absWorkingDir: staging,
      entryPoints: entryPoints().map((file) => path.join(staging, file)),
      outbase: staging,
      outdir: fresh,
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      target: "node20",
      packages: "external",
      chunkNames: "chunks/[name]-[hash]",
      sourcemap: true,
      sourcesContent: true,
      logLevel: "warning",
    });
    cpSync(path.join(root, "src/generated/validators"), path.join(fresh, "generated/validators"), { recursive: true });
    const stamp = path.join(fresh, ".build-stamp");
    writeFileSync(stamp, "");
    utimesSync(stamp, startedAt, startedAt);
    if (plainDir) replaceWithDirectory(fresh, outDir);
    else pointLinkAt(fresh, outDir);
  } catch (error) {
    rmSync(fresh, { recursive: true, force: true });
    throw error;
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

function entryType(p) {
  try {
    const stats = lstatSync(p);
    return stats.isSymbolicLink() ? "link" : stats.isDirectory() ? "directory" : "file";
  } catch (error) {
    if (error.code === "ENOENT") return "missing";
    throw error;
  }
}

/** Make `outDir` a link to `build` with one rename (two, once, when `outDir` is still a plain directory). */
function pointLinkAt(build, outDir) {
  const link = `${build}.link`;
  symlinkSync(path.basename(build), link);
  if (entryType(outDir) === "directory") renameSync(outDir, mkdtempSync(`${build}.replaced-`) + "/dist");
  renameSync(link, outDir);
}

/** Make `outDir` the plain directory `build`, moving whatever was there aside (removed by a later build). */
function replaceWithDirectory(build, outDir) {
  if (entryType(outDir) !== "missing") renameSync(outDir, path.join(mkdtempSync(`${build}.replaced-`), "dist"));
  renameSync(build, outDir);
}

/**
 * Remove what earlier builds left next to `outDir`, before this build swaps itself in. Kept: the
 * current build (once replaced, it stays until the next build, for the processes started from it);
 * anything younger than a build's last steps take (another build may be about to swap it in); and
 * unfinished builds (no `.build-stamp`) until they are older than any build could take.
 */
function removeOldBuilds(outDir, buildPrefix) {
  const parent = path.dirname(outDir);
  const current = entryType(outDir) === "link" ? path.resolve(parent, readlinkSync(outDir)) : null;
  const now = Date.now();
  const leftovers = readdirSync(parent).flatMap((name) => {
    const p = path.join(parent, name);
    if (!p.startsWith(buildPrefix) || p === current) return [];
    const isBuild = !p.slice(buildPrefix.length).includes("."); // not a `.link` or `.replaced-*` beside one
    const finished = isBuild && entryType(path.join(p, ".build-stamp")) === "file";
    return [{ path: p, age: now - lstatSync(p).mtimeMs, isBuild, finished }];
  });
  for (const l of leftovers) {
    const keep = l.age < SWAP_GRACE_MS || (l.isBuild && !l.finished && l.age < ABANDONED_AFTER_MS);
    if (!keep) rmSync(l.path, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { "out-dir": { type: "string" }, "emit-only": { type: "boolean" }, "plain-dir": { type: "boolean" } } });
  build({ outDir: values["out-dir"] && path.resolve(values["out-dir"]), emitOnly: values["emit-only"], plainDir: values["plain-dir"] });
}
