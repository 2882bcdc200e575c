import { CredentialRequestAuthenticator, type Clock, type Credential } from "../../kernel/index.js";
import { FileBackedApiKey } from "./credential.js";

/**
 * `Authorization: <bearer_token_prefix> <api_key>`. A file-backed key is re-read
 * when its file changes; the change check is a stat at most once per `reloadCheckIntervalMs`, so the
 * per-request path is in memory. Load errors are not swallowed.
 */
export class FileBackedApiKeyRequestAuthenticator extends CredentialRequestAuthenticator<FileBackedApiKey> {
  readonly #clock: Clock;
  readonly #reloadCheckIntervalMs: number;
  #nextReloadCheck = 0;

  constructor(credential: FileBackedApiKey | null, options: { clock: Clock; reloadCheckIntervalMs?: number }) {
    super(credential);
    this.#clock = options.clock;
    this.#reloadCheckIntervalMs = options.reloadCheckIntervalMs ?? 1000;
  }

  protected override checkCredentialType(credential: Credential): void {
    if (!(credential instanceof FileBackedApiKey)) throw new TypeError(`Expected a FileBackedApiKey, got ${credential?.constructor?.name}`);
  }

  override updateCredential(credential: FileBackedApiKey): void {
    super.updateCredential(credential);
    this.#nextReloadCheck = 0;
  }

  preRequestHook(): void | Promise<void> {
    const cred = this._credential;
    if (!cred) return;
    const stale = !cred.isLoaded() || (cred.path() !== null && this.#clock.now() >= this.#nextReloadCheck);
    if (!stale && this.tokenBody) return;
    if (!stale) return this.#adopt(cred);
    return cred.lazyReload().then(() => {
      this.#nextReloadCheck = this.#clock.now() + this.#reloadCheckIntervalMs;
      this.#adopt(cred);
    });
  }

  #adopt(cred: FileBackedApiKey): void {
    const data = cred.data();
    this.tokenBody = (data?.api_key as string | undefined) ?? null;
    this.tokenPrefix = (data?.bearer_token_prefix as string | undefined) ?? null;
  }
}
