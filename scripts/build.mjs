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
 * Run: node scripts/build.mjs [--out-dir DIR] [--emit-only]  (--emit-only: no type check, no declarations)
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { buildSync } from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** The modules a consumer can load: every `default` of package.json's exports, and the bins. */
export function entryPoints() {
  const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  const fromExports = Object.values(pkg.exports).flatMap((target) => (typeof target === "object" && target.default ? [target.default] : []));
  return [...new Set([...fromExports, ...Object.values(pkg.bin)])].map((file) => path.relative("dist", file));
}

/** Build the package into `outDir` (default dist/), replacing what was there. */
export function build({ outDir = path.join(root, "dist"), emitOnly = false } = {}) {
  // Staged in the repository, so that the bundle's module comments read `// kernel/errors.js`.
  mkdirSync(path.join(root, ".tmp"), { recursive: true });
  const staging = mkdtempSync(path.join(root, ".tmp", "build-"));
  try {
    rmSync(outDir, { recursive: true, force: true });
    const tscArgs = ["-p", "tsconfig.build.json", "--outDir", staging, ...(emitOnly ? ["--noCheck", "--declaration", "false"] : ["--declarationDir", outDir])];
    execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), ...tscArgs], { cwd: root, stdio: "inherit" });
    buildSync({
      absWorkingDir: staging,
      entryPoints: entryPoints().map((file) => path.join(staging, file)),
      outbase: staging,
      outdir: outDir,
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
    cpSync(path.join(root, "src/generated/validators"), path.join(outDir, "generated/validators"), { recursive: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { "out-dir": { type: "string" }, "emit-only": { type: "boolean" } } });
  build({ outDir: values["out-dir"] && path.resolve(values["out-dir"]), emitOnly: values["emit-only"] });
}
