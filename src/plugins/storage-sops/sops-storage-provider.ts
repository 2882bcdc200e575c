/**
 * Wrap any ObjectStorageProvider (a keyring, a database, an in-memory map…) so that objects under
 * `*.sops.json` keys are stored SOPS-encrypted: `saveObj` encrypts and stores the encrypted
 * document as an object; `loadObj` decrypts it. Other keys pass through unchanged.
 *
 * Order limitation: the inner provider holds the encrypted document as a JS object, and JS objects
 * put integer-like keys ("0", "12") ahead of other keys. The SOPS MAC covers document order, so this
 * wrapper writes documents in JavaScript's own key order (which survives the round trip). A document
 * written by real `sops` whose integer-like keys are not already first cannot be verified after it
 * has passed through a JS object, and fails with a MAC mismatch. With the filesystem provider, use
 * the StorageFormat ({@link createSopsStorageFormat}) instead: it sees the file's text.
 */
import { type JsonObject, type LockOptions, type ObjectStorageProvider } from "../../kernel/index.js";
import { decryptSops, encryptSops, type SopsCodecOptions } from "./sops-codec.js";
import { isSopsKey } from "./sops-storage-format.js";
import { SopsFormatException } from "./errors.js";

/** Codec options, except the key order: the wrapper always writes JavaScript's order (see above). */
export interface SopsStorageProviderOptions extends Omit<SopsCodecOptions, "keyOrder"> {
  /** Which keys are encrypted; default: names ending in `.sops.json`. */
  matches?: (key: string) => boolean;
}

export class SopsStorageProvider implements ObjectStorageProvider {
  readonly #inner: ObjectStorageProvider;
  readonly #options: SopsStorageProviderOptions;
  readonly #matches: (key: string) => boolean;
  /** The wrapped provider's lock; absent when it has none (so callers know they hold no lock). */
  readonly withLock?: <T>(key: string, fn: () => Promise<T>, options?: LockOptions) => Promise<T>;

  /**
   * Wraps `inner`: objects are encrypted with SOPS before they are saved to it and decrypted after they are
   * loaded.
   */
  constructor(inner: ObjectStorageProvider, options: SopsStorageProviderOptions = {}) {
    this.#inner = inner;
    if (inner.withLock) this.withLock = (key, fn, options) => inner.withLock!(key, fn, options);
    this.#options = options;
    this.#matches = options.matches ?? isSopsKey;
  }

  get inner(): ObjectStorageProvider {
    return this.#inner;
  }

  async loadObj(key: string): Promise<JsonObject> {
    const stored = await this.#inner.loadObj(key);
    if (!this.#matches(key)) return stored;
    return decryptSops(this.#toText(stored, key), key, { ...this.#options, kind: "json" });
  }

  async saveObj(key: string, data: JsonObject): Promise<void> {
    if (!this.#matches(key)) return this.#inner.saveObj(key, data);
    let previousText: string | undefined;
    if (await this.#inner.objExists(key)) {
      previousText = this.#toText(await this.#inner.loadObj(key), key);
    }
    const text = await encryptSops(data, key, { ...this.#options, keyOrder: "js", previousText });
    await this.#inner.saveObj(key, JSON.parse(text) as JsonObject);
  }

  objExists(key: string): Promise<boolean> {
    return this.#inner.objExists(key);
  }

  mtime(key: string): Promise<number> {
    return this.#inner.mtime(key);
  }

  objRename(src: string, dst: string): Promise<void> {
    return this.#inner.objRename(src, dst);
  }

  #toText(stored: JsonObject, key: string): string {
    try {
      return JSON.stringify(stored);
    } catch {
      throw new SopsFormatException("The stored SOPS document cannot be serialized", { filePath: key });
    }
  }
}
