/**
 * Start-up cost of the built package, in whole processes against bare `node -e 0` from the same run:
 * importing `dist/index.js`, and importing it, initialising an Auth context with a static key and
 * decorating the first request (synchronously). Runs interleave (bare, import, first request, ...)
 * so that drift of a shared machine hits all three alike; medians are reported.
 * Also the first validation of an access token (a resource server's first request: the issuer's keys
 * fetched from a 127.0.0.1 server this script runs, the token verified), with the RSS each process
 * ends with; and the same with got loaded first, which is what fetching the keys through got cost.
 * Goals: import ≤ 150 ms over bare node; first decorated request ≤ 200 ms over bare node.
 * Builds dist/ first (npm run build), so the figures are those of the current source.
 * Run: npx tsx bench/startup.ts [runs]
 */
import { execFile, spawnSync } from "node:child_process";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { SignJWT, exportJWK, generateKeyPair } from "jose";
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import path from "node:path";
import { performance } from "node:perf_hooks";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = pathToFileURL(path.join(root, "dist/index.js")).href;
const RUNS = Math.max(10, Number(process.argv[2] ?? 15));

// Each child prints its own CPU time (user + system, since process start) and RSS as its last act.
const cpu = `process.stdout.write(Object.values(process.cpuUsage()).reduce((a, b) => a + b) / 1000 + " " + process.memoryUsage().rss)`;
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
  rss: number[];
}

/** A 127.0.0.1 issuer serving one JWKS, and a token it signed: what the first-validation children check. */
async function startIssuer(): Promise<{ issuer: string; token: string; close(): void }> {
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" }] });
  const server = http.createServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const token = await new SignJWT({ scope: "read" })
    .setProtectedHeader({ alg: "RS256", kid: "k1" })
    .setIssuer(issuer)
    .setAudience("https://api.example.test")
    .setIssuedAt()
    .setExpirationTime("1h")
    .sign(privateKey);
  return { issuer, token, close: () => server.close() };
}

const issuerServer = await startIssuer();
const firstValidation = `
const { OidcMultiIssuerValidator } = await import(${JSON.stringify(dist)});
const validator = await OidcMultiIssuerValidator.fromIssuers(
  [{ issuer: ${JSON.stringify(issuerServer.issuer)}, audience: "https://api.example.test", jwksUri: ${JSON.stringify(`${issuerServer.issuer}/jwks`)} }],
  { logResult: false },
);
const [claims] = await validator.validateAccessToken(${JSON.stringify(issuerServer.token)});
if (claims.scope !== "read") throw new Error("validation failed");
`;

const scenarios: Scenario[] = [
  { name: "bare node -e 0", args: ["-e", cpu] },
  { name: 'import "planet-auth" (dist)', args: ["--input-type=module", "-e", `await import(${JSON.stringify(dist)});\n${cpu}`] },
  { name: "import + static-key Auth + 1st decorate", args: ["--input-type=module", "-e", `${firstRequest}\n${cpu}`] },
  { name: "import + 1st validation (keys fetched)", args: ["--input-type=module", "-e", `${firstValidation}\n${cpu}`] },
  { name: "  the same, got loaded first (as a GET via got did)", args: ["--input-type=module", "-e", `await import("got");\n${firstValidation}\n${cpu}`] },
].map((s) => ({ ...s, wall: [], cpu: [], rss: [] }));

async function runOnce(s: Scenario): Promise<void> {
  const start = performance.now();
  // Not spawnSync: the issuer the first-validation children fetch keys from runs in this process.
  const r = await promisify(execFile)(process.execPath, s.args, { cwd: root, encoding: "utf8" }).catch((e: { stderr?: string }) => {
    throw new Error(`${s.name} failed: ${e.stderr}`);
  });
  const wall = performance.now() - start;
  const [cpuMs, rss] = r.stdout.trim().split(" ").map(Number);
  s.wall.push(wall);
  s.cpu.push(cpuMs!);
  s.rss.push(rss!);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const ms = (x: number): string => `${x.toFixed(0).padStart(5)} ms`;
const mib = (x: number): string => `${(x / 2 ** 20).toFixed(1)} MiB`;

export async function benchStartup(): Promise<void> {
  const build = spawnSync("npm", ["run", "--silent", "build"], { cwd: root, encoding: "utf8" });
  if (build.status !== 0 || !existsSync(new URL(dist))) throw new Error(`npm run build failed: ${build.stderr}`);
  for (const s of scenarios) await runOnce(s); // warm-up (file cache), not counted
  for (const s of scenarios) s.wall.length = s.cpu.length = s.rss.length = 0;
  for (let i = 0; i < RUNS; i++) for (const s of scenarios) await runOnce(s);
  issuerServer.close();

  const [bare] = scenarios;
  console.log(`\nStart-up, whole processes (${RUNS} interleaved runs each, medians; node ${process.version})`);
  console.log(`  ${"".padEnd(48)} ${"wall".padStart(8)} ${"over bare".padStart(10)} ${"ratio".padStart(6)} ${"cpu".padStart(8)} ${"over bare".padStart(10)} ${"rss".padStart(9)} ${"over bare".padStart(10)}`);
  for (const s of scenarios) {
    const w = median(s.wall);
    const c = median(s.cpu);
    console.log(
      `  ${s.name.padEnd(48)} ${ms(w)} ${ms(w - median(bare!.wall)).padStart(10)} ${(w / median(bare!.wall)).toFixed(2).padStart(5)}x ${ms(c)} ${ms(c - median(bare!.cpu)).padStart(10)} ` +
        `${mib(median(s.rss)).padStart(9)} ${mib(median(s.rss) - median(bare!.rss)).padStart(10)}`,
    );
  }
  console.log("  goals: import ≤ 150 ms over bare node; first decorated request ≤ 200 ms over bare node (wall)");
}

if (import.meta.url === `file://${process.argv[1]}`) await benchStartup();
