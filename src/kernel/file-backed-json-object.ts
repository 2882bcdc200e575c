/**
 * A JSON object that may be bound to a storage key (`planet_auth.FileBackedJsonObject` in the Python library). Invalid data is
 * never stored in memory by setData nor written by save. Change detection for lazyReload compares the
 * exact mtime observed at the last load (a same-size rewrite within the same second is still seen).
 * Storage goes through the provider given at construction or by setStorageProvider (objects a
 * kernel builds get that kernel's); an object given none uses the default provider, as in the Python
 * library: the filesystem under the home directory, encrypting the file names an encrypted format
 * claims (`defaultStorageProvider`). That provider is made afresh for each use, never a kernel's, so
 * objects share no state through it.
 */
import { FileBackedJsonObjectException, InvalidDataException } from "./errors.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";
import { defaultStorageProvider } from "./storage/file-storage.js";

/** An object as read from storage, with the mtime observed before reading it. */
export interface StoredObject {
  data: JsonObject;
  mtime: number | null;
}

/**
 * A JSON object that may be bound to a storage key (the Python library's `planet_auth.FileBackedJsonObject`):
 * the base of configs and credentials. Invalid data is never kept by `setData` nor written by `save`; an
 * object given no storage provider uses the default one (files under the home directory).
 */
export class FileBackedJsonObject {
  #data: JsonObject | null;
  #path: string | null;
  #storageProvider: ObjectStorageProvider | null;
  #loadTime: number;
  /** mtime (ms) of the stored object as of the last load/save; null when unknown. */
  #observedMtime: number | null = null;

  /** An object with its data (null: not loaded), optionally bound to a storage key and a storage provider. */
  constructor(data: JsonObject | null = null, filePath: string | null = null, storageProvider: ObjectStorageProvider | null = null) {
    this.#data = data;
    this.#path = filePath;
    this.#storageProvider = storageProvider;
    this.#loadTime = data ? Date.now() : 0;
  }

  /** In-memory data; never loads. */
  data(): JsonObject | null {
    return this.#data;
  }

  /** Validate, then store a shallow copy. Invalid ⇒ throws and nothing changes. */
  setData(data: JsonObject | null, copy = true): void {
    this.checkDataWithPath(data);
    this.#data = copy && data ? { ...data } : data;
    this.#loadTime = Date.now();
    this.onDataSet();
  }

  /** Hook for subclasses that derive values from the data (e.g. `_iat`/`_exp`). */
  protected onDataSet(): void {}

  /** Replace data without validation (subclass constructors that normalise). */
  protected replaceDataUnchecked(data: JsonObject | null): void {
    this.#data = data;
  }

  /** Merge `sparse` into the data (top-level keys replaced), validated as `setData` does. */
  updateData(sparse: JsonObject): void {
    this.setData(this.#data ? { ...this.#data, ...sparse } : { ...sparse });
  }

  /** Base rule: `{}` allowed, null rejected. Subclasses add rules and call super. */
  checkData(data: JsonObject | null): void {
    if (data === null || data === undefined || typeof data !== "object" || Array.isArray(data)) {
      throw new InvalidDataException("Data must be a JSON object, not null");
    }
  }

  private checkDataWithPath(data: JsonObject | null): void {
    try {
      this.checkData(data);
    } catch (err) {
      if (err instanceof FileBackedJsonObjectException && this.#path && !err.filePath) err.setFilePath(this.#path);
      throw err;
    }
  }

  /** Validate the current data; the thrown exception names the path. */
  check(): void {
    this.checkDataWithPath(this.#data);
  }

  /** True when the object holds non-empty data in memory. */
  isLoaded(): boolean {
    return Boolean(this.#data && Object.keys(this.#data).length > 0);
  }

  /** The storage key the object is loaded from and saved to; null for an in-memory object. */
  path(): string | null {
    return this.#path;
  }
  /** Bind the object to another storage key (null: in memory only). */
  setPath(filePath: string | null): void {
    this.#path = filePath;
    this.#observedMtime = null;
  }

  /** The provider this object loads and saves through: the one set, else the default (see the class comment). */
  storageProvider(): ObjectStorageProvider {
    return this.#storageProvider ?? defaultStorageProvider();
  }
  /** null removes the explicit provider: the object then uses the default (a config, its kernel's). */
  setStorageProvider(provider: ObjectStorageProvider | null): void {
    this.#storageProvider = provider;
  }
  /** The explicitly set provider, or null when none was set. */
  explicitStorageProvider(): ObjectStorageProvider | null {
    return this.#storageProvider;
  }

  /** When the data was last loaded or saved (epoch milliseconds; 0 when never). */
  loadTime(): number {
    return this.#loadTime;
  }

  /** Validate, then write through the provider. No path ⇒ in-memory object, nothing written. */
  async save(): Promise<void> {
    this.check();
    if (!this.#path) return;
    const provider = this.storageProvider();
    await provider.saveObj(this.#path, this.#data!);
    this.#loadTime = Date.now();
    this.#observedMtime = await provider.mtime(this.#path).catch(() => null);
  }

  /** Read from storage and setData it (invalid ⇒ throws, old data kept). No path ⇒ nothing. */
  async load(): Promise<void> {
    if (!this.#path) return;
    this.applyStored(await this.readStored(this.#path));
  }

  /** Read the object stored under `key` and its mtime, keeping nothing (see `applyStored`). */
  protected async readStored(key: string): Promise<StoredObject> {
    const provider = this.storageProvider();
    const mtime = await provider.mtime(key).catch(() => null);
    return { data: await provider.loadObj(key), mtime };
  }

  /** Take what `readStored` read as the object's data (invalid ⇒ throws, old data kept). */
  protected applyStored(stored: StoredObject): void {
    this.setData(stored.data, false);
    this.#observedMtime = stored.mtime;
  }

  /** Load from storage unless data is already in memory. */
  async lazyLoad(): Promise<void> {
    if (!this.isLoaded()) await this.load();
  }

  /** Load when not loaded, or when the stored object changed since the last load/save. */
  async lazyReload(): Promise<void> {
    if (!this.isLoaded()) return this.load();
    if (!this.#path) return;
    const mtime = await this.storageProvider().mtime(this.#path);
    if (this.#observedMtime === null || mtime !== this.#observedMtime) await this.load();
  }

  /** A top-level value, loading the object first if needed; null when missing. */
  async lazyGet<T = unknown>(key: string): Promise<T | null> {
    await this.lazyLoad();
    const value = this.#data?.[key];
    return value === undefined ? null : (value as T);
  }

  /** True when the object has a storage key and something is stored under it. */
  async isPersistedToStorage(): Promise<boolean> {
    if (!this.#path) return false;
    return this.storageProvider().objExists(this.#path);
  }

  /** For display: the data with nulls removed recursively, plus `_file_path`. Never saved. */
  toPrintable(): JsonObject {
    const strip = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(strip);
      if (v && typeof v === "object") {
        const o: JsonObject = {};
        for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) o[k] = strip(x);
        return o;
      }
      return v;
    };
    return { ...(strip(this.#data ?? {}) as JsonObject), _file_path: this.#path };
  }
}
