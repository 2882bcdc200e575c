/** Runs every benchmark in bench/ in turn (each prints its own figures). Run: npm run bench */
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

const dir = path.dirname(fileURLToPath(import.meta.url));
const skip = new Set(["harness.ts", "run-all.ts"]);
const scripts = readdirSync(dir).filter((f) => f.endsWith(".ts") && !skip.has(f)).sort();
let failed = 0;
for (const script of scripts) {
  console.log(`\n=== bench/${script} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", path.join(dir, script)], { stdio: "inherit" });
  if (result.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
