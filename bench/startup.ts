/**
 * Start-up cost of the built package, in whole processes against bare `node -e 0` from the same run:
 * importing `dist/index.js`, and importing it, initialising an Auth context with a static key and
 * decorating the first request (synchronously). Runs interleave (bare, import, first request, ...)
 * so that drift of a shared machine hits all three alike; medians are reported.
 * Goals: import ≤ 150 ms over bare node; first decorated request ≤ 200 ms over bare node.
 * Builds dist/ first (npm run build), so the figures are those of the current source.
 * Run: npx tsx bench/startup.ts [runs]
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { performance } from "node:perf_hooks";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = pathToFileURL(path.join(root, "dist/index.js")).href;
const RUNS = Math.max(10, Number(process.argv[2] ?? 15));

// Each child prints its own CPU time (user + system, since process start) as its last act.
const cpu = `process.stdout.write(String(Object.values(process.cpuUsage()).reduce((a, b) => a + b) / 1000))`;
const firstRequest = `
const { Auth } = await import(${JSON.stringify(dist)});
const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "PLAK-startup", bearer_token_prefix: "api-key" });
const headers = {};
if (auth.requestAuthenticator().decorate(headers) !== undefined) throw new Error("the first decoration was not synchronous");
if (headers.Authorization !== "api-key PLAK-startup") throw new Error("no Authorization header");
`;

interface Scenario {
  name: string;
  args: string[];
  wall: number[];
  cpu: number[];
}

const scenarios: Scenario[] = [
  { name: "bare node -e 0", args: ["-e", cpu] },
  { name: 'import "planet-auth" (dist)', args: ["--input-type=module", "-e", `await import(${JSON.stringify(dist)});\n${cpu}`] },
  { name: "import + static-key Auth + 1st decorate", args: ["--input-type=module", "-e", `${firstRequest}\n${cpu}`] },
].map((s) => ({ ...s, wall: [], cpu: [] }));

function runOnce(s: Scenario): void {
  const start = performance.now();
  const r = spawnSync(process.execPath, s.args, { cwd: root, encoding: "utf8" });
  const wall = performance.now() - start;
  if (r.status !== 0) throw new Error(`${s.name} failed: ${r.stderr}`);
  s.wall.push(wall);
  s.cpu.push(Number(r.stdout));
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number): string => `${x.toFixed(0).padStart(5)} ms`;

export function benchStartup(): void {
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0 || !existsSync(new URL(dist))) throw new Error(`npm run build failed: ${build.stderr}`);
  for (const s of scenarios) runOnce(s); // warm-up (file cache), not counted
  for (const s of scenarios) s.wall.length = s.cpu.length = 0;
  for (let i = 0; i < RUNS; i++) for (const s of scenarios) runOnce(s);

  const [bare] = scenarios;
  console.log(`\nStart-up, whole processes (${RUNS} interleaved runs each, medians; node ${process.version})`);
  console.log(`  ${"".padEnd(42)} ${"wall".padStart(8)} ${"over bare".padStart(10)} ${"ratio".padStart(6)} ${"cpu".padStart(8)} ${"over bare".padStart(10)}`);
  for (const s of scenarios) {
    const w = median(s.wall);
    const c = median(s.cpu);
    console.log(
      `  ${s.name.padEnd(42)} ${ms(w)} ${ms(w - median(bare!.wall)).padStart(10)} ${(w / median(bare!.wall)).toFixed(2).padStart(5)}x ${ms(c)} ${ms(c - median(bare!.cpu)).padStart(10)}`,
    );
  }
  console.log("  goals: import ≤ 150 ms over bare node; first decorated request ≤ 200 ms over bare node (wall)");
}

if (import.meta.url === `file://${process.argv[1]}`) benchStartup();
