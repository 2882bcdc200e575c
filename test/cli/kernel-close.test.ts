/**
 * plauth closes the kernel it built however a command ends, so a process whose storage keeps a
 * connection open (Redis) exits by itself: `TOKEN=$(plauth legacy print-api-key)` returns.
 * Real processes, a real redis-server on loopback, the profile's storage chosen by the user's own
 * config file (`~/.config/planetauth/config.json`).
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "../support/temp-dir.js";
import { redisDescribe, startRedis, type TestRedis } from "../support/redis-server.js";
import { startPlauth, stopAllPlauth, type PlauthOptions, type PlauthResult } from "./support/plauth.js";

const API_KEY = "PLAK-redis-store-0123456789";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-home-"));
});
afterEach(async () => {
  stopAllPlauth();
  await cleanup();
});

/** Run plauth; a run still going after `watchdogMs` is killed and reported as `code: "hung"`. */
async function runToEnd(args: string[], options: PlauthOptions, watchdogMs = 15_000): Promise<PlauthResult | { code: "hung" }> {
  const run = startPlauth(args, { input: "", ...options });
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<{ code: "hung" }>((resolve) => {
    timer = setTimeout(() => resolve({ code: "hung" }), watchdogMs);
  });
  const result = await Promise.race([run.result, hung]);
  clearTimeout(timer);
  if (result.code === "hung") run.child.kill("SIGKILL");
  return result;
}

redisDescribe(describe)("plauth with a Redis store exits by itself", () => {
  let redis: TestRedis;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(() => redis.cleanup());

  beforeEach(async () => {
    const dir = path.join(home, ".config", "planetauth");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "config.json"), JSON.stringify({
      storage: { type: "redis", url: redis.url, prefix: "plauth-exit:" },
      profiles: {
        svc: { client_type: "static_apikey", api_key: API_KEY, bearer_token_prefix: "api-key" },
        leg: { client_type: "planet_legacy", legacy_auth_endpoint: "http://127.0.0.1:9/login" },
      },
      defaultProfile: "svc",
    }), { mode: 0o600 });
  });

  test("on success: legacy print-api-key prints the key and exits 0", async () => {
    expect(await runToEnd(["legacy", "print-api-key"], { home })).toEqual({ code: 0, stdout: `${API_KEY}\n`, stderr: "" });
  });

  test("on a failed command: legacy print-access-token without a saved login exits 1 with the error", async () => {
    const result = await runToEnd(["--auth-profile", "leg", "legacy", "print-access-token"], { home });
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/^Error: No legacy access token/) });
  });
});

describe("plauth closes the kernel a host's kernel function built", () => {
  const script = fileURLToPath(new URL("./support/closing-host-plauth.mjs", import.meta.url));

  test("when the command succeeds", async () => {
    const marker = path.join(home, "closed");
    await mkdir(path.join(home, ".planet", "key"), { recursive: true });
    await writeFile(path.join(home, ".planet", "key", "auth_client.json"), JSON.stringify({
      client_type: "static_apikey", api_key: API_KEY, bearer_token_prefix: "api-key",
    }), { mode: 0o600 });
    const result = await runToEnd(["--auth-profile", "key", "legacy", "print-api-key"], { home, script, env: { CLOSED_MARKER: marker } });
    expect(result).toMatchObject({ code: 0, stdout: `${API_KEY}\n` });
    expect(await readFile(marker, "utf8")).toBe("closed");
  });

  test.each(["SIGTERM", "SIGINT", "SIGHUP"] as const)("when %s ends a command waiting for input: closed, then ended by that signal", async (signal) => {
    const marker = path.join(home, "closed");
    await mkdir(path.join(home, ".planet", "old"), { recursive: true });
    await writeFile(path.join(home, ".planet", "old", "auth_client.json"), JSON.stringify({
      client_type: "planet_legacy", legacy_auth_endpoint: "http://127.0.0.1:9/login",
    }), { mode: 0o600 });
    // No input given: standard input stays open, so the login waits at its first question.
    const run = startPlauth(["--auth-profile", "old", "legacy", "login"], { home, script, env: { CLOSED_MARKER: marker } });
    await run.waitForStdout(/Email|user name|Username/i);
    expect(existsSync(marker)).toBe(false);
    run.child.kill(signal);
    await run.result;
    expect(run.child.signalCode).toBe(signal);
    expect(await readFile(marker, "utf8")).toBe("closed");
  });
});
