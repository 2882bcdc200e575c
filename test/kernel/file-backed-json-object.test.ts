import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  Credential, CredentialOriginException, FileStorageProvider, InvalidDataException, ObjectNotFoundException, type JsonObject, type ObjectStorageProvider,
} from "../../src/index.js";
import { FileBackedJsonObject } from "../../src/plugin-kit.js";
import { makeTempDir } from "../support/temp-dir.js";

/** Valid iff it has a non-empty `key`. */
class KeyObject extends FileBackedJsonObject {
  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    if (!data!.key) throw new InvalidDataException("key is required", { field: "key" });
  }
}

let home: string;
let cleanup: () => Promise<void>;
let storage: FileStorageProvider;
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  storage = new FileStorageProvider({ homeDir: () => home });
});
afterEach(() => cleanup());

describe("FileBackedJsonObject", () => {
  test("the constructor stores data without validation; setData validates and keeps the old data on failure", () => {
    const obj = new KeyObject({ nokey: true });
    expect(obj.data()).toEqual({ nokey: true });
    expect(() => obj.setData({ other: 1 })).toThrow(InvalidDataException);
    expect(obj.data()).toEqual({ nokey: true });
    obj.setData({ key: "a" });
    expect(obj.data()).toEqual({ key: "a" });
    obj.updateData({ extra: 2 });
    expect(obj.data()).toEqual({ key: "a", extra: 2 });
    expect(() => new FileBackedJsonObject().setData(null)).toThrow(InvalidDataException);
  });

  test("an empty object counts as not loaded", () => {
    expect(new FileBackedJsonObject({}).isLoaded()).toBe(false);
    expect(new FileBackedJsonObject({ a: 1 }).isLoaded()).toBe(true);
  });

  test("check() names the path of an invalid object", () => {
    const obj = new KeyObject({}, "cfg.json", storage);
    expect(() => obj.check()).toThrow("key is required (File: cfg.json)");
  });

  test("save refuses invalid data and leaves the previous file intact", async () => {
    const obj = new KeyObject({ key: "v1" }, "obj.json", storage);
    await obj.save();
    const before = await fs.readFile(path.join(home, "obj.json"), "utf8");
    const bad = new KeyObject({ key: "" }, "obj.json", storage);
    await expect(bad.save()).rejects.toThrow(InvalidDataException);
    expect(await fs.readFile(path.join(home, "obj.json"), "utf8")).toBe(before);
  });

  test("save without a path is an in-memory no-op", async () => {
    const obj = new KeyObject({ key: "v" }, null, storage);
    await obj.save();
    expect(await fs.readdir(home)).toEqual([]);
    expect(await obj.isPersistedToStorage()).toBe(false);
  });

  test("load replaces data; an invalid stored object throws and keeps the old data; missing propagates", async () => {
    await storage.saveObj("obj.json", { key: "stored" });
    const obj = new KeyObject({ key: "memory" }, "obj.json", storage);
    await obj.load();
    expect(obj.data()).toEqual({ key: "stored" });
    await storage.saveObj("obj.json", { key: "" });
    await expect(obj.load()).rejects.toThrow("key is required (File: obj.json)");
    expect(obj.data()).toEqual({ key: "stored" });
    const missing = new KeyObject(null, "missing.json", storage);
    await expect(missing.load()).rejects.toThrow(ObjectNotFoundException);
  });

  test("lazyLoad loads once; lazyGet reads through it", async () => {
    await storage.saveObj("obj.json", { key: "one" });
    const obj = new KeyObject(null, "obj.json", storage);
    expect(await obj.lazyGet("key")).toBe("one");
    await storage.saveObj("obj.json", { key: "two" });
    await obj.lazyLoad();
    expect(await obj.lazyGet("key")).toBe("one");
    expect(await obj.lazyGet("absent")).toBeNull();
  });

  test("lazyReload reloads exactly when the stored object's mtime changed, even within the same second", async () => {
    await storage.saveObj("obj.json", { key: "one" });
    const obj = new KeyObject(null, "obj.json", storage);
    await obj.lazyReload();
    expect(obj.data()).toEqual({ key: "one" });
    // Another writer replaces the file; give it a distinct mtime without waiting.
    await storage.saveObj("obj.json", { key: "two" });
    const file = path.join(home, "obj.json");
    const { mtime } = await fs.stat(file);
    await fs.utimes(file, mtime, new Date(mtime.getTime() + 1));
    await obj.lazyReload();
    expect(obj.data()).toEqual({ key: "two" });
    // Unchanged mtime: no reload (prove it by changing the content behind its back but restoring the mtime).
    const unchanged = (await fs.stat(file)).mtime;
    await fs.writeFile(file, JSON.stringify({ key: "three" }));
    await fs.utimes(file, unchanged, unchanged);
    await obj.lazyReload();
    expect(obj.data()).toEqual({ key: "two" });
  });

  test("toPrintable drops nulls recursively and adds _file_path", () => {
    const obj = new FileBackedJsonObject({ a: null, b: { c: null, d: 1 } }, "x.json");
    expect(obj.toPrintable()).toEqual({ b: { d: 1 }, _file_path: "x.json" });
  });
});

describe("Credential", () => {
  test("expiry follows _exp: missing means never; expired when at >= _exp", async () => {
    const never = new Credential({ _iat: 100 });
    expect(await never.isExpiring()).toBe(false);
    expect(await never.isNonExpiring()).toBe(true);
    expect(await never.isExpired(10 ** 12)).toBe(false);
    const cred = new Credential({ _iat: 100, _exp: 200 });
    expect(await cred.expiryTime()).toBe(200);
    expect(await cred.issuedTime()).toBe(100);
    expect(await cred.isExpired(199)).toBe(false);
    expect(await cred.isExpired(200)).toBe(true);
    expect(await cred.isNotExpired(150)).toBe(true);
  });

  test("a bound credential reads its origin record and itself at once (one round trip to a remote store); another origin's is refused and not kept", async () => {
    await storage.saveObj("cred.json", { _iat: 1, _exp: 2, x: 1 });
    await storage.saveObj("cred.origin.json", { issuer: "https://a.example" });
    let pending = 0;
    let mostPending = 0;
    const reads: string[] = [];
    const slow = <T>(key: string, read: () => Promise<T>) => async (): Promise<T> => {
      reads.push(key);
      mostPending = Math.max(mostPending, ++pending);
      await new Promise((r) => setTimeout(r, 20)); // a round trip
      pending--;
      return read();
    };
    const remote: ObjectStorageProvider = {
      loadObj: (key) => slow(key, () => storage.loadObj(key))(),
      mtime: (key) => slow(key, () => storage.mtime(key))(),
      saveObj: (key, data) => storage.saveObj(key, data),
      objExists: (key) => storage.objExists(key),
      objRename: (src, dst) => storage.objRename(src, dst),
    };
    const cred = new Credential(null, "cred.json", remote);
    cred.bindOrigin({ issuer: "https://a.example" });
    await cred.load();
    expect(cred.data()).toMatchObject({ x: 1 });
    expect(reads.slice(0, 2).sort()).toEqual(["cred.json", "cred.origin.json"]);
    expect(mostPending).toBe(2);
    const other = new Credential(null, "cred.json", remote);
    other.bindOrigin({ issuer: "https://b.example" });
    await expect(other.load()).rejects.toBeInstanceOf(CredentialOriginException);
    expect(other.data()).toBeNull();
  });

  test("expiry lazily loads from storage", async () => {
    await storage.saveObj("cred.json", { _iat: 1, _exp: 2, x: 1 });
    const cred = new Credential(null, "cred.json", storage);
    expect(await cred.expiryTime()).toBe(2);
  });
});
