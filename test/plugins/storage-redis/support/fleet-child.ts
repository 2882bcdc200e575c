/**
 * One process of a fleet sharing a token through Redis. Its clock runs ahead of the real one by an
 * offset the parent sets, so the parent can make the shared token expire for every process at once.
 * Usage: node --import tsx fleet-child.ts <redisUrl> <prefix> <tokenKey> <auth config JSON>
 * Commands on stdin, one a line (each answered with one JSON line on stdout):
 * - `round <clock offset s> <requests>`: that many concurrent requests' headers;
 *   answers { authorizations: distinct Authorization headers, refreshed: token calls made by this process, errors };
 * - `exit`: close the storage and exit.
 */
import readline from "node:readline";
import { Auth, GotHttpClient, createKernel, type JsonObject } from "../../../../src/kernel/index.js";
import { oidcPlugin, type RefreshingOidcTokenRequestAuthenticator } from "../../../../src/plugins/oidc/index.js";
import { RedisStorageProvider } from "../../../../src/plugins/storage-redis/index.js";

const [url, prefix, tokenFile, configJson] = process.argv.slice(2) as [string, string, string, string];
let offsetMs = 0;
const storage = new RedisStorageProvider({ url, prefix, leaseMs: 2000 });
const kernel = createKernel({
  plugins: [oidcPlugin],
  services: { storage, clock: { now: () => Date.now() + offsetMs }, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) },
});
const auth = await Auth.initializeFromConfigDict(JSON.parse(configJson) as JsonObject, { kernel, tokenFile });
const authenticator = auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
const say = (o: unknown) => process.stdout.write(JSON.stringify(o) + "\n");

say("ready");
for await (const line of readline.createInterface({ input: process.stdin })) {
  const [command, offset, count] = line.split(" ");
  if (command === "exit") break;
  offsetMs = Number(offset) * 1000;
  const before = authenticator.refreshCount();
  const outcomes = await Promise.allSettled(Array.from({ length: Number(count) }, () => authenticator.authorizationHeaders()));
  const authorizations = new Set<string>();
  const errors: string[] = [];
  for (const o of outcomes) {
    if (o.status === "fulfilled") authorizations.add(o.value.Authorization ?? "(none)");
    else errors.push(String(o.reason));
  }
  const refreshError = authenticator.lastRefreshError();
  if (refreshError) errors.push(`refresh: ${String(refreshError)}`);
  say({ authorizations: [...authorizations], refreshed: authenticator.refreshCount() - before, errors: errors.slice(0, 3), failed: errors.length });
}
await storage.close();
process.exit(0);
