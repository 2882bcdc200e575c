import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import {
  CorruptObjectException, FileStorageProvider, ObjectNotFoundException,
  StorageException, type FileOps, type StorageFormat,
} from "../../src/index.js";
import { makeTempDir } from "../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: home, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const provider = (extra: ConstructorParameters<typeof FileStorageProvider>[0] = {}) =>
  new FileStorageProvider({ homeDir: () => home, ...extra });

describe("FileStorageProvider", () => {
  test("writes the reference's layout: sorted keys, 2-space indent, no top-level nulls, escaped non-ASCII, no trailing newline", async () => {
    await provider().saveObj(".planet/p/token.json", { b: 1, a: { z: null, y: [3, { d: 1, c: 2 }] }, gone: null, name: "Zoë" });
    const text = await fs.readFile(path.join(home, ".planet/p/token.json"), "utf8");
    expect(text).toBe('{\n  "a": {\n    "y": [\n      3,\n      {\n        "c": 2,\n        "d": 1\n      }\n    ],\n    "z": null\n  },\n  "b": 1,\n  "name": "Zo\\u00eb"\n}');
    expect(await provider().loadObj(".planet/p/token.json")).toEqual({ a: { y: [3, { c: 2, d: 1 }], z: null }, b: 1, name: "Zoë" });
  });

  test("files are 0600 and created directories 0700", async () => {
    await provider().saveObj(".planet/prof/token.json", { a: 1 });
    expect((await fs.stat(path.join(home, ".planet/prof/token.json"))).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.join(home, ".planet/prof"))).mode & 0o777).toBe(0o700);
    expect((await fs.stat(path.join(home, ".planet"))).mode & 0o777).toBe(0o700);
  });

  test("relative keys resolve against the home directory at call time; absolute keys are used as they are", async () => {
    let root = home;
    const p = new FileStorageProvider({ homeDir: () => root });
    await p.saveObj("one.json", { n: 1 });
    const other = await makeTempDir();
    root = other.dir;
    await p.saveObj("one.json", { n: 2 });
    await p.saveObj(path.join(home, "abs.json"), { n: 3 });
    expect(JSON.parse(await fs.readFile(path.join(home, "one.json"), "utf8"))).toEqual({ n: 1 });
    expect(JSON.parse(await fs.readFile(path.join(other.dir, "one.json"), "utf8"))).toEqual({ n: 2 });
    expect(JSON.parse(await fs.readFile(path.join(home, "abs.json"), "utf8"))).toEqual({ n: 3 });
    await other.cleanup();
  });

  test("a missing object raises ObjectNotFoundException naming the path; exists/mtime/rename behave", async () => {
    const p = provider();
    await expect(p.loadObj("nope.json")).rejects.toThrow(ObjectNotFoundException);
    await expect(p.loadObj("nope.json")).rejects.toThrow(`(File: ${path.join(home, "nope.json")})`);
    await expect(p.mtime("nope.json")).rejects.toThrow(ObjectNotFoundException);
    expect(await p.objExists("nope.json")).toBe(false);
    await p.saveObj("a.json", { a: 1 });
    expect(await p.objExists("a.json")).toBe(true);
    expect(typeof (await p.mtime("a.json"))).toBe("number");
    await p.objRename("a.json", "sub/b.json");
    expect(await p.objExists("a.json")).toBe(false);
    expect(await p.loadObj("sub/b.json")).toEqual({ a: 1 });
  });

  test.each([
    ["not JSON at all", "{ this is not json"],
    ["a JSON array", "[1, 2]"],
    ["a JSON string", '"text"'],
    ["an empty file", ""],
  ])("a corrupt file (%s) is reported with its path and left untouched", async (_what, content) => {
    const file = path.join(home, "corrupt.json");
    await fs.writeFile(file, content);
    const err = await provider().loadObj("corrupt.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptObjectException);
    expect((err as CorruptObjectException).filePath).toBe(file);
    expect((err as Error).message).toContain(file);
    expect(await fs.readFile(file, "utf8")).toBe(content);
  });

  test("a corrupt file's error never quotes its content", async () => {
    await fs.writeFile(path.join(home, "token.json"), '{"access_token": secret-value-123}');
    const err = await provider().loadObj("token.json").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptObjectException);
    expect((err as Error).message).toContain("not valid JSON");
    expect((err as Error).message).not.toMatch(/secret|access_token/);
  });

  test("a write that fails before the rename leaves the previous file intact and no temporary file behind", async () => {
    const p0 = provider();
    await p0.saveObj("token.json", { access_token: "old" });
    const failingRename: FileOps = { ...fs, rename: async () => { throw Object.assign(new Error("disk full"), { code: "ENOSPC" }); } };
    const err = await provider({ fileOps: failingRename }).saveObj("token.json", { access_token: "new" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StorageException);
    expect((err as Error).message).toContain("ENOSPC");
    expect(await p0.loadObj("token.json")).toEqual({ access_token: "old" });
    expect(await fs.readdir(home)).toEqual(["token.json"]);
  });

  test("a write that fails while writing the temporary file leaves the previous file intact", async () => {
    await provider().saveObj("token.json", { access_token: "old" });
    const failingOpen: FileOps = {
      ...fs,
      open: (async (...args: Parameters<typeof fs.open>) => {
        const handle = await fs.open(...args);
        return Object.assign(Object.create(handle), {
          writeFile: async () => { throw Object.assign(new Error("I/O error"), { code: "EIO" }); },
          sync: () => handle.sync(),
          close: () => handle.close(),
        });
      }) as typeof fs.open,
    };
    await expect(provider({ fileOps: failingOpen }).saveObj("token.json", { access_token: "new" })).rejects.toThrow(/EIO/);
    expect(await provider().loadObj("token.json")).toEqual({ access_token: "old" });
    expect(await fs.readdir(home)).toEqual(["token.json"]);
  });

  test("keys a format claims are decoded and encoded by it, and written atomically", async () => {
    const rot13: StorageFormat = {
      name: "rot13",
      matches: (key) => key.endsWith(".rot.json"),
      decode: async (text) => JSON.parse(text.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97))),
      encode: async (data, ctx) => {
        expect(ctx.path).toBe(path.join(home, "a.rot.json"));
        return JSON.stringify(data).replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));
      },
    };
    const p = provider({ formats: [rot13] });
    await p.saveObj("a.rot.json", { hello: "world" });
    expect(await fs.readFile(path.join(home, "a.rot.json"), "utf8")).toBe('{"uryyb":"jbeyq"}');
    expect(await p.loadObj("a.rot.json")).toEqual({ hello: "world" });
  });
});

test("withLock gives up waiting when its signal aborts: fn does not run, and the lock is free for others after the holder", async () => {
  const p = provider();
  await p.saveObj("locked.json", { v: 1 });
  let release!: () => void;
  let holding!: () => void;
  const holds = new Promise<void>((r) => (holding = r));
  const held = p.withLock("locked.json", () => new Promise<void>((r) => ((release = r), holding())));
  await holds;
  const waiting = new AbortController();
  let ran = false;
  const waiter = p.withLock("locked.json", async () => void (ran = true), { signal: waiting.signal });
  waiting.abort(new Error("done elsewhere"));
  await expect(waiter).rejects.toThrow("done elsewhere");
  release();
  await held;
  expect(await p.withLock("locked.json", async () => "free")).toBe("free");
  expect(ran).toBe(false);
});
