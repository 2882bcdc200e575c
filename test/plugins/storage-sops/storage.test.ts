import { describe, expect, test, beforeEach, afterEach, beforeAll } from "@jest/globals";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { decryptSops as sopsAgeDecrypt } from "sops-age";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { createKernel, FileStorageProvider, type JsonObject, type ObjectStorageProvider } from "../../../src/kernel/index.js";
import { ObjectNotFoundException } from "../../../src/kernel/errors.js";
import {
  createSopsStorageFormat,
  createStorageSopsPlugin,
  isSopsKey,
  storageSopsPlugin,
  SopsStorageProvider,
  SopsNoRecipientsException,
  SopsUnsupportedKeyTypeException,
  SopsMacMismatchException,
} from "../../../src/plugins/storage-sops/index.js";
import { catchError, expectCleanError, fixtureText, makeTempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => void };
let identity: string;
let recipient: string;
beforeAll(async () => {
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
beforeEach(() => {
  tmp = makeTempDir();
});
afterEach(() => tmp.cleanup());

const TOKEN = { access_token: "at-secret-123", refresh_token: "rt-secret-456", expires_in: 3600, _iat: 1, _exp: 3601 };

describe("isSopsKey (gap S4: any name ending in .sops.json)", () => {
  test.each([
    ["token.sops.json", true],
    [".planet/p/auth_client.sops.json", true],
    ["my.token.sops.json", true],
    ["C:\\x\\token.sops.json", true],
    ["token.json", false],
    ["token.sops.yaml", false],
    [".sops.json", false],
    ["token.sops.json.bak", false],
  ])("%s → %s", (key, expected) => {
    expect(isSopsKey(key)).toBe(expected);
  });
});

describe("the StorageFormat with the kernel's filesystem provider", () => {
  const provider = (opts: Parameters<typeof createSopsStorageFormat>[0] = {}) => {
    const home = path.join(tmp.dir, "home");
    const format = createSopsStorageFormat({ env: {}, homeDir: home, sopsBinary: false, ...opts });
    expect(format.name).toBe("sops");
    return { home, fs: new FileStorageProvider({ homeDir: () => home, formats: [format] }) };
  };

  test("saves encrypted (0600, atomically), loads decrypted; the file is readable by sops-age", async () => {
    const { home, fs } = provider({ recipients: [recipient], identities: [identity] });
    const key = ".planet/default/token.sops.json";
    await fs.saveObj(key, TOKEN);
    const file = path.join(home, key);
    const onDisk = readFileSync(file, "utf8");
    expect(onDisk).not.toContain("at-secret-123");
    expect(onDisk).not.toContain("rt-secret-456");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readdirSync(path.dirname(file))).toEqual(["token.sops.json"]);
    expect(await fs.loadObj(key)).toEqual(TOKEN);
    expect(await sopsAgeDecrypt(onDisk, { secretKey: identity, fileType: "json" })).toEqual(TOKEN);
  });

  test("re-saving keeps the file's recipients even when none are configured any more", async () => {
    const key = "x/token.sops.json";
    await provider({ recipients: [recipient] }).fs.saveObj(key, TOKEN);
    const { home, fs } = provider({ identities: [identity] });
    await fs.saveObj(key, { ...TOKEN, access_token: "at-secret-789" });
    const doc = JSON.parse(readFileSync(path.join(home, key), "utf8"));
    expect(doc.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([recipient]);
    expect((await fs.loadObj(key)).access_token).toBe("at-secret-789");
  });

  test("a new file without recipients fails cleanly: nothing written, no temporary left", async () => {
    const { home, fs } = provider({ configPath: false });
    const key = "p/token.sops.json";
    const err = await catchError(() => fs.saveObj(key, TOKEN));
    expectCleanError(err, SopsNoRecipientsException, path.join(home, key), ["at-secret-123", "rt-secret-456"]);
    expect(() => readdirSync(path.join(home, "p"))).toThrow();
  });

  test("a failed re-save (non-age keys, no sops binary) leaves the previous file intact and no temporary", async () => {
    const { home, fs } = provider();
    const file = path.join(home, "p", "token.sops.json");
    mkdirSync(path.dirname(file), { recursive: true });
    const doc = JSON.parse(fixtureText("json/cdk.testsecret.enc.json"));
    doc.sops.age = null;
    doc.sops.pgp = [{ created_at: "2020-01-01T00:00:00Z", enc: "-----BEGIN PGP MESSAGE-----\n", fp: "ABCDEF" }];
    const previous = JSON.stringify(doc);
    writeFileSync(file, previous);
    const err = await catchError(() => fs.saveObj("p/token.sops.json", TOKEN));
    expectCleanError(err, SopsUnsupportedKeyTypeException, file, ["at-secret-123"]);
    expect(readFileSync(file, "utf8")).toBe(previous);
    expect(readdirSync(path.dirname(file))).toEqual(["token.sops.json"]);
  });

  test("a file written by real sops loads through the provider", async () => {
    const { home, fs } = provider({ env: { SOPS_AGE_KEY: fixtureText("keys.txt") } });
    const file = path.join(home, "real.sops.json");
    mkdirSync(home, { recursive: true });
    writeFileSync(file, fixtureText("json/sops-age-lib.secret.enc.json"));
    expect(await fs.loadObj("real.sops.json")).toEqual(JSON.parse(fixtureText("json/sops-age-lib.secret.cleartext.json")));
  });

  test("the plugin value registers the format with a kernel", async () => {
    expect(storageSopsPlugin.name).toBe("planet-auth/storage-sops");
    expect(storageSopsPlugin.storageFormats?.length).toBe(1);
    const home = path.join(tmp.dir, "khome");
    const kernel = createKernel({
      homeDir: () => home,
      plugins: [createStorageSopsPlugin({ env: {}, homeDir: home, recipients: [recipient], identities: [identity] })],
    });
    await kernel.services.storage.saveObj(".planet/p/token.sops.json", TOKEN);
    expect(readFileSync(path.join(home, ".planet/p/token.sops.json"), "utf8")).not.toContain("at-secret-123");
    expect(await kernel.services.storage.loadObj(".planet/p/token.sops.json")).toEqual(TOKEN);
  });
});

/** A minimal in-memory provider holding JS objects (like a database or keyring would). */
class MemoryProvider implements ObjectStorageProvider {
  readonly objects = new Map<string, JsonObject>();
  async loadObj(key: string): Promise<JsonObject> {
    const v = this.objects.get(key);
    if (!v) throw new ObjectNotFoundException("not found", { filePath: key });
    return structuredClone(v);
  }
  async saveObj(key: string, data: JsonObject): Promise<void> {
    this.objects.set(key, structuredClone(data));
  }
  async objExists(key: string): Promise<boolean> {
    return this.objects.has(key);
  }
  async mtime(key: string): Promise<number> {
    if (!this.objects.has(key)) throw new ObjectNotFoundException("not found", { filePath: key });
    return 0;
  }
  async objRename(src: string, dst: string): Promise<void> {
    this.objects.set(dst, this.objects.get(src)!);
    this.objects.delete(src);
  }
}

describe("SopsStorageProvider wrapping any provider", () => {
  const opts = () => ({ env: {}, homeDir: tmp.dir, sopsBinary: false as const, recipients: [recipient], identities: [identity] });

  test("stores the encrypted document for .sops.json keys and passes other keys through", async () => {
    const inner = new MemoryProvider();
    const sops = new SopsStorageProvider(inner, opts());
    await sops.saveObj("token.sops.json", TOKEN);
    await sops.saveObj("token.json", TOKEN);
    const stored = inner.objects.get("token.sops.json")!;
    expect(stored).toHaveProperty("sops");
    expect(JSON.stringify(stored)).not.toContain("at-secret-123");
    expect(inner.objects.get("token.json")).toEqual(TOKEN);
    expect(await sops.loadObj("token.sops.json")).toEqual(TOKEN);
    expect(await sops.loadObj("token.json")).toEqual(TOKEN);
    expect(await sops.objExists("token.sops.json")).toBe(true);
    await sops.objRename("token.sops.json", "other.sops.json");
    expect(await sops.loadObj("other.sops.json")).toEqual(TOKEN);
  });

  test("integer-like keys survive the JS-object round trip (written in JS order)", async () => {
    const inner = new MemoryProvider();
    const sops = new SopsStorageProvider(inner, opts());
    const data = { b: "x", "10": "ten", "9": "nine", a: { "2": "two", z: "zed" } };
    await sops.saveObj("ints.sops.json", data);
    expect(await sops.loadObj("ints.sops.json")).toEqual(data);
  });

  test("re-save keeps recipients; a tampered stored document is rejected", async () => {
    const inner = new MemoryProvider();
    await new SopsStorageProvider(inner, opts()).saveObj("t.sops.json", TOKEN);
    const other = new SopsStorageProvider(inner, { env: {}, homeDir: tmp.dir, sopsBinary: false, identities: [identity] });
    await other.saveObj("t.sops.json", { v: "2" });
    const stored = inner.objects.get("t.sops.json") as { sops: { age: Array<{ recipient: string }> }; v: string };
    expect(stored.sops.age.map((e) => e.recipient)).toEqual([recipient]);
    stored.sops = { ...stored.sops, lastmodified: "2000-01-01T00:00:00Z" } as typeof stored.sops;
    const err = await catchError(() => other.loadObj("t.sops.json"));
    expectCleanError(err, SopsMacMismatchException, "t.sops.json");
  });
});
