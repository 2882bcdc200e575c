/**
 * The 12 OIDC client types, each described once, in one table: its meta (the reference's display
 * names and descriptions, and config hints) and what its JSON Schema adds to the keys every OIDC
 * type shares. The config classes below, named as in the Python library (`planet_auth`), are empty:
 * the table gives each its static `clientType`, and the plugin's contributions are derived from the
 * rows (oidcClientTypes). What each type's client is made of (flow, client authentication) is in
 * client-classes.ts, which loads with the first client built: this module loads no protocol code.
 */
import { readSchemaFile, type AuthClientConfigClass, type ClientTypeContribution, type ConfigHint } from "../../kernel/index.js";
import {
  AuthCodeClientConfigBase, ClientCredentialsClientConfigBase, DeviceCodeClientConfigBase, OidcClientValidatorClientConfigBase,
  ResourceOwnerClientConfigBase, VALIDATOR_DEFAULT_CLIENT_ID, type OidcAuthClientConfig,
} from "./configs.js";
import type {
  BuiltinConfigDicts, OidcConfigDict, OidcAuthCodeConfigDict, OidcAuthCodePubkeyConfigDict, OidcAuthCodeSecretConfigDict, OidcClientCredentialsPubkeyConfigDict, OidcClientCredentialsSecretConfigDict, OidcClientValidatorConfigDict, OidcDeviceCodeConfigDict, OidcDeviceCodePubkeyConfigDict, OidcDeviceCodeSecretConfigDict, OidcResourceOwnerConfigDict, OidcResourceOwnerPubkeyConfigDict, OidcResourceOwnerSecretConfigDict,
} from "../../generated/config-types.js";

// ---- the config dict types, generated from the schemas ------------------------------------------

/** The OIDC client types. */
export type OidcClientType = OidcConfigDict["client_type"];

declare module "../../kernel/index.js" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- adds the OIDC types' dicts by declaration merging
  interface ConfigDicts extends Pick<BuiltinConfigDicts, OidcClientType> {}
}

export type {
  OidcConfigDict, OidcAuthCodeConfigDict, OidcAuthCodePubkeyConfigDict, OidcAuthCodeSecretConfigDict, OidcClientCredentialsPubkeyConfigDict, OidcClientCredentialsSecretConfigDict, OidcClientValidatorConfigDict, OidcDeviceCodeConfigDict, OidcDeviceCodePubkeyConfigDict, OidcDeviceCodeSecretConfigDict, OidcResourceOwnerConfigDict, OidcResourceOwnerPubkeyConfigDict, OidcResourceOwnerSecretConfigDict,
};

// ---- the Python library's class names -------------------------------------------------------------------

export class AuthCodeClientConfig extends AuthCodeClientConfigBase<OidcAuthCodeConfigDict> {}
export class AuthCodeWithClientSecretClientConfig extends AuthCodeClientConfigBase<OidcAuthCodeSecretConfigDict> {}
export class AuthCodeWithPubKeyClientConfig extends AuthCodeClientConfigBase<OidcAuthCodePubkeyConfigDict> {}
export class DeviceCodeClientConfig extends DeviceCodeClientConfigBase<OidcDeviceCodeConfigDict> {}
export class DeviceCodeWithClientSecretClientConfig extends DeviceCodeClientConfigBase<OidcDeviceCodeSecretConfigDict> {}
export class DeviceCodeWithPubKeyClientConfig extends DeviceCodeClientConfigBase<OidcDeviceCodePubkeyConfigDict> {}
export class ResourceOwnerClientConfig extends ResourceOwnerClientConfigBase<OidcResourceOwnerConfigDict> {}
export class ResourceOwnerWithClientSecretClientConfig extends ResourceOwnerClientConfigBase<OidcResourceOwnerSecretConfigDict> {}
export class ResourceOwnerWithPubKeyClientConfig extends ResourceOwnerClientConfigBase<OidcResourceOwnerPubkeyConfigDict> {}
export class ClientCredentialsClientSecretClientConfig extends ClientCredentialsClientConfigBase<OidcClientCredentialsSecretConfigDict> {}
export class ClientCredentialsPubKeyClientConfig extends ClientCredentialsClientConfigBase<OidcClientCredentialsPubkeyConfigDict> {}
export class OidcClientValidatorAuthClientConfig extends OidcClientValidatorClientConfigBase<OidcClientValidatorConfigDict> {}

// ---- the table --------------------------------------------------------------------------------

/**
 * One config key as a client type's JSON Schemas state it. scripts/generate-schemas.ts renders each
 * key twice: for the run time, which (like the Python library) checks only that a required key is
 * set, and for editors, which also check the value's type (a wrong type fails at run time too, where
 * the value is used).
 */
export interface ConfigKeySpec {
  /** For people: what the key holds. */
  readonly description: string;
  /** The value's type, and the key's TypeScript type. */
  readonly type: "string" | "string[]" | "boolean";
  /** Must be set: a non-empty value (a string with more than white space, for editors). */
  readonly required?: boolean;
  /** The value the config class sets when the key is absent (an annotation: validation fills nothing in). */
  readonly default?: string;
  /** A list, when set, holds at most this many items (and at least one, the run time's check). */
  readonly maxItems?: number;
  /** The run time checks the type too (`null` allowed): a key of this library, not of the Python one. */
  readonly typeCheckedOnLoad?: boolean;
  /** Redacted from logs and errors. */
  readonly secret?: boolean;
  /** An input alias, renamed on load. */
  readonly deprecated?: boolean;
}

/** What a client type's schema adds to the keys every OIDC type shares (OIDC_SHARED_KEYS). */
export interface OidcSchemaAdditions {
  /** Keys beyond the shared ones (or replacing one of them). */
  readonly keys: Readonly<Record<string, ConfigKeySpec>>;
  /** Pairs of keys of which at least one must be set. */
  readonly oneOf: readonly (readonly [string, string])[];
}

const key = (type: ConfigKeySpec["type"], description: string, more: Omit<ConfigKeySpec, "type" | "description"> = {}): ConfigKeySpec =>
  ({ description, type, ...more });
const endpoint = (description = "URL overriding discovery"): ConfigKeySpec => key("string", description);
/** Not a key of the Python library: this library's opt-in to plain http:// on non-loopback hosts. */
const ALLOW_INSECURE_HTTP_KEY = key("boolean", "Accept plain http:// URLs to hosts other than loopback (secrets then travel unencrypted)", {
  typeCheckedOnLoad: true,
});

/** The keys every OIDC client type has, in the order the schemas list them. */
export const OIDC_SHARED_KEYS: Readonly<Record<string, ConfigKeySpec>> = {
  auth_server: key("string", "Base URL of the OAuth2/OIDC authorization server (string)", { required: true }),
  client_id: key("string", "The client's assigned identifier (string)", { required: true }),
  scopes: key("string[]", "Default scopes for login (list of strings)"),
  audiences: key("string[]", "Requested audience (list of strings); when set, a list of exactly one item", { maxItems: 1 }),
  organization: key("string", "Organization sent with login requests (string)"),
  project_id: key("string", "Project sent with login requests (string)"),
  issuer: key("string", "Issuer of the tokens, overriding discovery (string)"),
  authorization_endpoint: endpoint(),
  device_authorization_endpoint: endpoint(),
  introspection_endpoint: endpoint(),
  jwks_endpoint: endpoint("URL overriding discovery's jwks_uri"),
  revocation_endpoint: endpoint(),
  userinfo_endpoint: endpoint(),
  token_endpoint: endpoint(),
  authorization_callback_acknowledgement: key("string", "HTML served by the loopback redirect listener (string)"),
  authorization_callback_acknowledgement_file: key("string", "File holding that HTML (string path, relative to the process CWD)"),
  allow_insecure_http: ALLOW_INSECURE_HTTP_KEY,
};

export interface OidcClientTypeRow {
  readonly clientType: string;
  readonly configClass: AuthClientConfigClass<OidcAuthClientConfig>;
  readonly meta: { readonly displayName: string; readonly description: string; readonly configHints: readonly ConfigHint[] };
  readonly schema: OidcSchemaAdditions;
}

const hint = (configKey: string, configKeyName: string, configKeyDescription: string): ConfigHint => ({ configKey, configKeyName, configKeyDescription });

const BASE_HINTS = [
  hint("auth_server", "Authorization Server", "Base URL of the OAuth2/OIDC authorization server"),
  hint("client_id", "Client ID", "The client's assigned identifier"),
];
const SECRET_HINTS = [hint("client_secret", "Client secret", "The client's shared secret")];
const PUBKEY_HINTS = [
  hint("client_privkey", "Client private key literal", "PEM encoded private key used for client authentication"),
  hint("client_privkey_file", "Client private key file", "File holding the PEM encoded private key used for client authentication"),
  hint("client_privkey_password", "Private key password", "Password of an encrypted private key (optional)"),
];
const REDIRECT_HINTS = [
  hint("redirect_uri", "Redirect URL for logins without a browser here", "Redirect URL registered with the auth server, used when logging in without opening a browser on this machine"),
  hint("local_redirect_uri", "Loopback redirect URL for logins with a browser", "Loopback URL (localhost or 127.0.0.1, e.g. http://127.0.0.1:0/callback for any free port) where plauth receives the login from the browser it opens"),
];

/** Keys of the types that obtain tokens (every type but the validator). Not keys of the Python library. */
const LOGIN_SCHEMA: OidcSchemaAdditions = {
  keys: {
    dpop: key("boolean", "Bind the tokens to a key pair of this profile with DPoP (RFC 9449): proofs at the token endpoint and with every request (Authorization: DPoP)", {
      typeCheckedOnLoad: true,
    }),
  },
  oneOf: [],
};
const SECRET_SCHEMA: OidcSchemaAdditions = {
  keys: { client_secret: key("string", "Client secret (string)", { required: true, secret: true }) },
  oneOf: [],
};
const PUBKEY_SCHEMA: OidcSchemaAdditions = {
  keys: {
    client_privkey: key("string", "PEM private key literal (string; wins over client_privkey_file)", { secret: true }),
    client_privkey_file: key("string", "PEM private key file (string path; relative paths resolve against the process CWD)"),
    client_privkey_password: key("string", "Password of an encrypted PEM key (string)", { secret: true }),
  },
  oneOf: [["client_privkey", "client_privkey_file"]],
};
const REDIRECT_SCHEMA: OidcSchemaAdditions = {
  keys: {
    redirect_uri: key("string", "Login redirect URL (no-browser mode)"),
    local_redirect_uri: key("string", "Login redirect URL on the loopback interface (browser mode)"),
  },
  oneOf: [["redirect_uri", "local_redirect_uri"]],
};
const OWNER_SCHEMA: OidcSchemaAdditions = {
  keys: {
    user_name: key("string", "User name (string; input alias: username)"),
    user_password: key("string", "User password (string; input alias: password)", { secret: true }),
    username: key("string", "Alias of user_name, renamed on load", { deprecated: true }),
    password: key("string", "Alias of user_password, renamed on load", { deprecated: true, secret: true }),
  },
  oneOf: [],
};
const VALIDATOR_SCHEMA: OidcSchemaAdditions = {
  keys: {
    client_id: key("string", `The client's identifier (string); defaults to ${VALIDATOR_DEFAULT_CLIENT_ID} when the key is absent`, {
      required: true, default: VALIDATOR_DEFAULT_CLIENT_ID,
    }),
  },
  oneOf: [],
};

/** The additions of a flow and of a client authentication, together. */
function schemaOf(...parts: OidcSchemaAdditions[]): OidcSchemaAdditions {
  return {
    keys: Object.assign({}, ...parts.map((p) => p.keys)) as Record<string, ConfigKeySpec>,
    oneOf: parts.flatMap((p) => p.oneOf),
  };
}

/** The 12 OIDC client types, in the reference's registry order. */
export const OIDC_CLIENT_TYPE_TABLE: readonly OidcClientTypeRow[] = [
  {
    clientType: "oidc_auth_code", configClass: AuthCodeClientConfig,
    meta: { displayName: "Auth Code", description: "OAuth2 Auth Code with PKCE Flow for a non-confidential client.", configHints: [...BASE_HINTS, ...REDIRECT_HINTS] },
    schema: schemaOf(LOGIN_SCHEMA, REDIRECT_SCHEMA),
  },
  {
    clientType: "oidc_auth_code_pubkey", configClass: AuthCodeWithPubKeyClientConfig,
    meta: {
      displayName: "Auth Code (Public Key)",
      description: "OAuth2 Auth Code with PKCE Flow for a confidential client using public key authentication.",
      configHints: [...BASE_HINTS, ...PUBKEY_HINTS, ...REDIRECT_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, PUBKEY_SCHEMA, REDIRECT_SCHEMA),
  },
  {
    clientType: "oidc_auth_code_secret", configClass: AuthCodeWithClientSecretClientConfig,
    meta: {
      displayName: "Auth Code (Client Secret)",
      description: "OAuth2 Auth Code with PKCE Flow for a confidential client using a shared client secret for authentication.",
      configHints: [...BASE_HINTS, ...SECRET_HINTS, ...REDIRECT_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, SECRET_SCHEMA, REDIRECT_SCHEMA),
  },
  {
    clientType: "oidc_client_credentials_pubkey", configClass: ClientCredentialsPubKeyClientConfig,
    meta: {
      displayName: "Client Credentials (Public Key)",
      description: "OAuth2 Client Credentials Flow using public key client authentication.",
      configHints: [...BASE_HINTS, ...PUBKEY_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, PUBKEY_SCHEMA),
  },
  {
    // As the reference: the client_credentials grant authenticates with client_secret_post, every other call with HTTP Basic.
    clientType: "oidc_client_credentials_secret", configClass: ClientCredentialsClientSecretClientConfig,
    meta: {
      displayName: "Client Credentials (Client Secret)",
      description: "OAuth2 Client Credentials Flow using a shared client secret for authentication.",
      configHints: [...BASE_HINTS, ...SECRET_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, SECRET_SCHEMA),
  },
  {
    clientType: "oidc_device_code", configClass: DeviceCodeClientConfig,
    meta: { displayName: "Device Code", description: "OAuth2 Device Code Flow for a non-confidential client.", configHints: [...BASE_HINTS] },
    schema: LOGIN_SCHEMA,
  },
  {
    clientType: "oidc_device_code_secret", configClass: DeviceCodeWithClientSecretClientConfig,
    meta: {
      displayName: "Device Code (Client Secret)",
      description: "OAuth2 Device Code Flow for a confidential client using a shared client secret for authentication.",
      configHints: [...BASE_HINTS, ...SECRET_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, SECRET_SCHEMA),
  },
  {
    clientType: "oidc_device_code_pubkey", configClass: DeviceCodeWithPubKeyClientConfig,
    meta: {
      displayName: "Device Code (Public Key)",
      description: "OAuth2 Device Code Flow for a confidential client using public key authentication.",
      configHints: [...BASE_HINTS, ...PUBKEY_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, PUBKEY_SCHEMA),
  },
  {
    clientType: "oidc_resource_owner", configClass: ResourceOwnerClientConfig,
    meta: {
      displayName: "Resource Owner",
      description: "OAuth2 Resource Owner Flow for a non-confidential client. (Not recommended)",
      configHints: [...BASE_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, OWNER_SCHEMA),
  },
  {
    clientType: "oidc_resource_owner_pubkey", configClass: ResourceOwnerWithPubKeyClientConfig,
    meta: {
      displayName: "Resource Owner (Public Key)",
      description: "OAuth2 Resource Owner Flow for a confidential client using public key authentication. (Not recommended)",
      configHints: [...BASE_HINTS, ...PUBKEY_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, PUBKEY_SCHEMA, OWNER_SCHEMA),
  },
  {
    clientType: "oidc_resource_owner_secret", configClass: ResourceOwnerWithClientSecretClientConfig,
    meta: {
      displayName: "Resource Owner (Client Secret)",
      description: "OAuth2 Resource Owner Flow for a confidential client using a shared client secret for authentication. (Not recommended)",
      configHints: [...BASE_HINTS, ...SECRET_HINTS],
    },
    schema: schemaOf(LOGIN_SCHEMA, SECRET_SCHEMA, OWNER_SCHEMA),
  },
  {
    clientType: "oidc_client_validator", configClass: OidcClientValidatorAuthClientConfig,
    meta: {
      displayName: "JWT Validator",
      description: "Auth client that is only capable performing local validation of access tokens. Cannot be used to make authenticated network calls.",
      configHints: [...BASE_HINTS],
    },
    schema: VALIDATOR_SCHEMA,
  },
];

// Each config class named after the Python library's gets its row's client_type.
for (const row of OIDC_CLIENT_TYPE_TABLE) Object.defineProperty(row.configClass, "clientType", { value: row.clientType, enumerable: true });

/** The plugin's client-type contributions, derived from the table. */
export function oidcClientTypes(): ClientTypeContribution[] {
  return OIDC_CLIENT_TYPE_TABLE.map((row) => ({
    clientType: row.clientType,
    schema: readSchemaFile(`runtime/${row.clientType}.schema.json`),
    configClass: row.configClass,
    // The clients' code (flows, endpoint clients, validation) loads with the first client built.
    loadClientClass: () => import("./client-classes.js").then((m) => m.OIDC_CLIENT_COMPOSITIONS[row.clientType as OidcClientType].clientClass),
    meta: { displayName: row.meta.displayName, description: row.meta.description, configHints: [...row.meta.configHints] },
  }));
}
