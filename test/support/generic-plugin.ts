/**
 * Test-only plugins: register a plain config class per client type, so the kernel's schema
 * validation and registry can be tested without the protocol plugins.
 */
import {
  AuthClient, AuthClientConfig, NoOpRequestAuthenticator, type AuthPlugin, type Credential, type RequestAuthenticator,
} from "../../src/index.js";
import { definePlugin, readSchemaFile } from "../../src/plugin-kit.js";

export class InertClient extends AuthClient {
  async login(): Promise<Credential> {
    throw new Error("inert test client cannot log in");
  }
  defaultRequestAuthenticator(): RequestAuthenticator {
    return new NoOpRequestAuthenticator();
  }
  canLoginUnattended(): boolean {
    return false;
  }
}

export function configClassFor(clientType: string): typeof AuthClientConfig & { clientType: string } {
  return class extends AuthClientConfig {
    static override readonly clientType = clientType;
  } as unknown as typeof AuthClientConfig & { clientType: string };
}

/** A plugin registering the built-in schema of each named client type with inert classes. */
export function schemaOnlyPlugin(name: string, clientTypes: string[]): AuthPlugin {
  return definePlugin({
    name,
    version: "1.0.0",
    clientTypes: clientTypes.map((clientType) => ({
      clientType,
      schema: readSchemaFile(`runtime/${clientType}.schema.json`),
      configClass: configClassFor(clientType) as never,
      clientClass: InertClient,
      meta: { displayName: clientType, description: `test registration of ${clientType}` },
    })),
  });
}

export const OIDC_CLIENT_TYPES = [
  "oidc_auth_code", "oidc_auth_code_pubkey", "oidc_auth_code_secret", "oidc_client_credentials_pubkey",
  "oidc_client_credentials_secret", "oidc_device_code", "oidc_device_code_secret", "oidc_device_code_pubkey",
  "oidc_resource_owner", "oidc_resource_owner_pubkey", "oidc_resource_owner_secret", "oidc_client_validator",
];
