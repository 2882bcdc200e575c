/**
 * Start-up of the built `plauth` in whole processes against bare `node -e 0` from the same run:
 * `plauth --help` and `plauth profile list` (a temp home with two profiles). Runs interleave so that
 * drift of a shared machine hits all alike; medians are reported as "bare / plauth".
 * Goal: each within 120 ms of bare node.
 * Builds dist/ first (npm run build). Run: npx tsx bench/cli-startup.ts [runs]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const plauth = path.join(root, "dist/cli/main.js");
const RUNS = Math.max(10, Number(process.argv[2] ?? 15));

const home = mkdtempSync(path.join(tmpdir(), "plauth-bench-"));
for (const [name, config] of Object.entries({
  svc: { client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.test/", client_id: "id", client_secret: "secret" },
  key: { client_type: "static_apikey", api_key: "PLAK", bearer_token_prefix: "api-key" },
})) {
  mkdirSync(path.join(home, ".planet", name), { recursive: true });
  writeFileSync(path.join(home, ".planet", name, "auth_client.json"), JSON.stringify(config));
}

interface Scenario {
  name: string;
  args: string[];
  wall: number[];
}
const scenarios: Scenario[] = [
  { name: "bare node -e 0", args: ["-e", "0"] },
  { name: "plauth --help", args: [plauth, "--help"] },
  { name: "plauth profile list", args: [plauth, "profile", "list"] },
].map((s) => ({ ...s, wall: [] }));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
try {
  for (let i = 0; i < RUNS + 1; i++) {
    for (const s of scenarios) {
      const start = performance.now();
      const r = spawnSync(process.execPath, s.args, { cwd: home, env: { PATH: process.env.PATH, HOME: home }, encoding: "utf8" });
      const wall = performance.now() - start;
      if (r.status !== 0) throw new Error(`${s.name} failed: ${r.stderr}`);
      if (i > 0) s.wall.push(wall); // the first round warms the file cache
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
const bare = median(scenarios[0]!.wall);
console.log(`median wall time over ${RUNS} runs each (interleaved), goal: within 120 ms of bare node`);
for (const s of scenarios.slice(1)) {
  const m = median(s.wall);
  console.log(`${s.name.padEnd(22)} bare / plauth: ${bare.toFixed(0)} ms / ${m.toFixed(0)} ms  (+${(m - bare).toFixed(0)} ms)`);
}
