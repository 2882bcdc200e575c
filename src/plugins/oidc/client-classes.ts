/**
 * The OIDC client classes, named as in the Python library (`planet_auth`), and what each client type
 * is made of: its flow and its client authentication (and the login grant's, where that differs).
 * The classes are empty: each gets its composition from its row below. This module and the protocol
 * code it imports load with the first OIDC client a kernel builds (the client-type contributions name
 * it through `loadClientClass`), so a process that only lists or validates configs never loads them.
 */
import { OidcAuthClient, type OidcClientComposition } from "./client.js";
import type {
  AuthCodeClientConfig, AuthCodeWithClientSecretClientConfig, AuthCodeWithPubKeyClientConfig, ClientCredentialsClientSecretClientConfig, ClientCredentialsPubKeyClientConfig, DeviceCodeClientConfig, DeviceCodeWithClientSecretClientConfig, DeviceCodeWithPubKeyClientConfig, OidcClientValidatorAuthClientConfig, ResourceOwnerClientConfig, ResourceOwnerWithClientSecretClientConfig, ResourceOwnerWithPubKeyClientConfig,
  OidcClientType,
} from "./client-types.js";
import { authCodeFlow, clientCredentialsFlow, deviceCodeFlow, resourceOwnerFlow, validatorFlow } from "./flows.js";
import { clientSecretBasicAuth, clientSecretPostAuth, noClientAuth, privateKeyJwtAuth, publicClientAuth } from "./strategies.js";

export class AuthCodeAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeClientConfig;
}
export class AuthCodeWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeWithClientSecretClientConfig;
}
export class AuthCodeWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeWithPubKeyClientConfig;
}
export class DeviceCodeAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeClientConfig;
}
export class DeviceCodeWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeWithClientSecretClientConfig;
}
export class DeviceCodeWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeWithPubKeyClientConfig;
}
export class ResourceOwnerAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerClientConfig;
}
export class ResourceOwnerWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerWithClientSecretClientConfig;
}
export class ResourceOwnerWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerWithPubKeyClientConfig;
}
export class ClientCredentialsClientSecretAuthClient extends OidcAuthClient {
  declare config: () => ClientCredentialsClientSecretClientConfig;
}
export class ClientCredentialsPubKeyAuthClient extends OidcAuthClient {
  declare config: () => ClientCredentialsPubKeyClientConfig;
}
/** Validate-only: local JWT validation and (where the server allows it) unauthenticated introspection. */
export class OidcClientValidatorAuthClient extends OidcAuthClient {
  declare config: () => OidcClientValidatorAuthClientConfig;
}

/** A client type's client class and composition. */
export interface OidcClientTypeComposition extends OidcClientComposition {
  readonly clientClass: typeof OidcAuthClient;
}

/** Each OIDC client type's client class and composition. */
export const OIDC_CLIENT_COMPOSITIONS: { readonly [T in OidcClientType]: OidcClientTypeComposition } = {
  oidc_auth_code: { clientClass: AuthCodeAuthClient, flow: authCodeFlow, clientAuth: publicClientAuth },
  oidc_auth_code_pubkey: { clientClass: AuthCodeWithPubKeyAuthClient, flow: authCodeFlow, clientAuth: privateKeyJwtAuth },
  oidc_auth_code_secret: { clientClass: AuthCodeWithClientSecretAuthClient, flow: authCodeFlow, clientAuth: clientSecretBasicAuth },
  oidc_client_credentials_pubkey: { clientClass: ClientCredentialsPubKeyAuthClient, flow: clientCredentialsFlow, clientAuth: privateKeyJwtAuth },
  oidc_client_credentials_secret: { clientClass: ClientCredentialsClientSecretAuthClient, flow: clientCredentialsFlow, clientAuth: clientSecretBasicAuth, loginClientAuth: clientSecretPostAuth },
  oidc_device_code: { clientClass: DeviceCodeAuthClient, flow: deviceCodeFlow, clientAuth: publicClientAuth },
  oidc_device_code_secret: { clientClass: DeviceCodeWithClientSecretAuthClient, flow: deviceCodeFlow, clientAuth: clientSecretBasicAuth },
  oidc_device_code_pubkey: { clientClass: DeviceCodeWithPubKeyAuthClient, flow: deviceCodeFlow, clientAuth: privateKeyJwtAuth },
  oidc_resource_owner: { clientClass: ResourceOwnerAuthClient, flow: resourceOwnerFlow, clientAuth: publicClientAuth },
  oidc_resource_owner_pubkey: { clientClass: ResourceOwnerWithPubKeyAuthClient, flow: resourceOwnerFlow, clientAuth: privateKeyJwtAuth },
  oidc_resource_owner_secret: { clientClass: ResourceOwnerWithClientSecretAuthClient, flow: resourceOwnerFlow, clientAuth: clientSecretBasicAuth },
  oidc_client_validator: { clientClass: OidcClientValidatorAuthClient, flow: validatorFlow, clientAuth: noClientAuth },
};

for (const { clientClass, flow, clientAuth, loginClientAuth } of Object.values(OIDC_CLIENT_COMPOSITIONS)) {
  Object.defineProperty(clientClass, "composition", { value: Object.freeze({ flow, clientAuth, loginClientAuth }), enumerable: true });
}
