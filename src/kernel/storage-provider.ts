/**
 * Object storage: where configs, tokens and user preferences live. Keys are path-like strings;
 * the default provider resolves relative keys against the home directory.
 */
export type JsonObject = Record<string, unknown>;

/**
 * Where configs and tokens are stored (the Python library's `ObjectStorageProvider`): JSON objects by key.
 * The built-ins are files under a directory (`FileStorageProvider`), SOPS-encrypted files and Redis; a host
 * or plugin can provide its own.
 */
export interface ObjectStorageProvider {
  /** Read one JSON object. Missing ⇒ ObjectNotFoundException; unparsable ⇒ CorruptObjectException. */
  loadObj(key: string): Promise<JsonObject>;
  /** Write one JSON object, atomically where the medium allows; creates parents. */
  saveObj(key: string, data: JsonObject): Promise<void>;
  /** True when an object is stored under `key`. */
  objExists(key: string): Promise<boolean>;
  /** Last-modified time in milliseconds (fractional where the medium has it). Missing ⇒ ObjectNotFoundException. */
  mtime(key: string): Promise<number>;
  /** Move the object stored under `src` to `dst`. */
  objRename(src: string, dst: string): Promise<void>;
  /** Optional: a warning when the stored object can be read by others than its owner; null when not. */
  accessWarning?(key: string): Promise<string | null>;
  /**
   * Optional: run `fn` holding a lock on `key` that other processes sharing the storage respect
   * (e.g. around "re-read, refresh, save" of a token). Releases the lock when `fn` settles. Without
   * it, callers can only coordinate within their own process. `signal` (as in the Web Locks API)
   * gives up waiting for the lock: the call then rejects with the signal's reason and `fn` does
   * not run; once `fn` runs, the signal is ignored.
   */
  withLock?<T>(key: string, fn: () => Promise<T>, options?: LockOptions): Promise<T>;

  /**
   * Optional: call `onChange` whenever the stored object may have changed; returns a function that
   * stops watching. Lets callers keep an object in memory without checking storage per use. Must
   * not keep the process alive. Throws when the object's location cannot be watched.
   */
  watch?(key: string, onChange: () => void): () => void;
}

/** Options of `ObjectStorageProvider.withLock`: a signal that gives up waiting for the lock. */
export interface LockOptions {
  /** Stop waiting for the lock (e.g. because what the lock was wanted for was done by another holder). */
  signal?: AbortSignal;
}

/** Profile file names, in priority order (the first that exists is used). */
export interface ProfileFileNames {
  readonly config: readonly string[];
  readonly token: readonly string[];
}

/**
 * Options naming a storage provider contributed by a plugin, as a discovered config's `storage`
 * gives them: `type` is the contribution's name, every other key is the provider's own.
 */
export interface StorageOptions extends JsonObject {
  type: string;
}

/**
 * A file format contributed by a plugin (e.g. an encrypted format). The filesystem provider reads
 * and writes the bytes — atomically — and hands the text to the format to decode / encode.
 */
export interface StorageFormat {
  /** Short name for messages. */
  readonly name: string;
  /** The keys this format handles (typically by file name suffix). */
  matches(key: string): boolean;
  /**
   * The profile file names this format offers, in priority order; profile lookup tries them, in
   * the order formats were registered, before the base `auth_client.json` / `token.json`. Each
   * name must be one `matches` claims.
   */
  readonly profileFiles?: Partial<ProfileFileNames>;
  /** Parse an object of this format from its stored text. */
  decode(text: string, context: StorageFormatContext): Promise<JsonObject>;
  /** `previousText` is the object's current stored text, if any (e.g. to keep its recipients). */
  encode(data: JsonObject, context: StorageFormatContext & { previousText?: string }): Promise<string>;
}

/** What a storage format knows of the object it decodes or encodes: its key and file path. */
export interface StorageFormatContext {
  /** The key as given by the caller. */
  key: string;
  /** The resolved absolute file path (or the key, for non-file providers). */
  path: string;
  /**
   * The environment variables of the kernel the storage serves (its `env` service), for a format that
   * reads some (SOPS reads its age identities there); absent: the process's.
   */
  env?: Readonly<Record<string, string | undefined>>;
}
