import { describe, expect, test } from "@jest/globals";
import { goFormatFloat, leafBytes, MacBuilder, MAC_ONLY_ENCRYPTED_PREFIX, macEquals } from "../../../src/plugins/storage-sops/mac.js";
import { compileGoRegex, createLeafSelector, aadFor, formatLastModified, detectKind } from "../../../src/plugins/storage-sops/sops-format.js";
import { decryptValue, encryptValue, parseEncryptedValue, ValueCipherError } from "../../../src/plugins/storage-sops/value-cipher.js";
import { createHash } from "node:crypto";
import { fixtureText, manifest } from "./helpers.js";

describe("Go number and boolean spelling (the MAC and value plaintext)", () => {
  test.each([
    [25.4, "25.4"],
    [7, "7"],
    [1234568000, "1234568000"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-2.5e-10, "-0.00000000025"],
    [1.7976931348623157e308, "1" + "7976931348623157" + "0".repeat(292)],
    [-0, "-0"],
    [0.1 + 0.2, "0.30000000000000004"],
  ])("%p → %s", (n, s) => {
    expect(goFormatFloat(n)).toBe(s);
  });

  test("leaf bytes", () => {
    expect(leafBytes(true).toString()).toBe("True");
    expect(leafBytes(false).toString()).toBe("False");
    expect(leafBytes(12345678901234567890n).toString()).toBe("12345678901234567890");
    expect(leafBytes("é").toString("hex")).toBe("c3a9");
  });

  test("MAC: uppercase hex SHA-512; mac_only_encrypted hashes the prefix and encrypted leaves only", () => {
    const all = new MacBuilder(false);
    all.add(Buffer.from("a"), true);
    all.add(Buffer.from("b"), false);
    expect(all.digestHex()).toBe(createHash("sha512").update("ab").digest("hex").toUpperCase());
    const only = new MacBuilder(true);
    only.add(Buffer.from("a"), true);
    only.add(Buffer.from("b"), false);
    expect(only.digestHex()).toBe(createHash("sha512").update(MAC_ONLY_ENCRYPTED_PREFIX).update("a").digest("hex").toUpperCase());
    expect(new MacBuilder().digestHex()).toBe(createHash("sha512").digest("hex").toUpperCase());
    expect(macEquals("abc", "ABC")).toBe(true);
    expect(macEquals("abc", "ABD")).toBe(false);
  });
});

describe("selectors", () => {
  test("Go inline flags are translated", () => {
    expect(compileGoRegex("(?i)^SECRET").test("secret_x")).toBe(true);
  });

  test("each selector tests every component of the path, in sops' order", () => {
    const sel = (p: Parameters<typeof createLeafSelector>[0]) => createLeafSelector(p, "/f");
    expect(sel({})(["a", "b"])).toBe(true);
    expect(sel({ unencrypted_suffix: "_unencrypted" })(["x_unencrypted", "b"])).toBe(false);
    expect(sel({ encrypted_suffix: "_enc" })(["x_enc", "b"])).toBe(true);
    expect(sel({ encrypted_suffix: "_enc" })(["x", "b"])).toBe(false);
    expect(sel({ unencrypted_regex: "^pub" })(["a", "public"])).toBe(false);
    expect(sel({ encrypted_regex: "^(data|stringData)$" })(["data", "k"])).toBe(true);
    expect(sel({ encrypted_regex: "^(data|stringData)$" })(["metadata", "name"])).toBe(false);
  });

  test("AAD is every key followed by ':'", () => {
    expect(aadFor(["address", "city"])).toBe("address:city:");
    expect(aadFor(["and now", "some", "basic"])).toBe("and now:some:basic:");
    expect(aadFor([])).toBe("");
  });

  test("lastmodified: whole seconds, Z", () => {
    expect(formatLastModified(new Date("2025-02-07T14:47:14.999Z"))).toBe("2025-02-07T14:47:14Z");
  });

  test("detectKind", () => {
    expect(detectKind('{"a":1}', "x.yaml")).toBe("json");
    expect(detectKind("a: 1", "x.yaml")).toBe("yaml");
    expect(detectKind("garbage", "x.sops.json")).toBe("json");
  });
});

describe("value cipher against a sops-written value", () => {
  const entry = manifest.find((e) => e.file === "json/getsops-example.multi-recipient.enc.json")!;
  const key = Buffer.from(entry.dataKeyHex, "hex");
  const value = JSON.parse(fixtureText(entry.file)).address.city as string;

  test("32-byte IV, AAD with the trailing ':'", () => {
    expect(parseEncryptedValue(value).iv.length).toBe(32);
    const { plaintext, type } = decryptValue(value, key, "address:city:");
    expect(type).toBe("str");
    expect(plaintext.toString()).toBe(JSON.parse(fixtureText(entry.cleartext!)).address.city);
  });

  test("without the trailing ':' it fails (as the README verified)", () => {
    expect(() => decryptValue(value, key, "address:city")).toThrow(ValueCipherError);
  });

  test("encryptValue output decrypts, and a new random IV is used each time", () => {
    const a = encryptValue(Buffer.from("x"), key, "k:", "str");
    const b = encryptValue(Buffer.from("x"), key, "k:", "str");
    expect(a).not.toBe(b);
    expect(decryptValue(a, key, "k:").plaintext.toString()).toBe("x");
  });
});
