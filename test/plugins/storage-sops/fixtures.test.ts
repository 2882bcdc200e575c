import { describe, expect, test, beforeAll, afterAll } from "@jest/globals";
import path from "node:path";
import { Decrypter, armor } from "age-encryption";
import {
  decryptSops,
  decryptSopsToOrdered,
  SopsMacMismatchException,
  SopsNoIdentityException,
} from "../../../src/plugins/storage-sops/index.js";
import { parseOrderedJson, stringifyOrderedJson } from "../../../src/kernel/index.js";
import { FIXTURES, allFixtureIdentities, catchError, expectCleanError, fixtureEnv, fixtureText, makeTempDir, manifest } from "./helpers.js";

let home: { dir: string; cleanup: () => void };
beforeAll(() => {
  home = makeTempDir();
});
afterAll(() => home.cleanup());

describe("every fixture written by real sops", () => {
  test("the manifest lists every fixture file", () => {
    expect(manifest.length).toBe(22);
  });

  for (const entry of manifest.filter((e) => e.expect === "ok")) {
    test(`${entry.file} decrypts to its expected cleartext, key order included`, async () => {
      const filePath = path.join(FIXTURES, entry.file);
      const ordered = await decryptSopsToOrdered(fixtureText(entry.file), filePath, fixtureEnv(home.dir));
      const expected = parseOrderedJson(fixtureText(entry.cleartext!));
      // Compare serialized ordered trees: values and document order must both match.
      expect(stringifyOrderedJson(ordered, " ")).toBe(stringifyOrderedJson(expected, " "));
      // And the plain-object API gives the same values.
      const plain = await decryptSops(fixtureText(entry.file), filePath, fixtureEnv(home.dir));
      expect(plain).toEqual(JSON.parse(fixtureText(entry.cleartext!)));
    });
  }

  test("the MAC-mismatch vector (keys reordered after sops wrote it) is rejected", async () => {
    const entry = manifest.find((e) => e.expect === "mac-mismatch")!;
    const filePath = path.join(FIXTURES, entry.file);
    const err = await catchError(() => decryptSops(fixtureText(entry.file), filePath, fixtureEnv(home.dir)));
    expectCleanError(err, SopsMacMismatchException, filePath, ["I want some pineapples"]);
  });

  test("the post-quantum (mlkem768x25519) fixture decrypts natively with age-encryption 0.3.1", async () => {
    const file = "yaml/flux.algorithms-age-pq.encrypted-regex.enc.yaml";
    const pqOnly = fixtureText("keys-pq.txt");
    const out = await decryptSops(fixtureText(file), path.join(FIXTURES, file), {
      env: { SOPS_AGE_KEY: pqOnly },
      homeDir: home.dir,
      sopsBinary: false,
    });
    expect(out).toEqual(JSON.parse(fixtureText("yaml/flux.algorithms-age-pq.encrypted-regex.cleartext.json")));
  });

  test("each age stanza unwraps to the data key the manifest records", async () => {
    const decrypter = new Decrypter();
    for (const id of allFixtureIdentities()) decrypter.addIdentity(id);
    const { parse } = await import("yaml");
    for (const entry of manifest) {
      const text = fixtureText(entry.file);
      const doc = (entry.format === "json" ? JSON.parse(text) : parse(text)) as { sops: { age: Array<{ enc: string }> } };
      const key = await decrypter.decrypt(armor.decode(doc.sops.age[0]!.enc));
      expect(Buffer.from(key).toString("hex")).toBe(entry.dataKeyHex);
    }
  });

  test("without a matching identity, the error names the file and the places searched, not keys", async () => {
    const file = "json/cdk.testsecret.enc.json";
    const filePath = path.join(FIXTURES, file);
    const err = await catchError(() =>
      decryptSops(fixtureText(file), filePath, { env: {}, homeDir: home.dir, sopsBinary: false }),
    );
    expectCleanError(err, SopsNoIdentityException, filePath, ["sk-1234567890abcdef"]);
    expect((err as Error).message).toContain(path.join(home.dir, ".config", "sops", "age", "keys.txt"));
  });
});
