import {
  AuthClient, AuthClientConfig, AuthClientException, Credential, CredentialRequestAuthenticator, ObjectNotFoundException,
  type JsonObject, type LoginOptions, type RequestAuthenticator,
} from "planet-auth";
import { definePlugin, insecureTransportReason, nowSeconds, type SchemaData } from "planet-auth/plugin-kit";

/** Renew this many seconds before the token expires, so a request never carries an expired one. */
export const RENEW_BEFORE_S = 30;

/** The config's JSON Schema, `as const`: the validator checks dicts against it, the compiler derives their type from it. */
export const schema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://example.com/planet-auth-plugin-token-exchange/token_exchange.schema.json",
  title: "API key exchanged for short-lived tokens",
  type: "object",
  required: ["client_type", "exchange_url", "api_key"],
  properties: {
    client_type: { const: "token_exchange" },
    exchange_url: { description: "Where the API key is exchanged for a token (POST; https, or http on loopback)", type: "string", format: "uri" },
    api_key: { description: "The long-lived API key, sent only to exchange_url", type: "string", minLength: 8, "x-secret": true },
    scope: { description: "Scope to ask for (optional)", type: "string" },
  },
} as const;

/** `{ client_type: "token_exchange"; exchange_url: string; api_key: string; scope?: string }`, derived from the schema. */
export type TokenExchangeConfigDict = SchemaData<typeof schema>;

// Registers the dict type: `Auth.initializeFromConfigDict({ client_type: "token_exchange", ... })` is checked key by key.
declare module "planet-auth" {
  interface ConfigDicts {
    token_exchange: TokenExchangeConfigDict;
  }
}

export class TokenExchangeConfig extends AuthClientConfig<TokenExchangeConfigDict> {
  /** The one declaration of the client type (the schema's const); the plugin value takes it from here. */
  static override readonly clientType = schema.properties.client_type.const;

  exchangeUrl(): string {
    return this.requiredString("exchange_url");
  }
  apiKey(): string {
    return this.requiredString("api_key");
  }
  scope(): string | null {
    return this.getString("scope");
  }

  /** A rule the schema cannot express: the API key travels only over https (or to loopback). */
  protected override checkConfigRules(data: JsonObject): void {
    const reason = typeof data.exchange_url === "string" ? insecureTransportReason(data.exchange_url) : undefined;
    if (reason) throw this.configError(`"exchange_url" ${reason}`, "exchange_url");
  }
}

export class TokenExchangeClient extends AuthClient {
  declare config: () => TokenExchangeConfig;

  /** Exchange the API key for a token: `{ access_token, expires_in }` becomes a credential with `_iat`/`_exp`. */
  async login(_options?: LoginOptions): Promise<Credential> {
    const config = this.config();
    const url = config.exchangeUrl();
    const scope = config.scope();
    const response = await this.services.http.request({
      method: "POST",
      url,
      headers: { "X-Api-Key": config.apiKey() },
      json: scope === null ? {} : { scope },
    });
    const body = response.status === 200 ? parseTokenResponse(response.body) : null;
    if (!body) {
      throw new AuthClientException(`Token exchange at ${url} failed (HTTP ${response.status})`, { clientType: config.clientType() });
    }
    const iat = nowSeconds(this.services.clock);
    return new Credential({ access_token: body.access_token, _iat: iat, _exp: iat + body.expires_in }, null, null, this.services.clock);
  }

  /** `credential` is a storage key (the token file), a credential, or null (in memory only). */
  defaultRequestAuthenticator(credential: string | Credential | null): RequestAuthenticator {
    const cred = credential instanceof Credential
      ? credential
      : new Credential(null, credential, this.credentialStorageProvider(), this.services.clock);
    return new TokenExchangeAuthenticator(cred, this);
  }

  canLoginUnattended(): boolean {
    return true;
  }
}

function parseTokenResponse(text: string): { access_token: string; expires_in: number } | null {
  try {
    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== "string" || typeof body.expires_in !== "number") return null;
    return { access_token: body.access_token, expires_in: body.expires_in };
  } catch {
    return null;
  }
}

export class TokenExchangeAuthenticator extends CredentialRequestAuthenticator<Credential> {
  #renewal: Promise<void> | null = null;

  constructor(credential: Credential, private readonly client: TokenExchangeClient) {
    super(credential);
    this.tokenPrefix = "Bearer"; // Authorization: Bearer <token> (RFC 6750)
  }

  /** Synchronous while the token in memory is fresh; otherwise one renewal, shared by concurrent requests. */
  preRequestHook(): void | Promise<void> {
    if (this.#useFreshToken()) return;
    this.#renewal ??= this.#renew().finally(() => (this.#renewal = null));
    return this.#renewal;
  }

  #useFreshToken(): boolean {
    const credential = this._credential!;
    const token = credential.data()?.access_token;
    const exp = credential.expiresAtLoaded();
    if (typeof token !== "string" || exp === null || nowSeconds(credential.clock()) >= exp - RENEW_BEFORE_S) return false;
    this.tokenBody = token;
    return true;
  }

  async #renew(): Promise<void> {
    const credential = this._credential!;
    if (credential.data() === null && credential.path() !== null) {
      try {
        await credential.load();
        if (this.#useFreshToken()) return;
      } catch (err) {
        if (!(err instanceof ObjectNotFoundException)) throw err;
      }
    }
    const fresh = await this.client.login();
    credential.setData(fresh.data());
    if (credential.path() !== null) await credential.save();
    this.#useFreshToken();
  }
}

export const plugin = definePlugin({
  name: "token-exchange",
  version: "1.0.0",
  planetAuth: "^0.1.0",
  clientTypes: [
    {
      schema,
      configClass: TokenExchangeConfig,
      clientClass: TokenExchangeClient,
      meta: {
        displayName: "Token exchange",
        description: "Exchanges a long-lived API key for short-lived tokens, and renews them.",
        configHints: [
          { configKey: "exchange_url", configKeyName: "Exchange URL", configKeyDescription: "Where the API key is exchanged for a token" },
          { configKey: "api_key", configKeyName: "API key", configKeyDescription: "The long-lived API key" },
        ],
      },
    },
  ],
});
