/**
 * The fetch adapter's own cost: `authenticator.fetch(stub)` vs calling the same stub fetch directly
 * with the headers set by hand, for a fresh static key and a fresh OIDC access token. The stub
 * answers 200 at once, so the difference is the wrapper (decoration, header handling, promise steps).
 * Rounds are interleaved; medians are printed. Run: npx tsx bench/fetch-wrapper.ts
 */
import "reflect-metadata";
import { Auth, X_PLANET_APP, X_PLANET_APP_HEADER, createDefaultKernel } from "../src/index.js";
import type { RequestAuthenticator } from "../src/kernel/index.js";
import { measureAsync } from "./harness.js";

const ROUNDS = 5;
const ROUND_MS = 400;
const URL_ = "https://api.example.test/v1/items?page=2";
const TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJiZW5jaCJ9.c2lnbmF0dXJl";

const response = { status: 200, headers: { get: (_name: string): string | null => null } };
let seen: unknown;
const stub = (_input: string, init?: { headers?: unknown }) => {
  seen = init?.headers;
  return Promise.resolve(response);
};

async function authenticators(): Promise<Record<string, { authenticator: RequestAuthenticator; header: string }>> {
  const kernel = createDefaultKernel();
  const key = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "PLAK-bench-key", bearer_token_prefix: "api-key" }, { kernel });
  const oidc = await Auth.initializeFromConfigDict(
    { client_type: "oidc_auth_code", auth_server: "https://login.example.test/", client_id: "bench", redirect_uri: "http://127.0.0.1:1/cb" },
    { kernel, initialTokenData: { access_token: TOKEN, refresh_token: "r", expires_in: 3600 } },
  );
  return {
    "static key": { authenticator: key.requestAuthenticator(), header: "api-key PLAK-bench-key" },
    "OIDC": { authenticator: oidc.requestAuthenticator(), header: `Bearer ${TOKEN}` },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchFetchWrapper(): Promise<void> {
  const cases = await authenticators();
  const runs: Record<string, () => Promise<unknown>> = {};
  for (const [name, { authenticator, header }] of Object.entries(cases)) {
    const wrapped = authenticator.fetch(stub);
    runs[`stub fetch, headers by hand (${name})`] = () => stub(URL_, { headers: { accept: "application/json", authorization: header, [X_PLANET_APP_HEADER]: X_PLANET_APP } });
    runs[`authenticator.fetch(stub) (${name})`] = () => wrapped(URL_, { headers: { accept: "application/json" } });
    await wrapped(URL_, { headers: { accept: "application/json" } });
    const sent = seen instanceof Headers ? seen.get("authorization") : (seen as Record<string, string>).authorization;
    if (sent !== header) throw new Error(`${name}: the wrapper did not set the credential`);
  }
  const micros: Record<string, number[]> = Object.fromEntries(Object.keys(runs).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn] of Object.entries(runs)) micros[name].push((await measureAsync(name, fn, ROUND_MS)).microsPerOp);
  }
  console.log(`\nfetch adapter over a stub fetch: medians of ${ROUNDS} interleaved rounds x ${ROUND_MS} ms, Node ${process.version}, load ${process.getBuiltinModule("node:os").loadavg()[0].toFixed(1)}`);
  for (const name of Object.keys(cases)) {
    const bare = median(micros[`stub fetch, headers by hand (${name})`]);
    const ours = median(micros[`authenticator.fetch(stub) (${name})`]);
    console.log(`  ${name.padEnd(11)} stub ${bare.toFixed(3)} µs/call, wrapped ${ours.toFixed(3)} µs/call: overhead ${(ours - bare).toFixed(3)} µs (goal ≤ 0.5)`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchFetchWrapper();
