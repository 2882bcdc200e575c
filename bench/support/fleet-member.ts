/**
 * One process of the fleet bench: the same client-credentials identity on three stores — Redis, a
 * token file in a home shared with the other processes, and none (memory only). Its clock runs ahead
 * of the real one by an offset the parent sets, so the parent makes the tokens expire at will.
 * Usage: node --import tsx fleet-member.ts <redisUrl> <redis key prefix> <shared home> <auth config JSON>
 * Commands on stdin: `round <redis|file|none> <clock offset s> <requests>` → one JSON line
 * { refreshed, failed, waited, latenciesMs } once any refresh the round started (also in the
 * background) has settled; `waited` counts requests that had to wait for a token; `exit`.
 */
import { performance } from "node:perf_hooks";
import readline from "node:readline";
import { Auth, FileStorageProvider, GotHttpClient, createKernel, type JsonObject, type RequestAuthenticator } from "../../src/kernel/index.js";
import { oidcPlugin, type RefreshingOidcTokenRequestAuthenticator } from "../../src/plugins/oidc/index.js";
import { RedisStorageProvider } from "../../src/plugins/storage-redis/index.js";

const [url, prefix, home, configJson] = process.argv.slice(2) as [string, string, string, string];
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const http = new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 });
const config = JSON.parse(configJson) as JsonObject;
const redis = new RedisStorageProvider({ url, prefix });
const tokenFile = ".planet/bench/token.json";

async function authenticator(storage: RedisStorageProvider | FileStorageProvider, file: string | null): Promise<RefreshingOidcTokenRequestAuthenticator> {
  const kernel = createKernel({ plugins: [oidcPlugin], services: { storage, clock, http } });
  const auth = await Auth.initializeFromConfigDict(config, { kernel, tokenFile: file });
  return auth.requestAuthenticator() as RequestAuthenticator as RefreshingOidcTokenRequestAuthenticator;
}
const stores = {
  redis: await authenticator(redis, tokenFile),
  file: await authenticator(new FileStorageProvider({ homeDir: () => home }), tokenFile),
  none: await authenticator(new FileStorageProvider({ homeDir: () => home }), null),
};

// The HTTP client for POSTs (got) loads on the first POST, once per process (hundreds of ms on a loaded
// machine): load it now with a POST that is no grant (the discovery document refuses it), so that the
// process that happens to hold the lease at a measured expiry is not charged for it.
await http.request({ method: "POST", url: `${String(config.auth_server)}/.well-known/openid-configuration`, form: {} });
process.stdout.write('"ready"\n');
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [command, store, offset, count] = line.split(" ");
  if (command === "exit") break;
  const a = stores[store as keyof typeof stores];
  offsetMs = Number(offset) * 1000;
  const before = a.refreshCount();
  let failed = 0;
  let waited = 0;
  const latenciesMs = await Promise.all(Array.from({ length: Number(count) }, async () => {
    const start = performance.now();
    // The hook returns a promise only when the request must wait for a token.
    const wait = a.preRequestHook();
    if (wait) waited++;
    await Promise.resolve(wait).then(() => a.authorizationHeaders()).catch(() => failed++);
    return Math.round((performance.now() - start) * 100) / 100;
  }));
  await a.refreshSettled();
  process.stdout.write(JSON.stringify({ refreshed: a.refreshCount() - before, failed, waited, latenciesMs }) + "\n");
}
await redis.close();
process.exit(0);
