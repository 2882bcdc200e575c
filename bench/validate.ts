/**
 * Token validation throughput: our TokenValidator (node:crypto on cached KeyObjects, with and
 * without the verified-token cache, and with libuv's thread pool instead of its verifier threads) vs jose.jwtVerify vs a bare node:crypto.verify on the same
 * RS256-2048 tokens, serially and at concurrency 64. Prints figures; asserts nothing.
 *
 *   npx tsx bench/validate.ts
 *
 * Self-contained: keys and tokens are generated in-process, the JWKS is served from memory.
 */
import { KeyObject, verify as cryptoVerify } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { TokenValidator } from "../src/plugins/oidc/validation/index.js";

const ISSUER = "https://issuer.example.com/oauth2/default";
const AUDIENCE = "https://api.example.com";
const TOKENS = 2000; // distinct tokens, cycled
const CACHED_WORKING_SET = 200; // distinct tokens in the cache-hit runs
const ROUND_MS = 250;
const ROUNDS = 5;
const CONCURRENCY = 64;

type Verifier = (token: string) => unknown;

// For the memory figures only: a full collection before each reading. Never before a timed run: V8
// sizes the young generation down after one, and the runs that allocate would pay for it.
setFlagsFromString("--expose-gc");
const collectGarbage = runInNewContext("gc") as () => void;

async function main(): Promise<void> {
  const started = performance.now();
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: "bench-1", use: "sig", alg: "RS256" };
  const jwks = { keys: [jwk] };
  const now = Math.floor(Date.now() / 1000);
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    tokens.push(
      await new SignJWT({ scope: "read write", cid: "bench-client", sub: `user-${i}` })
        .setProtectedHeader({ alg: "RS256", kid: "bench-1", typ: "at+jwt" })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setIssuedAt(now - 10)
        .setExpirationTime(now + 3600)
        .sign(privateKey),
    );
  }
  const keyObject = KeyObject.from(publicKey);
  const fetchJwks = async () => structuredClone(jwks);
  const ours = new TokenValidator({ fetchJwks });
  const oursPool = new TokenValidator({ fetchJwks }, { verifierThreads: false });
  const oursCached = new TokenValidator({ fetchJwks }, { verifiedTokenCacheSize: CACHED_WORKING_SET * 2 });
  const joseKey = createLocalJWKSet(jwks);
  const options = { issuer: ISSUER, audience: AUDIENCE };
  const joseOptions = { algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ["exp"] };

  const split = (token: string) => {
    const dot = token.lastIndexOf(".");
    return [Buffer.from(token.slice(0, dot), "latin1"), Buffer.from(token.slice(dot + 1), "base64url")] as const;
  };
  const verifiers: Record<string, { fn: Verifier; set: string[] }> = {
    "floor: node:crypto.verify": {
      set: tokens,
      fn: (token) => {
        const [data, signature] = split(token);
        if (!cryptoVerify("sha256", data, keyObject, signature)) throw new Error("bad signature");
      },
    },
    "floor: verify on the thread pool": {
      set: tokens,
      fn: (token) =>
        new Promise<void>((resolve, reject) => {
          const [data, signature] = split(token);
          cryptoVerify("sha256", data, keyObject, signature, (err, ok) => (err || !ok ? reject(err ?? new Error("bad signature")) : resolve()));
        }),
    },
    "TokenValidator": { set: tokens, fn: (token) => ours.validateToken(token, options) },
    "TokenValidator, libuv's pool": { set: tokens, fn: (token) => oursPool.validateToken(token, options) },
    "TokenValidator, cache hits": { set: tokens.slice(0, CACHED_WORKING_SET), fn: (token) => oursCached.validateToken(token, options) },
    "jose.jwtVerify": { set: tokens, fn: (token) => jwtVerify(token, joseKey, joseOptions) },
  };

  // Warm up (JIT, JWKS load, cache fill) and check every verifier accepts the tokens.
  for (const { fn, set } of Object.values(verifiers)) {
    for (let i = 0; i < 300; i++) await fn(set[i % set.length]);
  }

  async function run(fn: Verifier, set: string[], concurrency: number): Promise<number> {
    let n = 0;
    const t0 = performance.now();
    const deadline = t0 + ROUND_MS;
    const worker = async () => {
      while (performance.now() < deadline) {
        for (let i = 0; i < 20; i++) await fn(set[n++ % set.length]);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return (n * 1000) / (performance.now() - t0);
  }

  // Interleaved rounds; each figure is a per-round ratio against a floor measured in the same round, median [min–max].
  const serialFloor = "floor: node:crypto.verify";
  const poolFloor = "floor: verify on the thread pool";
  const levels = [1, 2, 4, CONCURRENCY];
  const rates: Record<string, number[][]> = {};
  for (const name of Object.keys(verifiers)) rates[name] = levels.map(() => []);
  // The order changes each round, so no verifier always runs right after the same one (whose garbage it
  // would collect): rotated, and reversed every other round.
  const entries = Object.entries(verifiers);
  const orderOf = <T>(items: T[], round: number) => {
    const rotated = [...items.slice(round % items.length), ...items.slice(0, round % items.length)];
    return round % 2 === 1 ? rotated.reverse() : rotated;
  };
  for (let round = 0; round < ROUNDS; round++) {
    const order = orderOf(entries, round);
    for (const [li, level] of levels.entries()) {
      for (const [name, { fn, set }] of order) {
        if (level !== 1 && level !== CONCURRENCY && !(name === "TokenValidator" || name.startsWith("floor"))) continue;
        rates[name][li].push(await run(fn, set, level));
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const ratios = (name: string, li: number, floor: string) => rates[name][li].map((r, i) => r / rates[floor][li][i]);
  const show = (xs: number[]) => `${median(xs).toFixed(2)}x [${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)}]`;
  const fmt = (x: number) => Math.round(x).toLocaleString("en-US").padStart(9);
  console.log(`RS256-2048, ${TOKENS} distinct tokens (${CACHED_WORKING_SET} for cache hits), ${ROUNDS} interleaved rounds x ${ROUND_MS} ms, Node ${process.version}`);
  console.log(`${"".padEnd(34)}${"serial/s".padStart(9)}  ${"/ verify (serial floor)".padEnd(24)} | ${`c${CONCURRENCY}/s`.padStart(9)}  / verify on the pool (c${CONCURRENCY} floor)`);
  for (const name of Object.keys(verifiers)) {
    const last = levels.length - 1;
    console.log(`${name.padEnd(34)}${fmt(median(rates[name][0]))}  ${show(ratios(name, 0, serialFloor)).padEnd(24)} | ${fmt(median(rates[name][last]))}  ${show(ratios(name, last, poolFloor))}`);
  }
  console.log("");
  console.log(
    "Cross-over (TokenValidator verifies the first of a turn on the main thread, the others on its verifier threads while they have room, else on the main thread too;\n" +
      "\"libuv's pool\" is the same validator with verifierThreads: false, the rest on libuv's thread pool):",
  );
  for (const [li, level] of levels.entries()) {
    console.log(
      `  concurrency ${String(level).padStart(2)}: ours ${fmt(median(rates.TokenValidator[li]))}/s = ${show(ratios("TokenValidator", li, serialFloor))} of sync verify, ` +
        `${show(ratios("TokenValidator", li, poolFloor))} of pool verify (sync ${fmt(median(rates[serialFloor][li]))}/s, pool ${fmt(median(rates[poolFloor][li]))}/s)`,
    );
  }

  // Serial cost in CPU time (user + system) per validation: steadier than throughput on a shared machine.
  const cpuMicros = () => {
    const u = process.cpuUsage();
    return u.user + u.system;
  };
  const cpuNames = [serialFloor, "TokenValidator", "jose.jwtVerify"];
  const cpuCost: Record<string, number[]> = Object.fromEntries(cpuNames.map((n) => [n, []]));
  for (let round = 0; round < 7; round++) {
    for (const name of orderOf(cpuNames, round)) {
      const { fn, set } = verifiers[name];
      const t0 = cpuMicros();
      for (let i = 0; i < 1000; i++) await fn(set[i % set.length]);
      cpuCost[name].push((cpuMicros() - t0) / 1000);
    }
  }
  console.log("");
  console.log("Serial, CPU µs per validation (7 interleaved rounds of 1,000; median, and the floor's cost over ours per round):");
  for (const name of cpuNames) {
    const per = cpuCost[name].map((c, i) => cpuCost[serialFloor][i] / c);
    console.log(`  ${name.padEnd(32)} ${median(cpuCost[name]).toFixed(1).padStart(6)} µs   ${show(per)} of the floor's speed`);
  }
  console.log(`signature checks by the cached validator: ${oursCached.signatureChecks}`);

  // Memory: 10k validations cycling over 1,000 distinct tokens through a validator with the
  // multi-issuer validator's cache size, against the same process before them.
  collectGarbage();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const sized = new TokenValidator({ fetchJwks }, { verifiedTokenCacheSize: 4096 });
  for (let i = 0; i < 10_000; i++) await sized.validateToken(tokens[i % 1000], options);
  collectGarbage();
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `10k validations of 1,000 tokens (cache 4096): ${sized.verifiedTokenCacheEntries} entries, RSS ${mib(process.memoryUsage().rss)} ` +
      `(+${mib(process.memoryUsage().rss - rssBefore)}), heap +${mib(process.memoryUsage().heapUsed - heapBefore)}`,
  );
  console.log(`total time ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${process.getBuiltinModule("node:os").loadavg()[0].toFixed(1)}`);
}

await main();
