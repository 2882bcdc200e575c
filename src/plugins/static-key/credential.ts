import { Credential, InvalidDataException, type JsonObject } from "../../kernel/index.js";

/** A static API key and the prefix its Authorization header uses. */
export class FileBackedApiKey extends Credential {
  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    if (!data!.api_key) throw new InvalidDataException("API key data is missing a non-empty api_key", { field: "api_key" });
    if (!data!.bearer_token_prefix) {
      throw new InvalidDataException("API key data is missing a non-empty bearer_token_prefix", { field: "bearer_token_prefix" });
    }
  }
  /** The API key (`api_key`), loading the credential if needed. */
  async apiKey(): Promise<string | null> {
    return this.lazyGet<string>("api_key");
  }
  /** The auth scheme sent before the key (`bearer_token_prefix`, e.g. `Bearer` or `api-key`). */
  async bearerTokenPrefix(): Promise<string | null> {
    return this.lazyGet<string>("bearer_token_prefix");
  }
}
