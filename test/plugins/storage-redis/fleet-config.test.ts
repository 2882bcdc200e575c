/** A discovered config names the redis storage; contexts of separate kernels (separate homes) share one token. */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import fs from "node:fs/promises";
import path from "node:path";
import { Auth, ConfigDiscoveryException, loadKernel, RedisStorageProvider } from "../../../src/index.js";
import { discoveredProfiles } from "../../../src/profiles/index.js";
import { startDevIssuer, type DevIssuer } from "../../../src/devtools/index.js";
import { grantCounter } from "../../integration/support/echo-api.js";
import { makeTempDir } from "../../support/temp-dir.js";
import { redisDescribe, startRedis, type TestRedis } from "../../support/redis-server.js";

redisDescribe(describe)("storage: { type: \"redis\" } in the discovered config", () => {
  let redis: TestRedis;
  let op: DevIssuer;
  const dirs: { dir: string; cleanup: () => Promise<void> }[] = [];
  const tempDir = async () => {
    const d = await makeTempDir();
    dirs.push(d);
    return d.dir;
  };
  beforeAll(async () => {
    [redis, op] = await Promise.all([startRedis(), startDevIssuer()]);
  });
  afterAll(async () => {
    await Promise.all([redis.cleanup(), op.stop(), ...dirs.map((d) => d.cleanup())]);
  });

  test("two kernels with separate homes get one token from one token-endpoint call", async () => {
    const grants = grantCounter(op.provider);
    const project = await tempDir();
    await fs.writeFile(path.join(project, ".planetauthrc.json"), JSON.stringify({
      storage: { type: "redis", url: redis.url, prefix: "fleet-test:" },
      profiles: { svc: op.authClientConfig("oidc_client_credentials_secret") },
      defaultProfile: "svc",
    }));
    const headers: string[] = [];
    for (const home of [await tempDir(), await tempDir()]) {
      const kernel = await loadKernel({ searchFrom: project, stopDir: project, homeDir: () => home, env: {}, allowDiscoveredStorage: true });
      // The file's store holds its own profiles' tokens; the kernel's storage stays the user's files.
      expect(discoveredProfiles(kernel)!.storage).toBeInstanceOf(RedisStorageProvider);
      expect(kernel.services.storage).not.toBeInstanceOf(RedisStorageProvider);
      const auth = await Auth.initializeFromProfile(undefined, { kernel });
      headers.push((await auth.requestAuthenticator().authorizationHeaders()).Authorization!);
      await kernel.close();
    }
    expect(grants.client_credentials).toBe(1);
    expect(headers[0]).toMatch(/^Bearer ey/);
    expect(headers[1]).toBe(headers[0]);
  });

  test("an unknown storage type or a bad option is a discovery error naming the file and the option", async () => {
    const project = await tempDir();
    const rc = path.join(project, ".planetauthrc.json");
    await fs.writeFile(rc, JSON.stringify({ storage: { type: "memcached" } }));
    const unknown = await loadKernel({ searchFrom: project, stopDir: project, env: {}, allowDiscoveredStorage: true }).catch((e: unknown) => e);
    expect(unknown).toBeInstanceOf(ConfigDiscoveryException);
    expect(String(unknown)).toMatch(/Unknown storage type "memcached"; types built from options: redis/);
    expect((unknown as ConfigDiscoveryException).filePath).toBe(rc);
    await fs.writeFile(rc, JSON.stringify({ storage: { type: "redis", url: "http://user:hunter2@example" } }));
    const bad = await loadKernel({ searchFrom: project, stopDir: project, env: {}, allowDiscoveredStorage: true }).catch((e: unknown) => e);
    expect(String(bad)).toMatch(/storage\.url must be a redis:\/\/ or rediss:\/\/ URL/);
    expect(String(bad)).not.toContain("hunter2");
  });
});
