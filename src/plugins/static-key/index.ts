/** The `static_apikey` client type: a fixed API key. */
import {
  AuthClient, AuthClientConfig, AuthClientConfigException, AuthClientException, isConfigured, LIBRARY_VERSION, definePlugin,
  readSchemaFile, type Credential, type JsonObject, type LoginOptions, type RequestAuthenticator, type ErrorCode } from "../../kernel/index.js";
import { FileBackedApiKey } from "./credential.js";
import { FileBackedApiKeyRequestAuthenticator } from "./request-authenticator.js";
import type { StaticApikeyConfigDict } from "../../generated/config-types.js";

declare module "../../kernel/index.js" {
  interface ErrorCodes {
    ERR_STATIC_API_KEY_AUTH_CLIENT: StaticApiKeyAuthClientException;
  }
  interface ConfigDicts {
    static_apikey: StaticApikeyConfigDict;
  }
}

export type { StaticApikeyConfigDict };

export { FileBackedApiKey } from "./credential.js";
export { FileBackedApiKeyRequestAuthenticator } from "./request-authenticator.js";

export class StaticApiKeyAuthClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_STATIC_API_KEY_AUTH_CLIENT";
}

export class StaticApiKeyAuthClientConfig extends AuthClientConfig<StaticApikeyConfigDict> {
  static override readonly clientType = "static_apikey";

  /**
   * As the reference's constructor stores them: `api_key` only when set; `bearer_token_prefix` only
   * alongside an `api_key`, defaulting to "Bearer" when the key is absent (an explicit "" or null
   * stays unset rather than becoming "Bearer").
   */
  static override normalize(data: JsonObject): JsonObject {
    const out = { ...data };
    if (!isConfigured(out.api_key)) {
      delete out.api_key;
      delete out.bearer_token_prefix;
    } else if (!("bearer_token_prefix" in out)) out.bearer_token_prefix = "Bearer";
    else if (!isConfigured(out.bearer_token_prefix)) delete out.bearer_token_prefix;
    return out;
  }

  /** The API key the config holds (`api_key`). */
  apiKey(): string | null {
    return this.getString("api_key");
  }
  /** The auth scheme sent before the key (`bearer_token_prefix`, default `Bearer`). */
  bearerTokenPrefix(): string | null {
    return this.getString("bearer_token_prefix");
  }
}

export class StaticApiKeyAuthClient extends AuthClient {
  declare config: () => StaticApiKeyAuthClientConfig;

  #configCredential(): FileBackedApiKey {
    const config = this.config();
    const prefix = config.bearerTokenPrefix();
    if (!prefix) {
      throw new AuthClientConfigException('Invalid static_apikey config: "bearer_token_prefix" is empty; remove the key to use the default "Bearer"', {
        clientType: "static_apikey",
        field: "bearer_token_prefix",
        filePath: config.path() ?? undefined,
      });
    }
    return new FileBackedApiKey({ api_key: config.apiKey(), bearer_token_prefix: prefix }, null, null, this.services.clock);
  }

  async login(_options?: LoginOptions): Promise<Credential> {
    if (!this.config().apiKey()) {
      throw new StaticApiKeyAuthClientException("Cannot log in: the static_apikey config has no api_key", { clientType: "static_apikey" });
    }
    return this.#configCredential();
  }

  /**
   * A key in the config is used from memory and never saved anywhere (the reference bound it
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

  /** Only a key in the config can be "logged in" with; a key in the token file counts as a held credential. */
  canLoginUnattended(): boolean {
    return this.config().apiKey() !== null;
  }
}

/** The static API key plugin: the `static_apikey` client type (a key sent with every request). */
export const staticKeyPlugin = definePlugin({
  name: "planet-auth/static-key",
  version: LIBRARY_VERSION,
  clientTypes: [
    {
      schema: readSchemaFile("runtime/static_apikey.schema.json"),
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
