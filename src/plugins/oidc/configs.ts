/**
 * The 12 OIDC client configs. Each is a thin class: a flow's keys and
 * normalisation, plus the client-authentication family it uses (`clientAuthKind`), which the client
 * turns into a strategy. The JSON Schemas in `schemas/oidc_*.schema.json` carry the structural rules;
 * `checkConfigRules` adds what a schema cannot say.
 */
import { AuthClientConfig, plainHttpReason, isConfigured, type JsonObject } from "../../kernel/index.js";

/** Which client-authentication family a config type uses. */
export type ClientAuthKind = "public" | "secret" | "pubkey" | "none";

/** The literal client_id the validator type defaults to. */
export const VALIDATOR_DEFAULT_CLIENT_ID = "__OidcClientValidatorAuthClientConfig__";

/** Config keys holding URLs the client sends requests (and secrets) to. */
export const OIDC_SERVER_URL_KEYS = [
  "auth_server", "authorization_endpoint", "device_authorization_endpoint", "token_endpoint", "introspection_endpoint",
  "revocation_endpoint", "userinfo_endpoint", "jwks_endpoint",
] as const;

/** Keys the reference only stores when truthy. */
const TRUTHY_ONLY_KEYS = ["client_secret", "client_privkey", "client_privkey_file", "client_privkey_password", "redirect_uri", "local_redirect_uri", "user_name", "user_password"];

function dropFalsy(data: JsonObject, keys: readonly string[]): JsonObject {
  for (const k of keys) if (k in data && !isConfigured(data[k])) delete data[k];
  return data;
}

/** Base of every OIDC config: auth server, client id, scopes/audiences, endpoint overrides. */
export class OidcAuthClientConfig extends AuthClientConfig {
  /** The client-authentication family of this config type. */
  static readonly clientAuthKind: ClientAuthKind = "public";

  static override normalize(data: JsonObject): JsonObject {
    return dropFalsy({ ...super.normalize(data) }, TRUTHY_ONLY_KEYS);
  }

  /** Plain http:// is refused for every server URL except on loopback, unless the config opts in. */
  protected override checkConfigRules(data: JsonObject): void {
    super.checkConfigRules(data);
    for (const key of OIDC_SERVER_URL_KEYS) {
      const url = data[key];
      const reason = typeof url === "string" && url ? plainHttpReason(url, data.allow_insecure_http === true) : undefined;
      if (reason) throw this.configError(`"${key}" ${reason}`, key);
    }
  }

  /** The config's opt-in to plain http:// URLs on non-loopback hosts. */
  allowInsecureHttp(): boolean {
    return this.get<boolean>("allow_insecure_http") === true;
  }

  clientAuthKind(): ClientAuthKind {
    return (this.constructor as typeof OidcAuthClientConfig).clientAuthKind;
  }

  authServer(): string {
    return this.requiredString("auth_server");
  }
  clientId(): string {
    return this.requiredString("client_id");
  }
  scopes(): string[] {
    return this.getStringList("scopes");
  }
  audiences(): string[] {
    return this.getStringList("audiences");
  }
  organization(): string | null {
    return this.getString("organization");
  }
  projectId(): string | null {
    return this.getString("project_id");
  }
  issuer(): string | null {
    return this.getString("issuer");
  }
  authorizationEndpoint(): string | null {
    return this.getString("authorization_endpoint");
  }
  deviceAuthorizationEndpoint(): string | null {
    return this.getString("device_authorization_endpoint");
  }
  introspectionEndpoint(): string | null {
    return this.getString("introspection_endpoint");
  }
  jwksEndpoint(): string | null {
    return this.getString("jwks_endpoint");
  }
  revocationEndpoint(): string | null {
    return this.getString("revocation_endpoint");
  }
  userinfoEndpoint(): string | null {
    return this.getString("userinfo_endpoint");
  }
  tokenEndpoint(): string | null {
    return this.getString("token_endpoint");
  }
  authorizationCallbackAcknowledgement(): string | null {
    return this.getString("authorization_callback_acknowledgement");
  }
  authorizationCallbackAcknowledgementFile(): string | null {
    return this.getString("authorization_callback_acknowledgement_file");
  }
  /** Client secret (`*_secret` types). */
  clientSecret(): string | null {
    return this.getString("client_secret");
  }
  /** PEM literal (`*_pubkey` types); wins over the file. */
  clientPrivkey(): string | null {
    return this.getString("client_privkey");
  }
  clientPrivkeyFile(): string | null {
    return this.getString("client_privkey_file");
  }
  clientPrivkeyPassword(): string | null {
    return this.getString("client_privkey_password");
  }
}

// ---- auth code -------------------------------------------------------------------------------

/** `redirect_uri` / `local_redirect_uri`: when only one is given, the other mirrors it. */
function mirrorRedirectUris(data: JsonObject): JsonObject {
  const out = { ...data };
  if (isConfigured(out.redirect_uri) && !isConfigured(out.local_redirect_uri)) out.local_redirect_uri = out.redirect_uri;
  else if (isConfigured(out.local_redirect_uri) && !isConfigured(out.redirect_uri)) out.redirect_uri = out.local_redirect_uri;
  return out;
}

export class AuthCodeClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_auth_code";
  static override normalize(data: JsonObject): JsonObject {
    return mirrorRedirectUris(super.normalize(data));
  }
  /** Redirect URI of TTY (no-browser) mode. */
  redirectUri(): string | null {
    return this.getString("redirect_uri");
  }
  /** Loopback redirect URI of browser mode. */
  localRedirectUri(): string | null {
    return this.getString("local_redirect_uri");
  }
}
export class AuthCodeWithClientSecretClientConfig extends AuthCodeClientConfig {
  static override readonly clientType: string = "oidc_auth_code_secret";
  static override readonly clientAuthKind: ClientAuthKind = "secret";
}
export class AuthCodeWithPubKeyClientConfig extends AuthCodeClientConfig {
  static override readonly clientType: string = "oidc_auth_code_pubkey";
  static override readonly clientAuthKind: ClientAuthKind = "pubkey";
}

// ---- device code ------------------------------------------------------------------------------

export class DeviceCodeClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_device_code";
}
export class DeviceCodeWithClientSecretClientConfig extends DeviceCodeClientConfig {
  static override readonly clientType: string = "oidc_device_code_secret";
  static override readonly clientAuthKind: ClientAuthKind = "secret";
}
export class DeviceCodeWithPubKeyClientConfig extends DeviceCodeClientConfig {
  static override readonly clientType: string = "oidc_device_code_pubkey";
  static override readonly clientAuthKind: ClientAuthKind = "pubkey";
}

// ---- resource owner ---------------------------------------------------------------------------

/**
 * `username` → `user_name`, `password` → `user_password`. A set alias wins over the stored name; an
 * unset one ("" or null) leaves the stored value alone. The alias keys are never kept.
 */
function aliasCredentials(data: JsonObject): JsonObject {
  const out = { ...data };
  for (const [alias, stored] of [["username", "user_name"], ["password", "user_password"]] as const) {
    if (alias in out) {
      const v = out[alias];
      delete out[alias];
      if (isConfigured(v)) out[stored] = v;
    }
  }
  return out;
}

export class ResourceOwnerClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_resource_owner";
  static override normalize(data: JsonObject): JsonObject {
    return super.normalize(aliasCredentials(data));
  }
  userName(): string | null {
    return this.getString("user_name");
  }
  userPassword(): string | null {
    return this.getString("user_password");
  }
}
export class ResourceOwnerWithClientSecretClientConfig extends ResourceOwnerClientConfig {
  static override readonly clientType: string = "oidc_resource_owner_secret";
  static override readonly clientAuthKind: ClientAuthKind = "secret";
}
export class ResourceOwnerWithPubKeyClientConfig extends ResourceOwnerClientConfig {
  static override readonly clientType: string = "oidc_resource_owner_pubkey";
  static override readonly clientAuthKind: ClientAuthKind = "pubkey";
}

// ---- client credentials -----------------------------------------------------------------------

export class ClientCredentialsClientSecretClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_client_credentials_secret";
  static override readonly clientAuthKind: ClientAuthKind = "secret";
}
export class ClientCredentialsPubKeyClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_client_credentials_pubkey";
  static override readonly clientAuthKind: ClientAuthKind = "pubkey";
}

// ---- validator --------------------------------------------------------------------------------

export class OidcClientValidatorAuthClientConfig extends OidcAuthClientConfig {
  static override readonly clientType: string = "oidc_client_validator";
  static override readonly clientAuthKind: ClientAuthKind = "none";
  /** `client_id` defaults to a literal when the key is absent, so it is written on save. */
  static override normalize(data: JsonObject): JsonObject {
    const out = super.normalize(data);
    if (!("client_id" in out)) out.client_id = VALIDATOR_DEFAULT_CLIENT_ID;
    return out;
  }
}

/** Every OIDC config class, keyed by client_type. */
export const OIDC_CONFIG_CLASSES = {
  oidc_auth_code: AuthCodeClientConfig,
  oidc_auth_code_secret: AuthCodeWithClientSecretClientConfig,
  oidc_auth_code_pubkey: AuthCodeWithPubKeyClientConfig,
  oidc_device_code: DeviceCodeClientConfig,
  oidc_device_code_secret: DeviceCodeWithClientSecretClientConfig,
  oidc_device_code_pubkey: DeviceCodeWithPubKeyClientConfig,
  oidc_resource_owner: ResourceOwnerClientConfig,
  oidc_resource_owner_secret: ResourceOwnerWithClientSecretClientConfig,
  oidc_resource_owner_pubkey: ResourceOwnerWithPubKeyClientConfig,
  oidc_client_credentials_secret: ClientCredentialsClientSecretClientConfig,
  oidc_client_credentials_pubkey: ClientCredentialsPubKeyClientConfig,
  oidc_client_validator: OidcClientValidatorAuthClientConfig,
} as const;
