/**
 * Start-up of the built `plauth` in whole processes against bare `node -e 0` from the same run:
 * `plauth --help` and `plauth profile list`. Runs interleave so that
 * drift of a shared machine hits all alike; medians are reported as "bare / plauth", for wall time
 * and for CPU time (user + system of the process, reported by a preloaded exit hook), which a busy
 * machine inflates less.
 * `plauth profile list` runs in two homes: plain profiles, and the same plus a SOPS-encrypted profile
 * (listed without being decrypted). Goal: each within 60 ms of bare node.
 * Builds dist/ first (npm run build). Run: npx tsx bench/cli-startup.ts [runs]
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { generateIdentity, identityToRecipient } from "age-encryption";

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
// A second home: the same, plus a SOPS-encrypted profile (made by plauth itself) and its identity.
const sopsHome = mkdtempSync(path.join(tmpdir(), "plauth-bench-sops-"));
cpSync(path.join(home, ".planet"), path.join(sopsHome, ".planet"), { recursive: true });
const identity = await generateIdentity();
mkdirSync(path.join(sopsHome, ".config/sops/age"), { recursive: true });
writeFileSync(path.join(sopsHome, ".config/sops/age/keys.txt"), `${identity}\n`, { mode: 0o600 });

// Every child (bare node too) reports its CPU time on stderr as it exits.
const cpuHook = `--import=data:text/javascript,process.on("exit",()=>process.stderr.write("\\ncpu="+(Object.values(process.cpuUsage()).reduce((a,b)=>a+b)/1000)))`;

interface Scenario {
  name: string;
  args: string[];
  home: string;
  wall: number[];
  cpu: number[];
}
const scenarios: Scenario[] = [
  { name: "bare node -e 0", args: ["-e", "0"], home },
  { name: "plauth --help", args: [plauth, "--help"], home },
  { name: "plauth profile list", args: [plauth, "profile", "list"], home },
  { name: "profile list (SOPS home)", args: [plauth, "profile", "list"], home: sopsHome },
].map((s) => ({ ...s, args: [cpuHook, ...s.args], wall: [], cpu: [] }));

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
const made = spawnSync(process.execPath, [plauth, "profile", "create", "vault", "--sops", "--client-type", "static_apikey", "--set", "bearer_token_prefix=api-key"], {
  cwd: sopsHome, env: { PATH: process.env.PATH, HOME: sopsHome, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) }, input: "PLAK-secret\n", encoding: "utf8",
});
if (made.status !== 0) throw new Error(`creating the SOPS profile failed: ${made.stderr}`);
try {
  for (let i = 0; i < RUNS + 1; i++) {
    for (const s of scenarios) {
      const start = performance.now();
      const r = spawnSync(process.execPath, s.args, { cwd: s.home, env: { PATH: process.env.PATH, HOME: s.home }, encoding: "utf8" });
      const wall = performance.now() - start;
      if (r.status !== 0) throw new Error(`${s.name} failed: ${r.stderr}`);
      if (i === 0) continue; // the first round warms the file cache
      s.wall.push(wall);
      s.cpu.push(Number(/cpu=([\d.]+)$/.exec(r.stderr)?.[1]));
    }
  }
} finally {
  rmSync(home, { recursive: true, force: true });
  rmSync(sopsHome, { recursive: true, force: true });
}
console.log(`medians over ${RUNS} interleaved runs each; goal: within 60 ms of bare node`);
for (const metric of ["wall", "cpu"] as const) {
  const bare = median(scenarios[0]![metric]);
  for (const s of scenarios.slice(1)) {
    const m = median(s[metric]);
    console.log(`${metric.padEnd(4)} ${s.name.padEnd(20)} bare / plauth: ${bare.toFixed(0)} ms / ${m.toFixed(0)} ms  (+${(m - bare).toFixed(0)} ms)`);
  }
}
