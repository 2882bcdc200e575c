/**
 * Compile-time checks, run by `npm run typecheck` (this file is not a jest test): config dicts and
 * `config.data()` are typed from the client types' schemas. An unused `@ts-expect-error` is itself
 * an error, so each negative case below proves the mistake does not compile.
 */
import {
  Auth, AuthClientConfig, AuthCodeWithClientSecretClientConfig, ClientCredentialsClientSecretClientConfig,
  PlanetLegacyAuthClientConfig, StaticApiKeyAuthClientConfig, type ConfigDict, type JsonObject, type KnownClientType,
  type OidcClientCredentialsSecretConfigDict,
} from "../../src/index.js";
import { type SchemaData } from "../../src/plugin-kit.js";

/** Compiles only when A and B are the same type. */
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
function assertType<_T extends true>(): void {}

// ---- Auth.initializeFromConfigDict: a built-in dict literal is checked key by key ---------------

export const ok = (): Promise<Auth> =>
  Auth.initializeFromConfigDict({
    client_type: "oidc_client_credentials_secret",
    auth_server: "https://auth.example.com",
    client_id: "c",
    client_secret: "s",
    scopes: ["openid"],
  });

export const misspeltKey = (): Promise<Auth> =>
  Auth.initializeFromConfigDict({
    client_type: "oidc_client_credentials_secret",
    auth_server: "https://auth.example.com",
    client_id: "c",
    // @ts-expect-error `client_secrt` is a typo of client_secret
    client_secrt: "s",
  });

export const keyOfAnotherType = (): Promise<Auth> =>
  // @ts-expect-error static_apikey has no auth_server
  Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k", auth_server: "https://x" });

export const missingRequired = (): Promise<Auth> =>
  // @ts-expect-error client_secret is required by oidc_client_credentials_secret
  Auth.initializeFromConfigDict({ client_type: "oidc_client_credentials_secret", auth_server: "https://auth.example.com", client_id: "c" });

export const wrongValueType = (): Promise<Auth> =>
  // @ts-expect-error scopes is a list of strings
  Auth.initializeFromConfigDict({ client_type: "oidc_device_code", auth_server: "https://a", client_id: "c", scopes: "openid" });

export const misspeltFromDict = (): AuthClientConfig =>
  // @ts-expect-error `legacy_auth_endpiont` is a typo of legacy_auth_endpoint
  AuthClientConfig.fromDict({ client_type: "planet_legacy", legacy_auth_endpoint: "https://a", legacy_auth_endpiont: "https://a" });

/** The validator's client_id has a default: it may be left out. */
export const validator = (): Promise<Auth> => Auth.initializeFromConfigDict({ client_type: "oidc_client_validator", auth_server: "https://a" });

// ---- input from files and run-time values keeps working ----------------------------------------

export const fromFile = (dict: JsonObject): Promise<Auth> => Auth.initializeFromConfigDict(dict);
export const fromRecord = (dict: Record<string, unknown>): Promise<Auth> => Auth.initializeFromConfigDict({ ...dict, client_id: "c" });
export const runtimeType = (clientType: string): Promise<Auth> => Auth.initializeFromConfigDict({ client_type: clientType, anything: 1 });
/** A client type no plugin registered a dict type for is left to run-time validation. */
export const unregistered = (): Promise<Auth> => Auth.initializeFromConfigDict({ client_type: "acme_hmac", key_id: "k1" });
export const typedVariable = (dict: OidcClientCredentialsSecretConfigDict): Promise<Auth> => Auth.initializeFromConfigDict(dict);
export const anyBuiltin = (dict: ConfigDict): Promise<Auth> => Auth.initializeFromConfigDict(dict);

// ---- config.data() and the accessors are typed by key -------------------------------------------

export function dataIsTyped(config: ClientCredentialsClientSecretClientConfig): string {
  assertType<Equal<ReturnType<typeof config.data>["client_secret"], string>>();
  assertType<Equal<ReturnType<typeof config.data>["scopes"], readonly string[] | undefined>>();
  // @ts-expect-error no such key in oidc_client_credentials_secret
  void config.data().client_secrt;
  return config.data().client_secret + config.data().auth_server.toUpperCase();
}

export function accessorsAreTyped(config: PlanetLegacyAuthClientConfig, secret: AuthCodeWithClientSecretClientConfig): void {
  assertType<Equal<ReturnType<typeof config.get<"allow_insecure_http">>, boolean | null>>();
  config.requiredString("legacy_auth_endpoint");
  // @ts-expect-error not a planet_legacy key
  config.getString("legacy_auth_endpiont");
  secret.getStringList("scopes");
}

/** The keys an editor completes on `data().` of a static_apikey config. */
export function editorKeys(_config: StaticApiKeyAuthClientConfig): void {
  assertType<Equal<keyof ReturnType<typeof _config.data>, "client_type" | "api_key" | "bearer_token_prefix">>();
}

/** Every built-in client type has a registered dict type. */
assertType<Equal<KnownClientType,
  | "none" | "planet_legacy" | "static_apikey" | "oidc_auth_code" | "oidc_auth_code_pubkey" | "oidc_auth_code_secret"
  | "oidc_client_credentials_pubkey" | "oidc_client_credentials_secret" | "oidc_client_validator" | "oidc_device_code"
  | "oidc_device_code_pubkey" | "oidc_device_code_secret" | "oidc_resource_owner" | "oidc_resource_owner_pubkey"
  | "oidc_resource_owner_secret">>();

// ---- SchemaData: a plugin's `as const` schema gives its dict type -------------------------------

export const acmeSchema = {
  $id: "urn:acme:hmac",
  type: "object",
  required: ["client_type", "key_id", "secret"],
  properties: {
    client_type: { const: "acme_hmac" },
    key_id: { type: "string" },
    secret: { type: "string", "x-secret": true },
    scopes: { type: "array", items: { type: "string" } },
    port: { type: ["integer", "null"] },
    mode: { enum: ["fast", "safe"] },
    hint: { "x-ts-type": "string", default: "h" },
    extra: {},
  },
} as const;

assertType<Equal<SchemaData<typeof acmeSchema>, {
  client_type: "acme_hmac";
  key_id: string;
  secret: string;
  scopes?: readonly string[];
  port?: number | null;
  mode?: "fast" | "safe";
  hint?: string;
  extra?: unknown;
}>>();
