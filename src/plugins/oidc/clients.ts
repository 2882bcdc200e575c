/**
 * The 12 OIDC client classes with the seed's names: each is a thin composition of a flow and a
 * client-authentication strategy.
 */
import { type KernelServices } from "../../kernel/index.js";
import { OidcAuthClient } from "./client.js";
import type {
  AuthCodeClientConfig, AuthCodeWithClientSecretClientConfig, AuthCodeWithPubKeyClientConfig, ClientCredentialsClientSecretClientConfig,
  ClientCredentialsPubKeyClientConfig, DeviceCodeClientConfig, DeviceCodeWithClientSecretClientConfig, DeviceCodeWithPubKeyClientConfig,
  OidcClientValidatorAuthClientConfig, ResourceOwnerClientConfig, ResourceOwnerWithClientSecretClientConfig, ResourceOwnerWithPubKeyClientConfig,
} from "./configs.js";
import { authCodeFlow, clientCredentialsFlow, deviceCodeFlow, resourceOwnerFlow, validatorFlow } from "./flows.js";
import { clientSecretBasicAuth, clientSecretPostAuth, noClientAuth, privateKeyJwtAuth, publicClientAuth } from "./strategies.js";

export class AuthCodeAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeClientConfig;
  constructor(config: AuthCodeClientConfig, services?: KernelServices) {
    super(config, services, { flow: authCodeFlow, clientAuth: publicClientAuth });
  }
}
export class AuthCodeWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeWithClientSecretClientConfig;
  constructor(config: AuthCodeWithClientSecretClientConfig, services?: KernelServices) {
    super(config, services, { flow: authCodeFlow, clientAuth: clientSecretBasicAuth });
  }
}
export class AuthCodeWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => AuthCodeWithPubKeyClientConfig;
  constructor(config: AuthCodeWithPubKeyClientConfig, services?: KernelServices) {
    super(config, services, { flow: authCodeFlow, clientAuth: privateKeyJwtAuth });
  }
}

export class DeviceCodeAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeClientConfig;
  constructor(config: DeviceCodeClientConfig, services?: KernelServices) {
    super(config, services, { flow: deviceCodeFlow, clientAuth: publicClientAuth });
  }
}
export class DeviceCodeWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeWithClientSecretClientConfig;
  constructor(config: DeviceCodeWithClientSecretClientConfig, services?: KernelServices) {
    super(config, services, { flow: deviceCodeFlow, clientAuth: clientSecretBasicAuth });
  }
}
export class DeviceCodeWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => DeviceCodeWithPubKeyClientConfig;
  constructor(config: DeviceCodeWithPubKeyClientConfig, services?: KernelServices) {
    super(config, services, { flow: deviceCodeFlow, clientAuth: privateKeyJwtAuth });
  }
}

export class ResourceOwnerAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerClientConfig;
  constructor(config: ResourceOwnerClientConfig, services?: KernelServices) {
    super(config, services, { flow: resourceOwnerFlow, clientAuth: publicClientAuth });
  }
}
export class ResourceOwnerWithClientSecretAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerWithClientSecretClientConfig;
  constructor(config: ResourceOwnerWithClientSecretClientConfig, services?: KernelServices) {
    super(config, services, { flow: resourceOwnerFlow, clientAuth: clientSecretBasicAuth });
  }
}
export class ResourceOwnerWithPubKeyAuthClient extends OidcAuthClient {
  declare config: () => ResourceOwnerWithPubKeyClientConfig;
  constructor(config: ResourceOwnerWithPubKeyClientConfig, services?: KernelServices) {
    super(config, services, { flow: resourceOwnerFlow, clientAuth: privateKeyJwtAuth });
  }
}

/** Login (the client_credentials grant) uses client_secret_post; every other call HTTP Basic. */
export class ClientCredentialsClientSecretAuthClient extends OidcAuthClient {
  declare config: () => ClientCredentialsClientSecretClientConfig;
  constructor(config: ClientCredentialsClientSecretClientConfig, services?: KernelServices) {
    super(config, services, { flow: clientCredentialsFlow, clientAuth: clientSecretBasicAuth, loginClientAuth: clientSecretPostAuth });
  }
}
export class ClientCredentialsPubKeyAuthClient extends OidcAuthClient {
  declare config: () => ClientCredentialsPubKeyClientConfig;
  constructor(config: ClientCredentialsPubKeyClientConfig, services?: KernelServices) {
    super(config, services, { flow: clientCredentialsFlow, clientAuth: privateKeyJwtAuth });
  }
}

/** Validate-only: local JWT validation and (where the server allows it) unauthenticated introspection. */
export class OidcClientValidatorAuthClient extends OidcAuthClient {
  declare config: () => OidcClientValidatorAuthClientConfig;
  constructor(config: OidcClientValidatorAuthClientConfig, services?: KernelServices) {
    super(config, services, { flow: validatorFlow, clientAuth: noClientAuth });
  }
}
