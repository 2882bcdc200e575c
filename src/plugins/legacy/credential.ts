import { Credential, InvalidDataException, type JsonObject } from "../../kernel/index.js";

/** Planet legacy API key file: `{ "key": <api key>, "jwt": <login JWT> }`. */
export class FileBackedPlanetLegacyApiKey extends Credential {
  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    if (!data!.key) throw new InvalidDataException("Planet legacy API key data is missing a non-empty key", { field: "key" });
  }
  /** The Planet API key of this credential (`key`), loading it if needed. */
  async legacyApiKey(): Promise<string | null> {
    return this.lazyGet<string>("key");
  }
  /** Same as legacyApiKey(). */
  async apiKey(): Promise<string | null> {
    return this.legacyApiKey();
  }
  /** The JWT the legacy login returned with the key (`jwt`), if any. */
  async legacyJwt(): Promise<string | null> {
    return this.lazyGet<string>("jwt");
  }
}
