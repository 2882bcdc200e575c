/**
 * `oidcPlugin`: the 12 OIDC client types as an ordinary plugin, in the reference's registry order
 *, with the exact meta (display names, descriptions — typo included — and hints).
 */
import {
  LIBRARY_VERSION, definePlugin, readSchemaFile, type ClientTypeContribution, type ConfigHint,
} from "../../kernel/index.js";
import {
  AuthCodeAuthClient, AuthCodeWithClientSecretAuthClient, AuthCodeWithPubKeyAuthClient, ClientCredentialsClientSecretAuthClient,
  ClientCredentialsPubKeyAuthClient, DeviceCodeAuthClient, DeviceCodeWithClientSecretAuthClient, DeviceCodeWithPubKeyAuthClient,
  OidcClientValidatorAuthClient, ResourceOwnerAuthClient, ResourceOwnerWithClientSecretAuthClient, ResourceOwnerWithPubKeyAuthClient,
} from "./clients.js";
import {
  AuthCodeClientConfig, AuthCodeWithClientSecretClientConfig, AuthCodeWithPubKeyClientConfig, ClientCredentialsClientSecretClientConfig,
  ClientCredentialsPubKeyClientConfig, DeviceCodeClientConfig, DeviceCodeWithClientSecretClientConfig, DeviceCodeWithPubKeyClientConfig,
  OidcClientValidatorAuthClientConfig, ResourceOwnerClientConfig, ResourceOwnerWithClientSecretClientConfig, ResourceOwnerWithPubKeyClientConfig,
} from "./configs.js";

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
  hint("redirect_uri", "Login redirect URL", "Redirect URL used when logging in without opening a browser"),
  hint("local_redirect_uri", "Login redirect URL", "Loopback redirect URL (localhost or 127.0.0.1) used when logging in with a browser"),
];

function contribution(
  configClass: ClientTypeContribution["configClass"],
  clientClass: ClientTypeContribution["clientClass"],
  displayName: string,
  description: string,
  configHints: ConfigHint[],
): ClientTypeContribution {
  return {
    clientType: configClass.clientType,
    schema: readSchemaFile(`${configClass.clientType}.schema.json`),
    configClass,
    clientClass,
    meta: { displayName, description, configHints },
  };
}

/** The 12 client types in the reference's registry order. */
export function oidcClientTypes(): ClientTypeContribution[] {
  return [
    contribution(AuthCodeClientConfig, AuthCodeAuthClient, "Auth Code",
      "OAuth2 Auth Code with PKCE Flow for a non-confidential client.", [...BASE_HINTS, ...REDIRECT_HINTS]),
    contribution(AuthCodeWithPubKeyClientConfig, AuthCodeWithPubKeyAuthClient, "Auth Code (Public Key)",
      "OAuth2 Auth Code with PKCE Flow for a confidential client using public key authentication.", [...BASE_HINTS, ...PUBKEY_HINTS, ...REDIRECT_HINTS]),
    contribution(AuthCodeWithClientSecretClientConfig, AuthCodeWithClientSecretAuthClient, "Auth Code (Client Secret)",
      "OAuth2 Auth Code with PKCE Flow for a confidential client using a shared client secret for authentication.", [...BASE_HINTS, ...SECRET_HINTS, ...REDIRECT_HINTS]),
    contribution(ClientCredentialsPubKeyClientConfig, ClientCredentialsPubKeyAuthClient, "Client Credentials (Public Key)",
      "OAuth2 Client Credentials Flow using public key client authentication.", [...BASE_HINTS, ...PUBKEY_HINTS]),
    contribution(ClientCredentialsClientSecretClientConfig, ClientCredentialsClientSecretAuthClient, "Client Credentials (Client Secret)",
      "OAuth2 Client Credentials Flow using a shared client secret for authentication.", [...BASE_HINTS, ...SECRET_HINTS]),
    contribution(DeviceCodeClientConfig, DeviceCodeAuthClient, "Device Code",
      "OAuth2 Device Code Flow for a non-confidential client.", [...BASE_HINTS]),
    contribution(DeviceCodeWithClientSecretClientConfig, DeviceCodeWithClientSecretAuthClient, "Device Code (Client Secret)",
      "OAuth2 Devivce Code Flow for a confidential client using a shared client secret for authentication.", [...BASE_HINTS, ...SECRET_HINTS]),
    contribution(DeviceCodeWithPubKeyClientConfig, DeviceCodeWithPubKeyAuthClient, "Device Code (Public Key)",
      "OAuth2 Device Code Flow for a confidential client using public key authentication.", [...BASE_HINTS, ...PUBKEY_HINTS]),
    contribution(ResourceOwnerClientConfig, ResourceOwnerAuthClient, "Resource Owner",
      "OAuth2 Resource Owner Flow for a non-confidential client. (Not recommended)", [...BASE_HINTS]),
    contribution(ResourceOwnerWithPubKeyClientConfig, ResourceOwnerWithPubKeyAuthClient, "Resource Owner (Public Key)",
      "OAuth2 Resource Owner Flow for a confidential client using public key authentication. (Not recommended)", [...BASE_HINTS, ...PUBKEY_HINTS]),
    contribution(ResourceOwnerWithClientSecretClientConfig, ResourceOwnerWithClientSecretAuthClient, "Resource Owner (Client Secret)",
      "OAuth2 Resource Owner Flow for a confidential client using a shared client secret for authentication. (Not recommended)", [...BASE_HINTS, ...SECRET_HINTS]),
    contribution(OidcClientValidatorAuthClientConfig, OidcClientValidatorAuthClient, "JWT Validator",
      "Auth client that is only capable performing local validation of access tokens. Cannot be used to make authenticated network calls.", [...BASE_HINTS]),
  ];
}

/**
 * Values that are secret in OAuth requests and responses and in the token file (RFC 6749, RFC 7636
 * `code_verifier`, RFC 7523 `client_assertion`, RFC 8628 `device_code`); the configs' secrets are
 * the schemas' `x-secret` fields.
 */
const OAUTH_SECRET_NAMES = [
  "access_token", "refresh_token", "id_token", "token", "code", "code_verifier", "device_code", "client_assertion",
  "client_secret", "password",
];

export const oidcPlugin = definePlugin({
  name: "planet-auth/oidc",
  version: LIBRARY_VERSION,
  secretNames: OAUTH_SECRET_NAMES,
  clientTypes: oidcClientTypes(),
});
