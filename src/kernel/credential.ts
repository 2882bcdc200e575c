import { FileBackedJsonObject } from "./file-backed-json-object.js";
import { AuthException, ObjectNotFoundException, type ErrorCode } from "./errors.js";
import { nowSeconds, systemClock, type Clock } from "./seams.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";

/**
 * A stored credential was obtained from another auth server (or client) than the one configured for
 * it: it is neither loaded nor sent anywhere. Log in again with this config, or use another token file.
 */
export class CredentialOriginException extends AuthException {
  static override readonly code: ErrorCode = "ERR_CREDENTIAL_ORIGIN";
}

/**
 * Storage key of the record of where a credential came from, beside the credential:
 * `token.json` → `token.origin.json`, `token.enc.json` → `token.enc.origin.json`. A separate file
 * keeps the token file in the exact format other implementations read and write.
 */
function credentialOriginKey(credentialKey: string): string {
  return credentialKey.endsWith(".json") ? `${credentialKey.slice(0, -5)}.origin.json` : `${credentialKey}.origin.json`;
}

function sameOrigin(a: JsonObject, b: JsonObject): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => a[k] === b[k]);
}

/**
 * A unit of authorization material (`planet_auth.Credential` in the Python library). `_iat`/`_exp` are epoch seconds (integers
 * as a rule; a float is kept as stored); a missing `_exp` means the credential never expires. "Now"
 * comes from the clock it was built with: clients pass their kernel's clock, so each kernel's
 * credentials expire on its own time.
 */
export class Credential extends FileBackedJsonObject {
  readonly #clock: Clock;
  #origin: JsonObject | null = null;

  /**
   * A credential from its data, optionally bound to a storage key and provider; `clock` decides when it is
   * expired.
   */
  constructor(data: JsonObject | null = null, filePath: string | null = null, storageProvider: ObjectStorageProvider | null = null, clock: Clock = systemClock) {
    super(data, filePath, storageProvider);
    this.#clock = clock;
  }

  /** The clock expiry checks (and derived timestamps) use. */
  clock(): Clock {
    return this.#clock;
  }

  /**
   * Bind the credential to where it may be used — the auth server and client of the config it is
   * obtained with (AuthClient.credentialOrigin). A bound credential records its origin beside itself
   * on save, and refuses to load a stored credential recorded for another origin, so its refresh
   * token, for instance, is never sent to another server. A stored credential without a record (one
   * written by another implementation) loads, and gets the record at its next save.
   */
  bindOrigin(origin: JsonObject | null): void {
    this.#origin = origin ? { ...origin } : null;
  }
  /** The origin this credential is bound to (see `bindOrigin`); null when unbound. */
  origin(): JsonObject | null {
    return this.#origin;
  }

  override async load(): Promise<void> {
    const key = this.path();
    if (!key) return;
    // Both reads go out at once (one round trip to a remote store); the origin's verdict is given first.
    const reading = this.readStored(key);
    reading.catch(() => undefined);
    await this.#checkStoredOrigin();
    this.applyStored(await reading);
  }

  override async save(): Promise<void> {
    await super.save();
    const key = this.path();
    if (!key || !this.#origin) return;
    const stored = await this.#storedOrigin(key);
    if (!stored || !sameOrigin(stored, this.#origin)) await this.storageProvider().saveObj(credentialOriginKey(key), this.#origin);
  }

  async #storedOrigin(key: string): Promise<JsonObject | null> {
    try {
      return await this.storageProvider().loadObj(credentialOriginKey(key));
    } catch (err) {
      if (err instanceof ObjectNotFoundException) return null;
      throw err;
    }
  }

  async #checkStoredOrigin(): Promise<void> {
    const key = this.path();
    if (!key || !this.#origin) return;
    const stored = await this.#storedOrigin(key);
    if (!stored || sameOrigin(stored, this.#origin)) return;
    const describe = (o: JsonObject) => Object.entries(o).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(", ");
    throw new CredentialOriginException(
      `This credential was obtained from ${describe(stored)}, but the config in use is for ${describe(this.#origin)}; ` +
        `it is not used, so that it is never sent to another server. Log in with this config to replace it, or use another token file`,
      { filePath: key },
    );
  }

  /**
   * When the credential expires (`_exp`, epoch seconds); null when it never expires. Loads the credential if
   * needed.
   */
  async expiryTime(): Promise<number | null> {
    return this.lazyGet<number>("_exp");
  }
  /** When the credential was issued (`_iat`, epoch seconds); null when unknown. */
  async issuedTime(): Promise<number | null> {
    return this.lazyGet<number>("_iat");
  }
  /** True when the credential has an expiry time. */
  async isExpiring(): Promise<boolean> {
    return (await this.expiryTime()) !== null;
  }
  /** True when the credential never expires (it has no `_exp`). */
  async isNonExpiring(): Promise<boolean> {
    return !(await this.isExpiring());
  }
  /** Expired ⇔ expiring and `at >= _exp` (at: epoch seconds, default now by the credential's clock). */
  async isExpired(at: number = nowSeconds(this.#clock)): Promise<boolean> {
    const exp = await this.expiryTime();
    return exp !== null && at >= exp;
  }
  /** The opposite of `isExpired`. */
  async isNotExpired(at?: number): Promise<boolean> {
    return !(await this.isExpired(at));
  }
  /** In-memory expiry check with no I/O (used on request hot paths). */
  expiresAtLoaded(): number | null {
    const exp = this.data()?._exp;
    return typeof exp === "number" ? exp : null;
  }
}
