import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Auth, createKernel, loadKernel, profilesOf, type Clock } from "planet-auth";
import { describeConformance } from "planet-auth/testing";
import { RENEW_BEFORE_S, plugin, type TokenExchangeConfig } from "../src/index.js";

const API_KEY = "example-api-key-0123456789";

describeConformance({
  plugin,
  samples: [{
    clientType: "token_exchange",
    config: { client_type: "token_exchange", exchange_url: "http://127.0.0.1:9/exchange", api_key: API_KEY, scope: "read" },
    credential: { access_token: "a-token" },
    invalidConfigs: [{ client_type: "token_exchange", exchange_url: "http://auth.example.com/exchange", api_key: API_KEY }],
  }],
}, { describe, it });

/** An exchange endpoint on 127.0.0.1: answers a known API key with `token-<n>`, valid for 300 s. */
function exchangeServer(): Promise<{ server: Server; url: string; calls: () => number }> {
  let calls = 0;
  const server = createServer((req, res) => {
    calls++;
    const ok = req.method === "POST" && req.headers["x-api-key"] === API_KEY;
    res.writeHead(ok ? 200 : 401, { "content-type": "application/json" });
    res.end(JSON.stringify(ok ? { access_token: `token-${calls}`, expires_in: 300 } : { error: "invalid key" }));
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => {
    const { port } = server.address() as { port: number };
    resolve({ server, url: `http://127.0.0.1:${port}/exchange`, calls: () => calls });
  }));
}

describe("token exchange", () => {
  let endpoint: Awaited<ReturnType<typeof exchangeServer>>;
  let home: string;
  before(async () => {
    endpoint = await exchangeServer();
    home = await mkdtemp(path.join(tmpdir(), "token-exchange-"));
  });
  after(async () => {
    endpoint.server.close();
    await rm(home, { recursive: true, force: true });
  });

  it("exchanges the API key for a token, reuses it while fresh, and renews it before it expires", async () => {
    let now = Date.UTC(2030, 0, 1);
    const clock: Clock = { now: () => now };
    const kernel = createKernel({ plugins: [plugin], homeDir: () => home, services: { clock } });
    const config = kernel.configFromDict({ client_type: "token_exchange", exchange_url: endpoint.url, api_key: API_KEY });
    const client = await kernel.clientFromConfig(config);
    const authenticator = client.defaultRequestAuthenticator("exchange/token.json");

    const first: Record<string, string> = {};
    await authenticator.decorate(first);
    assert.equal(first.Authorization, "Bearer token-1");
    assert.equal(endpoint.calls(), 1);
    const saved = JSON.parse(await readFile(path.join(home, "exchange/token.json"), "utf8")) as Record<string, unknown>;
    assert.deepEqual(saved, { _exp: now / 1000 + 300, _iat: now / 1000, access_token: "token-1" });

    const again: Record<string, string> = {};
    assert.equal(authenticator.decorate(again), undefined, "a fresh token decorates synchronously");
    assert.equal(again.Authorization, "Bearer token-1");

    now += (300 - RENEW_BEFORE_S) * 1000;
    const renewed: Record<string, string> = {};
    await authenticator.decorate(renewed);
    assert.equal(renewed.Authorization, "Bearer token-2");
    assert.equal(endpoint.calls(), 2);
  });

  it("a refused API key fails the exchange without showing the key", async () => {
    const kernel = createKernel({ plugins: [plugin], homeDir: () => home });
    const wrongKey = "wrong-api-key-9876543210";
    const config = kernel.configFromDict({ client_type: "token_exchange", exchange_url: endpoint.url, api_key: wrongKey });
    const client = await kernel.clientFromConfig(config);
    await assert.rejects(client.login(), (err: Error) => /Token exchange at .* failed \(HTTP 401\)/.test(err.message) && !err.message.includes(wrongKey));
  });

  it("the package's .planetauthrc.json registers the plugin and its profile", async () => {
    const packageDir = fileURLToPath(new URL("../..", import.meta.url));
    const kernel = await loadKernel({ searchFrom: packageDir, stopDir: packageDir, homeDir: () => home, env: {} });
    assert.equal(kernel.clientType("token_exchange").plugin, "token-exchange");
    const profiles = profilesOf(kernel);
    const profile = await profiles.resolve((await profiles.selectedProfile({ env: {} })).name);
    assert.equal(profile.name, "exchange");
    assert.equal(profile.source, "discovered");
    profile.config.check();
  });
});

/**
 * Compile-time checks (never called; `npm test` compiles this file first): the config's dict type comes
 * from the schema, so data() is typed and a misspelt key fails to compile, in a dict literal too.
 */
export function typedConfig(config: TokenExchangeConfig): string {
  // @ts-expect-error `exchange_ur` is a typo of exchange_url
  void config.data().exchange_ur;
  const scope: string | undefined = config.data().scope;
  return config.data().exchange_url + (scope ?? "");
}
export const typedDict = (): Promise<Auth> =>
  Auth.initializeFromConfigDict({
    client_type: "token_exchange",
    exchange_url: "https://auth.example.com/v1/exchange",
    api_key: API_KEY,
    // @ts-expect-error `scop` is a typo of scope
    scop: "read",
  });
