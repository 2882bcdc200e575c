/** A save interrupted between encryption and the rename leaves the old encrypted file, and nothing else. */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { FileStorageProvider, StorageException, type FileOps } from "../../../src/index.js";
import { createSopsStorageFormat } from "../../../src/plugin-kit.js";
import { makeTempDir } from "../../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
let format: ReturnType<typeof createSopsStorageFormat>;

beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  const identity = await generateIdentity();
  format = createSopsStorageFormat({ env: {}, homeDir: home, sopsBinary: false, identities: [identity], recipients: [await identityToRecipient(identity)] });
});
afterEach(() => cleanup());

describe("SOPS save crash safety", () => {
  test("a failure after encryption, before the rename, leaves the previous encrypted file and no temporary", async () => {
    const key = ".planet/p/token.sops.json";
    const healthy = new FileStorageProvider({ homeDir: () => home, formats: [format] });
    await healthy.saveObj(key, { access_token: "old-access-token-value" });
    const before = await fs.readFile(path.join(home, key), "utf8");

    let encryptedTextReachedDisk = false;
    const crashing: FileOps = {
      ...fs,
      rename: async (from) => {
        // The temporary holds the encrypted result when the crash happens: never cleartext.
        const staged = await fs.readFile(from, "utf8");
        encryptedTextReachedDisk = staged.includes('"sops"') && !staged.includes("new-access-token-value");
        throw Object.assign(new Error("power lost"), { code: "EIO" });
      },
    };
    const interrupted = new FileStorageProvider({ homeDir: () => home, formats: [format], fileOps: crashing });
    await expect(interrupted.saveObj(key, { access_token: "new-access-token-value" })).rejects.toThrow(StorageException);

    expect(encryptedTextReachedDisk).toBe(true);
    expect(await fs.readFile(path.join(home, key), "utf8")).toBe(before);
    expect(await healthy.loadObj(key)).toEqual({ access_token: "old-access-token-value" });
    expect(await fs.readdir(path.join(home, ".planet/p"))).toEqual(["token.sops.json"]);
  });
});
