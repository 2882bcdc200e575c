import { describe, expect, test, beforeAll, afterAll } from "@jest/globals";
import { createDecipheriv, createHash } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { decryptSops as sopsAgeDecrypt } from "sops-age";
import { Decrypter, armor, generateHybridIdentity, generateX25519Identity, identityToRecipient } from "age-encryption";
import {
  decryptSops,
  decryptSopsToOrdered,
  encryptSops,
  SopsMacMismatchException,
} from "../../../src/plugins/storage-sops/index.js";
import { OrderedMap, parseOrderedJson, stringifyOrderedJson } from "../../../src/kernel/index.js";
import { FIXTURES, catchError, fixtureEnv, fixtureText, makeTempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => void };
let identity: string;
let recipient: string;
beforeAll(async () => {
  tmp = makeTempDir();
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
afterAll(() => tmp.cleanup());

const env = (vars: Record<string, string> = {}) => ({ env: { HOME: tmp.dir, ...vars }, homeDir: tmp.dir, sopsBinary: false as const });

const SAMPLE = {
  access_token: "eyJhbGciOi.secret.token",
  refresh_token: "refresh-secret-value",
  expires_in: 3600,
  ratio: 0.125,
  big: 1e21,
  tiny: 1.5e-7,
  negative: -42,
  ok: true,
  bad: false,
  empty: "",
  nothing_nested: { n: null },
  list: ["one", 2, false, { inner: "x" }, [3, "y"]],
  unicode: "schlüssel ✓ 🔑",
  nested: { deep: { deeper: { value: "deep-secret" } } },
  note_unencrypted: "stays clear",
};

/**
 * An independent check of a SOPS JSON document (written here from the README's format facts, with
 * node:crypto and JSON.parse; not our codec): every value decrypts with AAD = path + ':' and the
 * SHA-512 over the leaves in order equals the decrypted MAC. Only for documents without
 * integer-like keys (JSON.parse reorders those).
 */
async function independentVerify(text: string, id: string): Promise<void> {
  const doc = JSON.parse(text) as Record<string, any>;
  const decrypter = new Decrypter();
  decrypter.addIdentity(id);
  let key: Uint8Array | undefined;
  for (const entry of doc.sops.age as Array<{ enc: string }>) {
    try {
      key = await decrypter.decrypt(armor.decode(entry.enc));
      break;
    } catch {
      // next
    }
  }
  expect(key?.length).toBe(32);
  const dec = (value: string, aad: string): string => {
    const m = /^ENC\[AES256_GCM,data:(.*),iv:(.*),tag:(.*),type:(.*)\]$/.exec(value)!;
    const iv = Buffer.from(m[2]!, "base64");
    expect(iv.length).toBe(32);
    const d = createDecipheriv("aes-256-gcm", key!, iv);
    d.setAAD(Buffer.from(aad));
    d.setAuthTag(Buffer.from(m[3]!, "base64"));
    return Buffer.concat([d.update(Buffer.from(m[1]!, "base64")), d.final()]).toString();
  };
  const hash = createHash("sha512");
  const walk = (v: unknown, p: string[]) => {
    if (v === null) return;
    if (Array.isArray(v)) return v.forEach((x) => walk(x, p));
    if (typeof v === "object") {
      for (const [k, x] of Object.entries(v as object)) walk(x, [...p, k]);
      return;
    }
    const clear = p.some((k) => k.endsWith("_unencrypted"));
    if (clear || v === "") hash.update(typeof v === "boolean" ? (v ? "True" : "False") : String(v));
    else hash.update(dec(v as string, p.map((k) => `${k}:`).join("")));
  };
  const { sops, ...data } = doc;
  walk(data, []);
  expect(dec(sops.mac, sops.lastmodified)).toBe(hash.digest("hex").toUpperCase());
}

describe("encrypt → decrypt round trips", () => {
  test("our output decrypts with sops-age (an independent implementation) and with ours", async () => {
    const filePath = path.join(tmp.dir, "token.sops.json");
    const text = await encryptSops(SAMPLE, filePath, { ...env(), recipients: [recipient] });
    expect(text).not.toContain("refresh-secret-value");
    const theirs = await sopsAgeDecrypt(text, { secretKey: identity, fileType: "json" });
    expect(theirs).toEqual(SAMPLE);
    const ours = await decryptSops(text, filePath, { ...env(), identities: [identity] });
    expect(ours).toEqual(SAMPLE);
    await independentVerify(text, identity);
  });

  test("the written document has sops' layout: metadata last, values typed as sops types them", async () => {
    const filePath = path.join(tmp.dir, "layout.sops.json");
    const text = await encryptSops({ b: 7, a: true, c: "s", d: 2.5 }, filePath, {
      ...env(),
      recipients: [recipient],
      now: () => new Date("2026-03-04T05:06:07.890Z"),
    });
    const doc = parseOrderedJson(text) as OrderedMap;
    expect(doc.keys()).toEqual(["a", "b", "c", "d", "sops"]);
    expect(doc.get("a")).toMatch(/,type:bool\]$/);
    expect(doc.get("b")).toMatch(/,type:float\]$/);
    expect(doc.get("c")).toMatch(/,type:str\]$/);
    const sops = doc.get("sops") as OrderedMap;
    expect(sops.keys()).toEqual([
      "kms", "gcp_kms", "azure_kv", "hc_vault", "age", "lastmodified", "mac", "pgp", "unencrypted_suffix", "version",
    ]);
    expect(sops.get("lastmodified")).toBe("2026-03-04T05:06:07Z");
    const age = (sops.get("age") as OrderedMap[])[0]!;
    expect(age.get("recipient")).toBe(recipient);
    expect(age.get("enc")).toMatch(/^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/);
    expect(text.endsWith("}")).toBe(true);
    expect(text).toContain('\n\t"a": ');
  });

  test("integer-like keys keep the written (sorted) order, and the MAC covers that order", async () => {
    const filePath = path.join(tmp.dir, "ints.sops.json");
    const data = { b: "bee", "10": "ten", "9": "nine", a: { "2": "two", z: "zed", "1": "one" } };
    const text = await encryptSops(data, filePath, { ...env(), recipients: [recipient] });
    const written = parseOrderedJson(text) as OrderedMap;
    expect(written.keys()).toEqual(["10", "9", "a", "b", "sops"]);
    const ordered = await decryptSopsToOrdered(text, filePath, { ...env(), identities: [identity] });
    expect(ordered.keys()).toEqual(["10", "9", "a", "b"]);
    expect((ordered.get("a") as OrderedMap).keys()).toEqual(["1", "2", "z"]);
    expect(await decryptSops(text, filePath, { ...env(), identities: [identity] })).toEqual(data);
    // Passing the document through a JS object reorders "9" before "10": the MAC then fails,
    // which is exactly why the codec parses into an order-preserving tree.
    const reordered = JSON.stringify(JSON.parse(text), null, "\t");
    const err = await catchError(() => decryptSops(reordered, filePath, { ...env(), identities: [identity] }));
    expect(err).toBeInstanceOf(SopsMacMismatchException);
  });

  test("several recipients, including a post-quantum one: each identity alone decrypts", async () => {
    const second = await generateX25519Identity();
    const pq = await generateHybridIdentity();
    const recipients = [recipient, await identityToRecipient(second), await identityToRecipient(pq)];
    const filePath = path.join(tmp.dir, "multi.sops.json");
    const text = await encryptSops(SAMPLE, filePath, { ...env(), recipients });
    for (const id of [identity, second, pq]) {
      expect(await decryptSops(text, filePath, { ...env(), identities: [id] })).toEqual(SAMPLE);
    }
    expect(await sopsAgeDecrypt(text, { secretKey: second, fileType: "json" })).toEqual(SAMPLE);
  });

  test("keyOrder 'js' writes JavaScript's own order; top-level nulls are dropped", async () => {
    const filePath = path.join(tmp.dir, "js.sops.json");
    const text = await encryptSops({ z: "1", a: "2", gone: null }, filePath, {
      ...env(),
      recipients: [recipient],
      keyOrder: "js",
    });
    expect((parseOrderedJson(text) as OrderedMap).keys()).toEqual(["z", "a", "sops"]);
  });

  test("a top-level 'sops' key in the data is refused", async () => {
    const filePath = path.join(tmp.dir, "bad.sops.json");
    const err = await catchError(() => encryptSops({ sops: "x" }, filePath, { ...env(), recipients: [recipient] }));
    expect((err as Error).message).toContain(filePath);
  });
});

describe("partial encryption from .sops.yaml creation rules", () => {
  test("encrypted_regex: only matching subtrees are encrypted; sops-age and we read it back", async () => {
    const dir = path.join(tmp.dir, "regex");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      path.join(dir, ".sops.yaml"),
      `creation_rules:\n  - path_regex: \\.sops\\.json$\n    encrypted_regex: ^(data|secret)$\n    age: ${recipient}\n`,
    );
    const filePath = path.join(dir, "k8s.sops.json");
    const data = { kind: "Secret", metadata: { name: "n" }, data: { pw: "hunter2" }, secret: ["a", "b"] };
    const text = await encryptSops(data, filePath, env());
    const doc = JSON.parse(text);
    expect(doc.kind).toBe("Secret");
    expect(doc.metadata.name).toBe("n");
    expect(doc.data.pw).toMatch(/^ENC\[/);
    expect(doc.secret[0]).toMatch(/^ENC\[/);
    expect(doc.sops.encrypted_regex).toBe("^(data|secret)$");
    expect(doc.sops.unencrypted_suffix).toBeUndefined();
    expect(await decryptSops(text, filePath, { ...env(), identities: [identity] })).toEqual(data);
    expect(await sopsAgeDecrypt(text, { secretKey: identity, fileType: "json" })).toEqual(data);
  });

  test("mac_only_encrypted and unencrypted_suffix: clear values can change without breaking the MAC", async () => {
    const filePath = path.join(tmp.dir, "maconly.sops.json");
    const text = await encryptSops({ a_unencrypted: "clear", b: "secret" }, filePath, {
      ...env(),
      recipients: [recipient],
      partialEncryption: { unencrypted_suffix: "_unencrypted", mac_only_encrypted: true },
    });
    const doc = JSON.parse(text);
    expect(doc.sops.mac_only_encrypted).toBe(true);
    doc.a_unencrypted = "edited by hand";
    const edited = JSON.stringify(doc, null, "\t");
    expect(await decryptSops(edited, filePath, { ...env(), identities: [identity] })).toEqual({
      a_unencrypted: "edited by hand",
      b: "secret",
    });
  });

  test("without mac_only_encrypted, editing a clear value breaks the MAC", async () => {
    const filePath = path.join(tmp.dir, "clearedit.sops.json");
    const text = await encryptSops({ a_unencrypted: "clear", b: "secret" }, filePath, {
      ...env(),
      recipients: [recipient],
    });
    const doc = JSON.parse(text);
    expect(doc.a_unencrypted).toBe("clear");
    doc.a_unencrypted = "edited";
    const err = await catchError(() =>
      decryptSops(JSON.stringify(doc), filePath, { ...env(), identities: [identity] }),
    );
    expect(err).toBeInstanceOf(SopsMacMismatchException);
  });
});

describe("re-saving an existing file keeps its keys", () => {
  test("a sops-written file re-saved with its identity keeps recipients and metadata, with a fresh data key", async () => {
    const file = "json/getsops-example.multi-recipient.enc.json";
    const previousText = fixtureText(file);
    const filePath = path.join(FIXTURES, file);
    const text = await encryptSops({ updated: "new-value" }, filePath, { ...fixtureEnv(tmp.dir), previousText });
    const before = JSON.parse(previousText).sops;
    const after = JSON.parse(text).sops;
    const recipients = (age: Array<{ recipient: string; enc: string }>) => age.map((e) => e.recipient);
    expect(recipients(after.age)).toEqual(recipients(before.age));
    expect(after.age[0].enc).not.toBe(before.age[0].enc); // an age-only file never reuses the data key it holds
    expect(after.version).toBe(before.version);
    expect(after.unencrypted_suffix).toBe("_unencrypted");
    expect(after.lastmodified).not.toBe(before.lastmodified);
    expect(await decryptSops(text, filePath, fixtureEnv(tmp.dir))).toEqual({ updated: "new-value" });
  });

  test("a file with age and PGP keys re-saved natively keeps its PGP entries (same data key)", async () => {
    const file = "yaml/sops-nix.secrets.enc.yaml";
    const previousText = fixtureText(file);
    const filePath = path.join(tmp.dir, "nix.enc.yaml");
    const { parse } = await import("yaml");
    const before = parse(previousText).sops;
    // A team file: its age recipients are the configured ones.
    const recipients = before.age.map((e: { recipient: string }) => e.recipient);
    const text = await encryptSops({ x: "y" }, filePath, { ...fixtureEnv(tmp.dir), previousText, recipients });
    const after = JSON.parse(text).sops;
    expect(after.pgp).toEqual(before.pgp);
    expect(after.age).toEqual(before.age);
    expect(await decryptSops(text, filePath, fixtureEnv(tmp.dir))).toEqual({ x: "y" });
  });

  test("without an identity, an age-only file is re-saved for its configured recipients with a new data key", async () => {
    const filePath = path.join(tmp.dir, "noid.sops.json");
    const first = await encryptSops({ v: "1" }, filePath, { ...env(), recipients: [recipient] });
    // With no identity and nothing configured, the file's recipients cannot be checked: refused.
    await expect(encryptSops({ v: "2" }, filePath, { ...env(), previousText: first })).rejects.toThrow(/age recipients that are not configured/);
    const second = await encryptSops({ v: "2" }, filePath, { ...env({ SOPS_AGE_RECIPIENTS: recipient }), previousText: first });
    const a = JSON.parse(first).sops.age;
    const b = JSON.parse(second).sops.age;
    expect(b.map((e: { recipient: string }) => e.recipient)).toEqual([recipient]);
    expect(b[0].enc).not.toBe(a[0].enc);
    expect(await decryptSops(second, filePath, { ...env(), identities: [identity] })).toEqual({ v: "2" });
  });

  test("previous selectors are kept on re-save when they match the configured ones", async () => {
    const filePath = path.join(tmp.dir, "keepsel.sops.json");
    const first = await encryptSops({ data: "s", other: "c" }, filePath, {
      ...env(),
      recipients: [recipient],
      partialEncryption: { encrypted_regex: "^data$" },
    });
    const second = await encryptSops({ data: "s2", other: "c2" }, filePath, {
      ...env(),
      identities: [identity],
      partialEncryption: { encrypted_regex: "^data$" },
      previousText: first,
    });
    const doc = JSON.parse(second);
    expect(doc.other).toBe("c2");
    expect(doc.data).toMatch(/^ENC\[/);
    expect(doc.sops.encrypted_regex).toBe("^data$");
  });

  test("an empty or non-SOPS previous file (e.g. a pre-created '{}') counts as a new file", async () => {
    const filePath = path.join(tmp.dir, "precreated.sops.json");
    for (const previousText of ["", "{}", "  \n"]) {
      const text = await encryptSops({ v: 1 }, filePath, { ...env(), recipients: [recipient], previousText });
      expect(await decryptSops(text, filePath, { ...env(), identities: [identity] })).toEqual({ v: 1 });
    }
  });
});

test("stringifyOrderedJson/parseOrderedJson round trip keeps order and escapes", () => {
  const text = '{"b":1,"10":[true,null,"\\u00e9\\n"],"9":{"__proto__":{"x":-0.5e-3}}}';
  const tree = parseOrderedJson(text);
  expect(stringifyOrderedJson(tree, "")).toBe('{"b":1,"10":[true,null,"é\\n"],"9":{"__proto__":{"x":-0.0005}}}');
});
