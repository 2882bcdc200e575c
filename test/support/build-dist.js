/**
 * jest globalSetup: the CLI tests run the built `dist/cli/main.js` as a real process, so build
 * `dist/` when any file under src/ is newer than the last build (CI builds first; this is a no-op then).
 * The build swaps the new dist/ in at once, so a neighbour reading dist/ meanwhile is not disturbed.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "../../scripts/build.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stamp = path.join(root, "dist", ".build-stamp");

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return latest;
}

export default function buildDist() {
  let built = 0;
  try {
    built = statSync(stamp).mtimeMs;
  } catch {
    // never built
  }
  if (built >= Math.max(newest(path.join(root, "src")), newest(path.join(root, "schemas")))) return;
  build();
}
