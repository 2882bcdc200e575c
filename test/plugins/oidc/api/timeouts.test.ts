/**
 * Timeouts (N1) against a real 127.0.0.1 server that accepts connections and never answers; a POST that
 * timed out is not retried (N3), even with the default retry limit.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { NetworkException } from "../../../../src/kernel/errors.js";
import { GotHttpClient } from "../../../../src/kernel/http.js";
import { DiscoveryApiClient, TokenApiClient } from "../../../../src/plugins/oidc/api/index.js";

let server: Server;
let base: string;
const seen: IncomingMessage[] = [];

beforeAll(async () => {
  server = createServer((req) => void seen.push(req)); // never responds
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

test("the client's timeoutMs bounds a token call; NetworkException with the cause; the POST is sent once", async () => {
  seen.length = 0;
  const client = new TokenApiClient({ http: new GotHttpClient({ retryBackoffMs: 1 }), tokenUri: `${base}/token`, timeoutMs: 100 });
  const err = await client.getTokenFromCode({ redirectUri: "r", code: "one-time", codeVerifier: "v" }).catch((e) => e);
  expect(err).toBeInstanceOf(NetworkException);
  expect(err.cause).toBeDefined();
  expect(err.message).toContain(`${base}/token`);
  expect(err.message).not.toContain("one-time");
  expect(seen.filter((r) => r.method === "POST")).toHaveLength(1);
});

test("a per-call timeoutMs overrides the client's; an abort signal cancels with its reason", async () => {
  const d = new DiscoveryApiClient({ http: new GotHttpClient({ retryLimit: 0 }), authServer: base, timeoutMs: 60_000 });
  await expect(d.discovery({ timeoutMs: 50 })).rejects.toBeInstanceOf(NetworkException);
  const controller = new AbortController();
  const reason = new Error("stop");
  const p = d.discovery({ signal: controller.signal });
  setTimeout(() => controller.abort(reason), 20);
  await expect(p).rejects.toBe(reason);
});
