import { Credential, InvalidDataException, type JsonObject } from "../../kernel/index.js";

/** Planet legacy API key file: `{ "key": <api key>, "jwt": <login JWT> }`. */
export class FileBackedPlanetLegacyApiKey extends Credential {
  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    if (!data!.key) throw new InvalidDataException("Planet legacy API key data is missing a non-empty key", { field: "key" });
  }
  async legacyApiKey(): Promise<string | null> {
    return this.lazyGet<string>("key");
  }
  /** Same as legacyApiKey(). */
  async apiKey(): Promise<string | null> {
    return this.legacyApiKey();
  }
  async legacyJwt(): Promise<string | null> {
    return this.lazyGet<string>("jwt");
  }
}
