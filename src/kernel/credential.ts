import { FileBackedJsonObject } from "./file-backed-json-object.js";

/**
 * A unit of authorization material. `_iat`/`_exp` are epoch seconds (integers as a rule; a float is
 * kept as stored); a missing `_exp` means the credential never expires.
 */
export class Credential extends FileBackedJsonObject {
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
  /** Expired ⇔ expiring and `at >= _exp` (at: epoch seconds, default now). */
  async isExpired(at: number = Math.floor(Date.now() / 1000)): Promise<boolean> {
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
