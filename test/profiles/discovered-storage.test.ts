/**
 * A discovered project file never chooses where the user's profiles, ~/.planet.json or tokens are
 * stored. Its `storage` holds only its own profiles' tokens, and only with an opt-in (the
 * application's, or the file listed in the user's ~/.planet.json) for a file trusted like code.
 * Against a real redis-server: the user's data never reaches it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { Auth, ProfileException, RedisStorageProvider, UntrustedFileException, loadKernel, type JsonObject } from "../../src/index.js";
import { ALLOW_STORAGE_FROM_KEY } from "../../src/kernel/index.js";
import { discoveredProfiles } from "../../src/profiles/index.js";
import { startDevIssuer, type DevIssuer } from "../../src/devtools/index.js";
import { makeTempDir } from "../support/temp-dir.js";
import { redisDescribe, startRedis, type TestRedis } from "../support/redis-server.js";
import { plauth } from "../cli/support/plauth.js";

redisDescribe(describe)("storage named by a discovered file", () => {
  let redis: TestRedis;
  let op: DevIssuer;
  let home: string;
  let project: string;
  let rc: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    [redis, op] = await Promise.all([startRedis(), startDevIssuer()]);
  });
  afterAll(async () => {
    await Promise.all([redis.cleanup(), op.stop(), ...cleanups.map((c) => c())]);
  });
  beforeEach(async () => {
    const d = await makeTempDir("discovered-storage-");
    cleanups.push(d.cleanup);
    home = d.dir;
    project = path.join(home, "cloned-repo");
    rc = path.join(project, ".planetauthrc.json");
    await mkdir(project);
    await writeFile(path.join(project, "package.json"), "{}");
    spawnSync("redis-cli", ["-p", String(redis.port), "flushall"]);
    // The user's own profile and preferences.
    await mkdir(path.join(home, ".planet", "work"), { recursive: true });
    await writeFile(path.join(home, ".planet", "work", "auth_client.json"), JSON.stringify(op.authClientConfig("oidc_client_credentials_secret")), { mode: 0o600 });
  });

  /** Every key in the test's redis-server. */
  const redisKeys = () => spawnSync("redis-cli", ["-p", String(redis.port), "--scan"], { encoding: "utf8" }).stdout.split("\n").filter(Boolean).sort();
  /** Every value in it, as redis-cli prints them. */
  const redisContents = () => redisKeys().map((key) => {
    const cli = (...args: string[]) => spawnSync("redis-cli", ["-p", String(redis.port), ...args], { encoding: "utf8" }).stdout;
    return cli("type", key).trim() === "hash" ? cli("hgetall", key) : cli("get", key);
  }).join("\n");
  const load = (extra: { allowDiscoveredStorage?: boolean } = {}) => loadKernel({ searchFrom: project, homeDir: () => home, env: {}, ...extra });

  test("a file naming only a store is refused, naming the file, by loadKernel and every plauth command; nothing reaches the store", async () => {
    await writeFile(rc, JSON.stringify({ storage: { type: "redis", url: redis.url } }));
    const err = await load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileException);
    expect((err as ProfileException).filePath).toBe(rc);
    expect((err as Error).message).toContain(`${rc} chooses a storage ("redis") for its profiles' tokens, which needs an opt-in`);
    await writeFile(path.join(home, ".planet.json"), JSON.stringify({ PL_AUTH_PROFILE: "work" }));
    for (const args of [["profile", "list"], ["--auth-profile", "work", "oauth", "print-access-token"], ["profile", "set", "work"]]) {
      const run = await plauth(args, { home, cwd: project });
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(rc);
    }
    expect(redisKeys()).toEqual([]);
  });

  test("allowed by the application, the store keeps only the file's own profiles' tokens: the user's token and ~/.planet.json stay in home", async () => {
    await writeFile(rc, JSON.stringify({
      storage: { type: "redis", url: redis.url, prefix: "t:" },
      profiles: { svc: op.authClientConfig("oidc_client_credentials_secret"), work: op.authClientConfig("oidc_client_credentials_secret") },
    }));
    await writeFile(path.join(home, ".planet.json"), JSON.stringify({ PL_AUTH_PROFILE: "work" }));
    const kernel = await load({ allowDiscoveredStorage: true });
    try {
      expect(kernel.services.storage).not.toBeInstanceOf(RedisStorageProvider);
      const mine = await Auth.initializeFromProfile(undefined, { kernel });
      expect(mine.profileName()).toBe("work");
      await mine.ensureRequestAuthenticatorIsReady();
      const saved = JSON.parse(await readFile(path.join(home, ".planet", "work", "token.json"), "utf8")) as JsonObject;
      expect(saved.access_token).toEqual(expect.any(String));
      expect(redisKeys()).toEqual([]);

      const theirs = await Auth.initializeFromProfile("svc", { kernel });
      await theirs.ensureRequestAuthenticatorIsReady();
      const keys = redisKeys();
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) expect(key).toMatch(/^t:\{\.planet\/\.discovered\/[0-9a-f]{16}\/svc\/token\./);
      expect(redisContents()).not.toContain(saved.access_token as string);
    } finally {
      await kernel.close();
    }
  });

  test("the user allows a file by listing its path in ~/.planet.json; another file stays refused", async () => {
    await writeFile(rc, JSON.stringify({ storage: { type: "redis", url: redis.url }, profiles: { svc: op.authClientConfig("oidc_client_credentials_secret") } }));
    await writeFile(path.join(home, ".planet.json"), JSON.stringify({ [ALLOW_STORAGE_FROM_KEY]: [path.join(home, "elsewhere", ".planetauthrc.json")] }));
    await expect(load()).rejects.toThrow(/needs an opt-in/);
    await writeFile(path.join(home, ".planet.json"), JSON.stringify({ [ALLOW_STORAGE_FROM_KEY]: [rc] }));
    const kernel = await load();
    try {
      expect(discoveredProfiles(kernel)?.storage).toBeInstanceOf(RedisStorageProvider);
    } finally {
      await kernel.close();
    }
  });

  test("a file in the user's own config directory (~/.config/planetauth) is the user's opt-in", async () => {
    const dir = path.join(home, ".config", "planetauth");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "config.json"), JSON.stringify({
      storage: { type: "redis", url: redis.url }, profiles: { svc: op.authClientConfig("oidc_client_credentials_secret") },
    }), { mode: 0o600 });
    const kernel = await loadKernel({ searchFrom: home, stopDir: home, homeDir: () => home, env: {} });
    try {
      expect(discoveredProfiles(kernel)?.filepath).toBe(path.join(dir, "config.json"));
      expect(discoveredProfiles(kernel)?.storage).toBeInstanceOf(RedisStorageProvider);
      expect(kernel.services.storage).not.toBeInstanceOf(RedisStorageProvider);
    } finally {
      await kernel.close();
    }
  });

  test("even when allowed, a file others can write may not choose a store", async () => {
    await writeFile(rc, JSON.stringify({ storage: { type: "redis", url: redis.url }, profiles: { svc: op.authClientConfig("oidc_client_credentials_secret") } }));
    await chmod(rc, 0o666);
    const err = await load({ allowDiscoveredStorage: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect(String((err as Error).message)).toContain(rc);
    expect(redisKeys()).toEqual([]);
  });
});
