import { describe, test, beforeAll, afterAll, expect } from "@jest/globals";
import path from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { FileBackedJsonObjectException } from "../../../src/kernel/errors.js";
import {
  decryptSops,
  encryptSops,
  SopsDecryptionException,
  SopsFormatException,
  SopsMacMismatchException,
  SopsException,
  SopsNoIdentityException,
} from "../../../src/plugins/storage-sops/index.js";
import { catchError, expectCleanError, makeTempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => void };
let identity: string;
let filePath: string;
let text: string;
const SECRETS = ["topsecretvalue", "anothersecret", "hunter2"];

beforeAll(async () => {
  tmp = makeTempDir();
  identity = await generateX25519Identity();
  filePath = path.join(tmp.dir, "token.sops.json");
  text = await encryptSops(
    { access_token: "topsecretvalue", refresh_token: "anothersecret", nested: { pw: "hunter2", n: 5 } },
    filePath,
    { env: {}, homeDir: tmp.dir, sopsBinary: false, recipients: [await identityToRecipient(identity)] },
  );
});
afterAll(() => tmp.cleanup());

const opts = () => ({ env: {}, homeDir: tmp.dir, sopsBinary: false as const, identities: [identity] });
const mutate = (fn: (doc: any) => void): string => {
  const doc = JSON.parse(text);
  fn(doc);
  return JSON.stringify(doc, null, "\t");
};
/** Flip one base64 character of a field inside an ENC[...] value. */
const flip = (enc: string, field: "data" | "iv" | "tag"): string =>
  enc.replace(new RegExp(`${field}:([A-Za-z0-9+/])`), (_m, c: string) => `${field}:${c === "A" ? "B" : "A"}`);

async function rejects(bad: string, cls: abstract new (...args: any[]) => Error): Promise<Error> {
  const err = (await catchError(() => decryptSops(bad, filePath, opts()))) as Error;
  expectCleanError(err, cls, filePath, [...SECRETS, identity]);
  expect(err).toBeInstanceOf(FileBackedJsonObjectException);
  return err;
}

describe("tampering is detected", () => {
  test("the untampered file decrypts", async () => {
    expect(await decryptSops(text, filePath, opts())).toEqual({
      access_token: "topsecretvalue",
      refresh_token: "anothersecret",
      nested: { pw: "hunter2", n: 5 },
    });
  });

  test("a changed value ciphertext", async () => {
    const err = await rejects(mutate((d) => (d.access_token = flip(d.access_token, "data"))), SopsDecryptionException);
    expect(err.message).toContain("access_token");
  });

  test("a changed IV", async () => {
    await rejects(mutate((d) => (d.nested.pw = flip(d.nested.pw, "iv"))), SopsDecryptionException);
  });

  test("a changed tag", async () => {
    await rejects(mutate((d) => (d.nested.n = flip(d.nested.n, "tag"))), SopsDecryptionException);
  });

  test("a changed MAC", async () => {
    await rejects(mutate((d) => (d.sops.mac = flip(d.sops.mac, "data"))), SopsMacMismatchException);
  });

  test("a changed lastmodified (the MAC's AAD)", async () => {
    await rejects(mutate((d) => (d.sops.lastmodified = "2001-01-01T00:00:00Z")), SopsMacMismatchException);
  });

  test("two values swapped between keys (AAD binds a value to its path)", async () => {
    await rejects(
      mutate((d) => ([d.access_token, d.refresh_token] = [d.refresh_token, d.access_token])),
      SopsDecryptionException,
    );
  });

  test("a value removed (MAC covers the set of values)", async () => {
    await rejects(mutate((d) => delete d.refresh_token), SopsMacMismatchException);
  });

  test("a value replaced by cleartext", async () => {
    await rejects(mutate((d) => (d.access_token = "plain")), SopsDecryptionException);
    await rejects(mutate((d) => (d.nested.n = 5)), SopsDecryptionException);
  });

  test("keys reordered (the MAC covers document order)", async () => {
    await rejects(
      mutate((d) => {
        const { access_token, ...rest } = d;
        for (const k of Object.keys(d)) delete d[k];
        Object.assign(d, rest, { access_token });
      }),
      SopsMacMismatchException,
    );
  });

  test("the wrapped data key changed", async () => {
    const err = await rejects(
      mutate((d) => (d.sops.age[0].enc = d.sops.age[0].enc.replace(/\n([A-Za-z])/, (_m: string, c: string) => `\n${c === "A" ? "B" : "A"}`))),
      SopsDecryptionException,
    );
    expect(err).toBeInstanceOf(SopsNoIdentityException);
  });
});

describe("malformed documents", () => {
  const cases: Array<[string, () => string]> = [
    ["not JSON", () => "{ not json"],
    ["a JSON array", () => "[1,2]"],
    ["no sops metadata", () => JSON.stringify({ a: "b" })],
    ["metadata not an object", () => mutate((d) => (d.sops = "x"))],
    ["no mac", () => mutate((d) => delete d.sops.mac)],
    ["no lastmodified", () => mutate((d) => delete d.sops.lastmodified)],
    ["age not a list", () => mutate((d) => (d.sops.age = "age1..."))],
    ["age entry without enc", () => mutate((d) => delete d.sops.age[0].enc)],
    ["no keys at all", () => mutate((d) => (d.sops.age = []))],
    ["armor that is not an age file", () => mutate((d) => (d.sops.age[0].enc = "garbage"))],
    ["invalid encrypted_regex", () => mutate((d) => (d.sops.encrypted_regex = "(unclosed"))],
    ["duplicate keys", () => text.replace('"access_token"', '"refresh_token"')],
  ];
  for (const [name, make] of cases) {
    test(name, async () => {
      await rejects(make(), SopsFormatException);
    });
  }

  test("a malformed ENC value", async () => {
    const err = await rejects(mutate((d) => (d.access_token = "ENC[AES256_GCM,data:%%%,iv:x,tag:y,type:str]")), SopsDecryptionException);
    expect(err.message).toMatch(/not a well-formed/);
  });
});

describe("a re-save never trusts metadata that weakens the encryption", () => {
  const fresh = { access_token: "newaccessvalue", refresh_token: "newrefreshvalue" };
  const NEW_SECRETS = Object.values(fresh);

  test.each([
    ["unencrypted_regex: .*", (sops: any) => { delete sops.unencrypted_suffix; sops.unencrypted_regex = ".*"; }],
    ["unencrypted_suffix: token", (sops: any) => { sops.unencrypted_suffix = "token"; }],
    ["encrypted_regex that matches nothing", (sops: any) => { delete sops.unencrypted_suffix; sops.encrypted_regex = "^nothing$"; }],
    ["encrypted_suffix that matches nothing", (sops: any) => { delete sops.unencrypted_suffix; sops.encrypted_suffix = "_never"; }],
  ])("a file tampered with %s is refused with a SopsException naming the file; nothing is written in clear", async (_what, tamper) => {
    const tampered = mutate((doc) => tamper(doc.sops));
    const err = await catchError(() => encryptSops(fresh, filePath, { ...opts(), previousText: tampered }));
    expect(err).toBeInstanceOf(SopsException);
    expect((err as Error).message).toMatch(/Refusing to re-save: .* would write access_token, refresh_token in clear/);
    expect((err as Error).message).toContain(filePath);
    for (const secret of [...SECRETS, ...NEW_SECRETS]) expect((err as Error).message).not.toContain(secret);
  });

  test("a file listing an extra age recipient is refused; the configured recipients are accepted", async () => {
    const attacker = await identityToRecipient(await generateX25519Identity());
    const tampered = mutate((doc) => doc.sops.age.push({ recipient: attacker, enc: doc.sops.age[0].enc }));
    const err = await catchError(() => encryptSops(fresh, filePath, { ...opts(), previousText: tampered }));
    expect(err).toBeInstanceOf(SopsException);
    expect((err as Error).message).toMatch(/age recipients that are not configured \(age1/);
    expect((err as Error).message).toContain(attacker.slice(0, 10));

    const resaved = await encryptSops(fresh, filePath, { ...opts(), previousText: text });
    expect(JSON.parse(resaved).sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([await identityToRecipient(identity)]);
    for (const secret of NEW_SECRETS) expect(resaved).not.toContain(secret);
    expect(await decryptSops(resaved, filePath, opts())).toEqual(fresh);
  });

  test("a crafted file's data key is never reused for an age-only file", async () => {
    const resaved = await encryptSops(fresh, filePath, { ...opts(), previousText: text });
    expect(JSON.parse(resaved).sops.age[0].enc).not.toBe(JSON.parse(text).sops.age[0].enc);
  });
});
