/**
 * Builds dist/: tsc emits the JavaScript, declarations and source maps of src/, and the compiled
 * schema validators (CommonJS modules required on first use) are copied beside the emitted code.
 * `npm run build` runs it after generating the validators; the test setup and the package tests run
 * it too, so every dist/ is built the same way.
 * Run: node scripts/build.mjs [--out-dir DIR] [--emit-only]  (--emit-only: no type check, no declarations)
 */
import { execFileSync } from "node:child_process";
import { cpSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Build the package into `outDir` (default dist/). */
export function build({ outDir = path.join(root, "dist"), emitOnly = false } = {}) {
  const tscArgs = ["-p", "tsconfig.build.json", "--outDir", outDir, ...(emitOnly ? ["--noCheck", "--declaration", "false"] : [])];
  execFileSync(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), ...tscArgs], { cwd: root, stdio: "inherit" });
  cpSync(path.join(root, "src/generated/validators"), path.join(outDir, "generated/validators"), { recursive: true });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { "out-dir": { type: "string" }, "emit-only": { type: "boolean" } } });
  build({ outDir: values["out-dir"] && path.resolve(values["out-dir"]), emitOnly: values["emit-only"] });
}
