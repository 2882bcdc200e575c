/** The `static_apikey` client type: a fixed API key (config.md §6, protocols.md §9). */
import {
  AuthClient, AuthClientConfig, AuthClientException, LIBRARY_VERSION, definePlugin, readSchemaFile,
  type Credential, type JsonObject, type LoginOptions, type RequestAuthenticator,
} from "../../kernel/index.js";
import { FileBackedApiKey } from "./credential.js";
import { FileBackedApiKeyRequestAuthenticator } from "./request-authenticator.js";

export { FileBackedApiKey } from "./credential.js";
export { FileBackedApiKeyRequestAuthenticator } from "./request-authenticator.js";

export class StaticApiKeyAuthClientException extends AuthClientException {
  static override readonly code: string = "ERR_STATIC_API_KEY_AUTH_CLIENT";
}

export class StaticApiKeyAuthClientConfig extends AuthClientConfig {
  static override readonly clientType = "static_apikey";

  /** `bearer_token_prefix` is kept (default "Bearer") only alongside an `api_key`. */
  static override normalize(data: JsonObject): JsonObject {
    const out = { ...data };
    if (out.api_key) out.bearer_token_prefix = out.bearer_token_prefix || "Bearer";
    else delete out.bearer_token_prefix;
    return out;
  }

  apiKey(): string | null {
    return this.get<string>("api_key") || null;
  }
  bearerTokenPrefix(): string | null {
    return this.get<string>("bearer_token_prefix") || null;
  }
}

export class StaticApiKeyAuthClient extends AuthClient {
  declare config: () => StaticApiKeyAuthClientConfig;

  #configCredential(): FileBackedApiKey {
    const config = this.config();
    return new FileBackedApiKey({ api_key: config.apiKey(), bearer_token_prefix: config.bearerTokenPrefix() }, null, null, this.services.clock);
  }

  async login(_options?: LoginOptions): Promise<Credential> {
    if (!this.config().apiKey()) {
      throw new StaticApiKeyAuthClientException("Cannot log in: the static_apikey config has no api_key", { clientType: "static_apikey" });
    }
    return this.#configCredential();
  }

  /**
   * A key in the config is used from memory and never saved anywhere (gap S8: the reference bound it
   * to the config file, and a credential save could overwrite the config). Otherwise the key comes
   * from the token file.
   */
  defaultRequestAuthenticator(credential: string | Credential | null): RequestAuthenticator {
    let cred: FileBackedApiKey | null;
    if (this.config().apiKey()) cred = this.#configCredential();
    else if (credential === null || typeof credential === "string") cred = new FileBackedApiKey(null, credential, this.credentialStorageProvider(), this.services.clock);
    else if (credential instanceof FileBackedApiKey) cred = credential;
    else throw new TypeError(`static_apikey needs a FileBackedApiKey credential, got ${credential.constructor.name}`);
    return new FileBackedApiKeyRequestAuthenticator(cred, { clock: this.services.clock });
  }

  canLoginUnattended(): boolean {
    return true;
  }
}

export const staticKeyPlugin = definePlugin({
  name: "planet-auth/static-key",
  version: LIBRARY_VERSION,
  clientTypes: [
    {
      clientType: "static_apikey",
      schema: readSchemaFile("static_apikey.schema.json"),
      configClass: StaticApiKeyAuthClientConfig,
      clientClass: StaticApiKeyAuthClient,
      meta: {
        displayName: "API Key",
        description: "Static API key authentication.",
        configHints: [
          { configKey: "api_key", configKeyName: "API Key", configKeyDescription: "API key" },
          { configKey: "bearer_token_prefix", configKeyName: "Bearer Token Prefix", configKeyDescription: "Prefix used in the Authorization header" },
        ],
      },
    },
  ],
});
