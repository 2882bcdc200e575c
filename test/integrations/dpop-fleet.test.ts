/**
 * DPoP replay protection across a fleet: two resource-server processes behind one public URL share a
 * real redis-server as their replay store, so a proof accepted by one is refused by the other. A
 * replica keeping its proofs in its own memory shows what the shared store prevents.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Auth, GotHttpClient, createKernel, type RequestAuthenticator } from "../../src/index.js";
import { oidcPlugin } from "../../src/plugins/oidc/index.js";
import { childLines } from "../support/child-lines.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { redisDescribe, startRedis, type TestRedis } from "../support/redis-server.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const PUBLIC_URL = "https://api.example.test/things";

interface Replica {
  url: string;
  child: ChildProcessWithoutNullStreams;
}

async function startReplica(op: OidcServer, store: string): Promise<Replica> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(here, "support/dpop-replica.ts"), op.issuer, op.apiAudience, store], {
    cwd: path.resolve(here, "../.."),
    env: { ...process.env, NODE_OPTIONS: "" },
  });
  const stderr: string[] = [];
  child.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
  const line = (await childLines(child).next()).value as string | undefined;
  if (!line) throw new Error(`replica did not start: ${stderr.join("").slice(-2000)}`);
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

async function stopReplica(r: Replica | undefined): Promise<void> {
  if (!r || r.child.exitCode !== null) return;
  const exited = once(r.child, "exit");
  r.child.stdin.end("exit\n");
  await exited;
}

redisDescribe(describe)("two resource-server processes sharing Redis as the DPoP replay store", () => {
  let redis: TestRedis;
  let op: OidcServer;
  let a: Replica;
  let b: Replica;
  let alone: Replica;
  let client: RequestAuthenticator;

  beforeAll(async () => {
    [redis, op] = await Promise.all([startRedis(), startOidcServer()]);
    [a, b, alone] = await Promise.all([startReplica(op, redis.url), startReplica(op, redis.url), startReplica(op, "memory")]);
    const kernel = createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) } });
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel });
    await auth.ensureRequestAuthenticatorIsReady();
    client = auth.requestAuthenticator();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([stopReplica(a), stopReplica(b), stopReplica(alone)]);
    await Promise.all([op?.stop(), redis?.cleanup()]);
  });

  const get = async (replica: Replica, headers: Record<string, string>) => {
    const res = await fetch(`${replica.url}/things`, { headers, signal: AbortSignal.timeout(10_000) });
    return { status: res.status, challenge: res.headers.get("www-authenticate"), retryAfter: res.headers.get("retry-after"), body: await res.text() };
  };

  test("a proof accepted by one replica is refused by the other; a fresh proof is accepted by both", async () => {
    const proof = await client.authorizationHeaders({ method: "GET", url: PUBLIC_URL });
    const first = await get(a, proof);
    expect(first.status).toBe(200);
    expect(await get(b, proof)).toMatchObject({ status: 401, challenge: expect.stringContaining('error="invalid_dpop_proof"') });
    expect(await get(a, proof)).toMatchObject({ status: 401 });
    expect((await get(b, await client.authorizationHeaders({ method: "GET", url: PUBLIC_URL }))).status).toBe(200);
  });

  test("without the shared store a replica cannot know: the proof another replica accepted passes there", async () => {
    const proof = await client.authorizationHeaders({ method: "GET", url: PUBLIC_URL });
    expect((await get(a, proof)).status).toBe(200);
    expect((await get(alone, proof)).status).toBe(200);
  });

  test("Redis unreachable: the replica answers 503 with Retry-After rather than accept a proof unchecked", async () => {
    await redis.stop();
    try {
      const res = await get(a, await client.authorizationHeaders({ method: "GET", url: PUBLIC_URL }));
      expect(res).toMatchObject({ status: 503, retryAfter: "1" });
    } finally {
      await redis.start();
    }
  });
});
