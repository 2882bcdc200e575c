/**
 * Request decoration with a fresh static API key vs setting the same headers by hand.
 * Goal: ≤ 0.5 µs/op over the bare header set, with no syscalls or promises on the path.
 * Run: npx tsx bench/decorate.ts
 */
import "reflect-metadata";
import { Auth, X_PLANET_APP, X_PLANET_APP_HEADER, createDefaultKernel } from "../src/index.js";
import { measureSync, report } from "./harness.js";

export async function benchDecorate(): Promise<void> {
  const kernel = createDefaultKernel();
  const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "PLAK-bench-key", bearer_token_prefix: "api-key" }, { kernel });
  const authenticator = auth.requestAuthenticator();
  await authenticator.authorizationHeaders(); // prime

  const key = "PLAK-bench-key";
  // Keep results observable so the JIT cannot drop the work being measured.
  let sink: Record<string, string> = {};
  const bare = measureSync("bare header set", () => {
    const headers: Record<string, string> = {};
    headers.Authorization = "api-key " + key;
    if (headers[X_PLANET_APP_HEADER] === undefined) headers[X_PLANET_APP_HEADER] = X_PLANET_APP;
    sink = headers;
  });
  const ours = measureSync("static key decorate(headers)", () => {
    const headers: Record<string, string> = {};
    const pending = authenticator.decorate(headers);
    if (pending) throw new Error("decoration of a fresh key must be synchronous");
    sink = headers;
  });
  if (!sink.Authorization) throw new Error("no header was set");
  report("Request decoration (static API key)", [bare, ours], bare);
  console.log(`  overhead over bare: ${(ours.microsPerOp - bare.microsPerOp).toFixed(3)} µs/op (goal ≤ 0.5)`);
}

if (import.meta.url === `file://${process.argv[1]}`) await benchDecorate();
