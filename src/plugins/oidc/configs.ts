/**
 * The OIDC client configs: the base every OIDC type shares (auth server, client id, scopes and
 * audiences, endpoint overrides, client-authentication keys), and one base per flow holding the
 * flow's normalisation. The config classes named as in the Python library (`planet_auth`) derive from these in the client-type table
 * (client-types.ts). The JSON Schemas in `schemas/runtime/oidc_*.schema.json` carry the structural rules;
 * `checkConfigRules` adds what a schema cannot say.
 */
import { AuthClientConfig, plainHttpReason, isConfigured, type JsonObject } from "../../kernel/index.js";
import type { OidcConfigDict } from "../../generated/config-types.js";

/** The literal client_id the validator type defaults to. */
export const VALIDATOR_DEFAULT_CLIENT_ID = "__OidcClientValidatorAuthClientConfig__";

/** Config keys holding URLs the client sends requests (and secrets) to. */
const OIDC_SERVER_URL_KEYS = [
  "auth_server", "authorization_endpoint", "device_authorization_endpoint", "token_endpoint", "introspection_endpoint",
  "revocation_endpoint", "userinfo_endpoint", "jwks_endpoint",
] as const;

/** Keys the reference only stores when truthy. */
const TRUTHY_ONLY_KEYS = ["client_secret", "client_privkey", "client_privkey_file", "client_privkey_password", "redirect_uri", "local_redirect_uri", "user_name", "user_password"];

function dropFalsy(data: JsonObject, keys: readonly string[]): JsonObject {
  for (const k of keys) if (k in data && !isConfigured(data[k])) delete data[k];
  return data;
}

/**
 * Base of every OIDC config: auth server, client id, scopes/audiences, endpoint overrides. `D` is the
 * client type's dict type; the base reads keys of every OIDC type (`OidcConfigDict`).
 */
export class OidcAuthClientConfig<D extends OidcConfigDict = OidcConfigDict> extends AuthClientConfig<D> {
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
    return this.get("allow_insecure_http") === true;
  }

  /** Whether tokens are bound to this profile's key pair with DPoP (RFC 9449). */
  dpop(): boolean {
    return (this.data() as JsonObject).dpop === true;
  }

  /** The auth server's base URL (`auth_server`); endpoints not configured are discovered from it. */
  authServer(): string {
    return this.requiredString("auth_server");
  }
  /** The OAuth client ID (`client_id`). */
  clientId(): string {
    return this.requiredString("client_id");
  }
  /** The scopes to ask for by default (`scopes`). */
  scopes(): string[] {
    return this.getStringList("scopes");
  }
  /** The audiences to ask for (`audiences`). */
  audiences(): string[] {
    return this.getStringList("audiences");
  }
  /** The organization to log in to (`organization`), sent with the authorization request. */
  organization(): string | null {
    return this.getString("organization");
  }
  /** The project to log in to (`project_id`), sent with the authorization request. */
  projectId(): string | null {
    return this.getString("project_id");
  }
  /** The expected token issuer (`issuer`), when it differs from `auth_server`. */
  issuer(): string | null {
    return this.getString("issuer");
  }
  /** A configured authorization endpoint (`authorization_endpoint`), overriding discovery. */
  authorizationEndpoint(): string | null {
    return this.getString("authorization_endpoint");
  }
  /** A configured device authorization endpoint (`device_authorization_endpoint`), overriding discovery. */
  deviceAuthorizationEndpoint(): string | null {
    return this.getString("device_authorization_endpoint");
  }
  /** A configured introspection endpoint (`introspection_endpoint`), overriding discovery. */
  introspectionEndpoint(): string | null {
    return this.getString("introspection_endpoint");
  }
  /** A configured JWKS endpoint (`jwks_endpoint`), overriding discovery. */
  jwksEndpoint(): string | null {
    return this.getString("jwks_endpoint");
  }
  /** A configured revocation endpoint (`revocation_endpoint`), overriding discovery. */
  revocationEndpoint(): string | null {
    return this.getString("revocation_endpoint");
  }
  /** A configured userinfo endpoint (`userinfo_endpoint`), overriding discovery. */
  userinfoEndpoint(): string | null {
    return this.getString("userinfo_endpoint");
  }
  /** A configured token endpoint (`token_endpoint`), overriding discovery. */
  tokenEndpoint(): string | null {
    return this.getString("token_endpoint");
  }
  /**
   * The HTML page the loopback callback shows after a browser login
   * (`authorization_callback_acknowledgement`).
   */
  authorizationCallbackAcknowledgement(): string | null {
    return this.getString("authorization_callback_acknowledgement");
  }
  /** A file holding that page (`authorization_callback_acknowledgement_file`). */
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
  /** The file of the client's private key (`client_privkey_file`, `*_pubkey` types). */
  clientPrivkeyFile(): string | null {
    return this.getString("client_privkey_file");
  }
  /** The passphrase of an encrypted private key (`client_privkey_password`). */
  clientPrivkeyPassword(): string | null {
    return this.getString("client_privkey_password");
  }
  /** Redirect URI of TTY (no-browser) mode (auth code types). */
  redirectUri(): string | null {
    return this.getString("redirect_uri");
  }
  /** Loopback redirect URI of browser mode (auth code types). */
  localRedirectUri(): string | null {
    return this.getString("local_redirect_uri");
  }
  /** User name (resource owner types). */
  userName(): string | null {
    return this.getString("user_name");
  }
  /** User password (resource owner types). */
  userPassword(): string | null {
    return this.getString("user_password");
  }
}

// ---- one base per flow ------------------------------------------------------------------------

/** `redirect_uri` / `local_redirect_uri`: when only one is given, the other mirrors it. */
function mirrorRedirectUris(data: JsonObject): JsonObject {
  const out = { ...data };
  if (isConfigured(out.redirect_uri) && !isConfigured(out.local_redirect_uri)) out.local_redirect_uri = out.redirect_uri;
  else if (isConfigured(out.local_redirect_uri) && !isConfigured(out.redirect_uri)) out.redirect_uri = out.local_redirect_uri;
  return out;
}

/** Authorization code + PKCE configs. */
export class AuthCodeClientConfigBase<D extends OidcConfigDict = OidcConfigDict> extends OidcAuthClientConfig<D> {
  static override normalize(data: JsonObject): JsonObject {
    return mirrorRedirectUris(super.normalize(data));
  }
}

/** Device code configs. */
export class DeviceCodeClientConfigBase<D extends OidcConfigDict = OidcConfigDict> extends OidcAuthClientConfig<D> {}

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

/** Resource owner password configs. */
export class ResourceOwnerClientConfigBase<D extends OidcConfigDict = OidcConfigDict> extends OidcAuthClientConfig<D> {
  static override normalize(data: JsonObject): JsonObject {
    return super.normalize(aliasCredentials(data));
  }
}

/** Client credentials configs. */
export class ClientCredentialsClientConfigBase<D extends OidcConfigDict = OidcConfigDict> extends OidcAuthClientConfig<D> {}

/** The validator's config: `client_id` defaults to a literal when the key is absent, so it is written on save. */
export class OidcClientValidatorClientConfigBase<D extends OidcConfigDict = OidcConfigDict> extends OidcAuthClientConfig<D> {
  static override normalize(data: JsonObject): JsonObject {
    const out = super.normalize(data);
    if (!("client_id" in out)) out.client_id = VALIDATOR_DEFAULT_CLIENT_ID;
    return out;
  }
}
