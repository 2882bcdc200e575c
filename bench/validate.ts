/**
 * Token validation throughput: our TokenValidator (node:crypto on cached KeyObjects, with and
 * without the verified-token cache) vs jose.jwtVerify vs a bare node:crypto.verify on the same
 * RS256-2048 tokens, serially and at concurrency 64. Prints figures; asserts nothing.
 *
 *   npx tsx bench/validate.ts
 *
 * Self-contained: keys and tokens are generated in-process, the JWKS is served from memory.
 */
import { KeyObject, verify as cryptoVerify } from "node:crypto";
import { SignJWT, createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify } from "jose";
import { TokenValidator } from "../src/plugins/oidc/validation/index.js";

const ISSUER = "https://issuer.example.com/oauth2/default";
const AUDIENCE = "https://api.example.com";
const TOKENS = 2000; // distinct tokens, cycled
const CACHED_WORKING_SET = 200; // distinct tokens in the cache-hit runs
const ROUND_MS = 700;
const ROUNDS = 3;
const CONCURRENCY = 64;

type Verifier = (token: string) => unknown;

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
  const oursCached = new TokenValidator({ fetchJwks }, { verifiedTokenCacheSize: CACHED_WORKING_SET * 2 });
  const joseKey = createLocalJWKSet(jwks);
  const options = { issuer: ISSUER, audience: AUDIENCE };
  const joseOptions = { algorithms: ["RS256"], issuer: ISSUER, audience: AUDIENCE, requiredClaims: ["exp"] };

  const verifiers: Record<string, { fn: Verifier; set: string[] }> = {
    "node:crypto.verify (floor)": {
      set: tokens,
      fn: (token) => {
        const dot = token.lastIndexOf(".");
        if (!cryptoVerify("sha256", Buffer.from(token.slice(0, dot), "latin1"), keyObject, Buffer.from(token.slice(dot + 1), "base64url"))) {
          throw new Error("bad signature");
        }
      },
    },
    "TokenValidator": { set: tokens, fn: (token) => ours.validateToken(token, options) },
    "TokenValidator + verified cache": { set: tokens.slice(0, CACHED_WORKING_SET), fn: (token) => oursCached.validateToken(token, options) },
    "jose.jwtVerify": { set: tokens, fn: (token) => jwtVerify(token, joseKey, joseOptions) },
  };

  // Warm up (JIT, JWKS load, cache fill) and check every verifier accepts the tokens.
  for (const { fn, set } of Object.values(verifiers)) {
    for (let i = 0; i < 300; i++) await fn(set[i % set.length]);
  }

  async function serial(fn: Verifier, set: string[]): Promise<number> {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < ROUND_MS) {
      for (let i = 0; i < 100; i++, n++) await fn(set[n % set.length]);
      t = performance.now();
    }
    return (n * 1000) / (t - t0);
  }

  async function concurrent(fn: Verifier, set: string[]): Promise<number> {
    let n = 0;
    const t0 = performance.now();
    const deadline = t0 + ROUND_MS;
    const worker = async () => {
      while (performance.now() < deadline) {
        for (let i = 0; i < 20; i++) await fn(set[n++ % set.length]);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    return (n * 1000) / (performance.now() - t0);
  }

  const results: Record<string, { serial: number; concurrent: number }> = {};
  for (const name of Object.keys(verifiers)) results[name] = { serial: 0, concurrent: 0 };
  // Interleave rounds (best of ROUNDS) so background load hits every verifier alike.
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, { fn, set }] of Object.entries(verifiers)) {
      results[name].serial = Math.max(results[name].serial, await serial(fn, set));
      results[name].concurrent = Math.max(results[name].concurrent, await concurrent(fn, set));
    }
  }

  const floor = results["node:crypto.verify (floor)"];
  const jose = results["jose.jwtVerify"];
  const fmt = (x: number) => Math.round(x).toLocaleString("en-US").padStart(9);
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`.padStart(6);
  const ratio = (x: number) => `${x.toFixed(2)}x`.padStart(7);
  console.log(`RS256-2048, ${TOKENS} distinct tokens (${CACHED_WORKING_SET} for the cache-hit run), best of ${ROUNDS} x ${ROUND_MS} ms, Node ${process.version}`);
  console.log("");
  console.log(`${"".padEnd(34)}${"serial/s".padStart(9)}${"vs floor".padStart(10)}${"vs jose".padStart(9)} | ${"c64/s".padStart(9)}${"vs floor".padStart(10)}${"vs jose".padStart(9)}`);
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(34)}${fmt(r.serial)}${pct(r.serial / floor.serial).padStart(10)}${ratio(r.serial / jose.serial).padStart(9)} | ` +
        `${fmt(r.concurrent)}${pct(r.concurrent / floor.concurrent).padStart(10)}${ratio(r.concurrent / jose.concurrent).padStart(9)}`,
    );
  }
  console.log("");
  console.log(`(c64 = ${CONCURRENCY} concurrent validations; node:crypto.verify and TokenValidator verify synchronously on the main thread,`);
  console.log(" jose uses WebCrypto, which runs on the libuv thread pool.)");
  console.log(`signature checks by the cached validator: ${oursCached.signatureChecks}`);

  // Memory: 10k validations cycling over 1,000 distinct tokens through a validator with the
  // multi-issuer validator's cache size, against the same process before them.
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage().heapUsed;
  const sized = new TokenValidator({ fetchJwks }, { verifiedTokenCacheSize: 4096 });
  for (let i = 0; i < 10_000; i++) await sized.validateToken(tokens[i % 1000], options);
  global.gc?.();
  const mib = (x: number) => `${(x / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `10k validations of 1,000 tokens (cache 4096): ${sized.verifiedTokenCacheEntries} entries, RSS ${mib(process.memoryUsage().rss)} ` +
      `(+${mib(process.memoryUsage().rss - rssBefore)}), heap +${mib(process.memoryUsage().heapUsed - heapBefore)}${global.gc ? "" : " (run with --expose-gc for settled figures)"}`,
  );
  console.log(`total time ${((performance.now() - started) / 1000).toFixed(1)} s; load average ${process.getBuiltinModule("node:os").loadavg()[0].toFixed(1)}`);
}

await main();
