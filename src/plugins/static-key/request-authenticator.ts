import { CredentialRequestAuthenticator, ObjectNotFoundException, systemClock, type Clock, type Credential } from "../../kernel/index.js";
import { FileBackedApiKey } from "./credential.js";

/**
 * `Authorization: <bearer_token_prefix> <api_key>`. A file-backed key is read once and then re-read
 * only when storage reports a change (a watcher on the file's directory, which survives an atomic
 * rename over the file): requests in between touch no file, and a rotated key is used by the first
 * request after the change is reported. A storage provider that cannot report changes falls back to
 * checking the file's mtime at most once per `reloadCheckIntervalMs`. With no key anywhere, requests
 * fail with NoCredentialException naming the cause.
 */
export class FileBackedApiKeyRequestAuthenticator extends CredentialRequestAuthenticator<FileBackedApiKey> {
  override clientType: string | null = "static_apikey";
  readonly #clock: Clock;
  readonly #reloadCheckIntervalMs: number;
  /** The key in memory must be (re)read before the next request. */
  #stale = true;
  /** When the stored key must be checked again, for providers that cannot report changes. */
  #nextPollMs = Infinity;
  #stopWatching: (() => void) | null = null;
  #loadError: unknown = undefined;

  /**
   * An authenticator around an API key credential, re-reading its file at most every `reloadCheckIntervalMs`.
   */
  constructor(credential: FileBackedApiKey | null, options: { clock?: Clock; reloadCheckIntervalMs?: number } = {}) {
    super(credential);
    this.#clock = options.clock ?? systemClock;
    this.#reloadCheckIntervalMs = options.reloadCheckIntervalMs ?? 1000;
  }

  protected override checkCredentialType(credential: Credential): void {
    if (!(credential instanceof FileBackedApiKey)) throw new TypeError(`Expected a FileBackedApiKey, got ${credential?.constructor?.name}`);
  }

  override updateCredential(credential: FileBackedApiKey): void {
    super.updateCredential(credential);
    this.close();
    this.#stale = true;
  }

  /** Stop watching the key file (a later request starts watching again). */
  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = null;
    this.#nextPollMs = Infinity;
  }

  protected override noCredentialCause(): unknown {
    return this.#loadError;
  }

  preRequestHook(): void | Promise<void> {
    if (this.tokenBody && !this.#stale && !this.#pollDue()) return;
    const cred = this._credential;
    if (!cred) return;
    const key = cred.path();
    if (!key) return this.#adopt(cred); // a key in the config, in memory
    this.#startWatching(cred, key);
    const polling = this.#nextPollMs !== Infinity;
    if (polling) this.#nextPollMs = this.#clock.now() + this.#reloadCheckIntervalMs;
    return (polling && cred.isLoaded() ? cred.lazyReload() : cred.load()).then(
      () => {
        this.#loadError = undefined;
        this.#adopt(cred);
      },
      (err: unknown) => {
        this.#stale = true;
        // A missing file is "no credential" (the request fails with that, naming the file); other errors as they are.
        if (!(err instanceof ObjectNotFoundException)) throw err;
        this.#loadError = err;
        this.tokenBody = null;
      },
    );
  }

  #pollDue(): boolean {
    return this.#nextPollMs !== Infinity && this.#clock.now() >= this.#nextPollMs;
  }

  /** Be told of changes to the key file; `#stale` stays true (re-read per request) until that works. */
  #startWatching(cred: FileBackedApiKey, key: string): void {
    if (this.#stopWatching || this.#nextPollMs !== Infinity) {
      if (this.#stopWatching) this.#stale = false;
      return;
    }
    const provider = cred.storageProvider();
    if (!provider.watch) {
      this.#nextPollMs = 0; // poll the mtime at the interval instead
      this.#stale = false;
      return;
    }
    try {
      // On a change: re-read before the next request, and re-arm the watch then (it is armed before
      // the read, so a change during the read is not missed; a failed watch is not trusted further).
      const stop = provider.watch(key, () => {
        this.#stale = true;
        stop();
        if (this.#stopWatching === stop) this.#stopWatching = null;
      });
      this.#stopWatching = stop;
      this.#stale = false;
    } catch {
      // The directory cannot be watched (e.g. it does not exist yet): try again on the next request.
    }
  }

  #adopt(cred: FileBackedApiKey): void {
    const data = cred.data();
    this.tokenBody = (data?.api_key as string | undefined) ?? null;
    this.tokenPrefix = (data?.bearer_token_prefix as string | undefined) ?? null;
  }
}
