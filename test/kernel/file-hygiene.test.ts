import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { Auth, AuthLogger, FileStorageProvider, FileTooLargeException, createDefaultKernel } from "../../src/index.js";
import { STALE_TEMP_FILE_MS } from "../../src/kernel/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { makeTempDir } from "../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: home, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const KEY = { client_type: "static_apikey", api_key: "k-123", bearer_token_prefix: "api-key" };
const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;

describe("file read size limit", () => {
  test("a token file larger than the limit fails with its path and is left untouched; the default limit reads it", async () => {
    const file = path.join(home, "big.json");
    const content = JSON.stringify({ api_key: "x".repeat(2000), bearer_token_prefix: "Bearer" });
    await fs.writeFile(file, content, { mode: 0o600 });
    const small = new FileStorageProvider({ homeDir: () => home, maxFileBytes: 1000 });
    const err = await small.loadObj("big.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileTooLargeException);
    expect((err as Error).message).toContain(file);
    expect((err as Error).message).toMatch(/limit of 1000 bytes/);
    expect((err as Error).message).not.toContain("xxxx");
    expect(await fs.readFile(file, "utf8")).toBe(content);
    expect((await new FileStorageProvider({ homeDir: () => home }).loadObj("big.json")).bearer_token_prefix).toBe("Bearer");

    // The kernel's option reaches its default storage: a config file over the limit is refused too.
    const kernel = createDefaultKernel({ homeDir: () => home, maxFileBytes: 100 });
    await fs.writeFile(path.join(home, "cfg.json"), JSON.stringify({ ...KEY, padding: "p".repeat(200) }));
    await expect(kernel.configFromFile("cfg.json")).rejects.toThrow(FileTooLargeException);
  });
});

describe("file modes", () => {
  test("a token or config file readable by group or others is reported on the context and through the logger", async () => {
    const logger = captureLogger();
    const kernel = createDefaultKernel({ homeDir: () => home, services: { logger: new AuthLogger(logger) } });
    await fs.mkdir(path.join(home, ".planet", "work"), { recursive: true });
    const configPath = path.join(home, ".planet", "work", "auth_client.json");
    const tokenPath = path.join(home, ".planet", "work", "token.json");
    await fs.writeFile(configPath, JSON.stringify(KEY), { mode: 0o644 });
    await fs.chmod(configPath, 0o644);
    await fs.writeFile(tokenPath, JSON.stringify({ api_key: "k-123", bearer_token_prefix: "api-key" }), { mode: 0o640 });
    await fs.chmod(tokenPath, 0o640);

    const auth = await Auth.initializeFromProfile("work", { kernel });
    expect(auth.warnings()).toEqual([
      `${configPath} is readable by group or others (mode 0644); it may hold secrets: chmod 600 it`,
      `${tokenPath} is readable by group or others (mode 0640); it may hold secrets: chmod 600 it`,
    ]);
    expect(logger.text()).toContain(`${tokenPath} is readable by group or others`);
    expect(logger.text()).not.toContain("k-123");

    await fs.chmod(configPath, 0o600);
    await fs.chmod(tokenPath, 0o600);
    expect((await Auth.initializeFromProfile("work", { kernel })).warnings()).toEqual([]);
  });

  test("saving into a profile directory tightens it (and ~/.planet) to 0700; other directories are left alone", async () => {
    await fs.chmod(home, 0o755);
    const profileDir = path.join(home, ".planet", "work");
    await fs.mkdir(profileDir, { recursive: true, mode: 0o755 });
    await fs.chmod(path.join(home, ".planet"), 0o755);
    await fs.chmod(profileDir, 0o755);
    const other = path.join(home, "app-data");
    await fs.mkdir(other, { mode: 0o755 });
    await fs.chmod(other, 0o755);
    const provider = new FileStorageProvider({ homeDir: () => home });

    await provider.saveObj(".planet/work/token.json", { api_key: "k" });
    expect(await mode(profileDir)).toBe(0o700);
    expect(await mode(path.join(home, ".planet"))).toBe(0o700);
    expect(await mode(path.join(profileDir, "token.json"))).toBe(0o600);

    await provider.saveObj(path.join(other, "token.json"), { api_key: "k" });
    await provider.saveObj("app-data/second.json", { api_key: "k" });
    expect(await mode(other)).toBe(0o755);
    expect(await mode(home)).toBe(0o755);
  });
});

describe("temp files of interrupted saves", () => {
  test("stale temp files of the same object are removed; a live writer's, a recent old-style one and other objects' are kept", async () => {
    const dir = path.join(home, ".planet", "work");
    await fs.mkdir(dir, { recursive: true });
    const deadPid = spawnSync(process.execPath, ["-e", ""]).pid!;
    const names = {
      deadWriter: `.token.json.${deadPid}.0123456789ab.tmp`,
      liveWriter: `.token.json.${process.pid}.0123456789ac.tmp`,
      oldStyleRecent: ".token.json.0123456789ad.tmp",
      oldStyleStale: ".token.json.0123456789ae.tmp",
      liveButAncient: `.token.json.${process.pid}.0123456789af.tmp`,
      otherObject: `.auth_client.json.${deadPid}.0123456789b0.tmp`,
      notOurs: ".token.json.notes.tmp",
    };
    for (const name of Object.values(names)) await fs.writeFile(path.join(dir, name), "partial");
    const past = new Date(Date.now() - STALE_TEMP_FILE_MS - 60_000);
    for (const name of [names.oldStyleStale, names.liveButAncient]) await fs.utimes(path.join(dir, name), past, past);

    await new FileStorageProvider({ homeDir: () => home }).saveObj(".planet/work/token.json", { api_key: "k" });
    const left = (n: string) => existsSync(path.join(dir, n));
    expect(left(names.deadWriter)).toBe(false);
    expect(left(names.oldStyleStale)).toBe(false);
    expect(left(names.liveButAncient)).toBe(false);
    expect(left(names.liveWriter)).toBe(true);
    expect(left(names.oldStyleRecent)).toBe(true);
    expect(left(names.otherObject)).toBe(true);
    expect(left(names.notOurs)).toBe(true);
    expect(JSON.parse(await fs.readFile(path.join(dir, "token.json"), "utf8"))).toEqual({ api_key: "k" });
  });
});
