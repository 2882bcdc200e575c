import { FileBackedJsonObject } from "./file-backed-json-object.js";
import { nowSeconds, systemClock, type Clock } from "./seams.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";

/**
 * A unit of authorization material (the seed's Credential). `_iat`/`_exp` are integer epoch seconds;
 * a missing `_exp` means the credential never expires. "Now" comes from the clock it was built
 * with: clients pass their kernel's clock, so each kernel's credentials expire on its own time.
 */
export class Credential extends FileBackedJsonObject {
  readonly #clock: Clock;

  constructor(data: JsonObject | null = null, filePath: string | null = null, storageProvider: ObjectStorageProvider | null = null, clock: Clock = systemClock) {
    super(data, filePath, storageProvider);
    this.#clock = clock;
  }

  /** The clock expiry checks (and derived timestamps) use. */
  clock(): Clock {
    return this.#clock;
  }

  async expiryTime(): Promise<number | null> {
    return this.lazyGet<number>("_exp");
  }
  async issuedTime(): Promise<number | null> {
    return this.lazyGet<number>("_iat");
  }
  async isExpiring(): Promise<boolean> {
    return (await this.expiryTime()) !== null;
  }
  async isNonExpiring(): Promise<boolean> {
    return !(await this.isExpiring());
  }
  /** Expired ⇔ expiring and `at >= _exp` (at: epoch seconds, default now by the credential's clock). */
  async isExpired(at: number = nowSeconds(this.#clock)): Promise<boolean> {
    const exp = await this.expiryTime();
    return exp !== null && at >= exp;
  }
  async isNotExpired(at?: number): Promise<boolean> {
    return !(await this.isExpired(at));
  }
  /** In-memory expiry check with no I/O (used on request hot paths). */
  expiresAtLoaded(): number | null {
    const exp = this.data()?._exp;
    return typeof exp === "number" ? exp : null;
  }
}
