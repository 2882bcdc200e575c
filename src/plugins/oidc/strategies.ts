/**
 * Client-authentication strategy factories: the second axis of the
 * flow × client-auth composition. Each turns a config into a protocol-layer ClientAuthStrategy.
 */
import { type KernelServices } from "../../kernel/index.js";
import {
  ClientSecretBasicAuth, ClientSecretPostAuth, NoClientAuth, PrivateKeyJwtAuth, PublicClientAuth, type ClientAuthStrategy,
} from "./api/client-auth.js";
import type { ClientAuthKind, OidcAuthClientConfig } from "./configs.js";

export type ClientAuthFactory = (config: OidcAuthClientConfig, services: KernelServices) => ClientAuthStrategy;

/** Public clients: `client_id` in the form. */
export const publicClientAuth: ClientAuthFactory = (config) => new PublicClientAuth(config.clientId());

/** HTTP Basic with the raw `id:secret` encoding of the reference (not form-url-encoded first). */
export const clientSecretBasicAuth: ClientAuthFactory = (config) => new ClientSecretBasicAuth(config.clientId(), config.clientSecret() ?? "");

/** `client_id` + `client_secret` in the form. */
export const clientSecretPostAuth: ClientAuthFactory = (config) => new ClientSecretPostAuth(config.clientId(), config.clientSecret() ?? "");

/** private_key_jwt: a fresh RS256 client assertion per request; the key loads lazily, once. */
export const privateKeyJwtAuth: ClientAuthFactory = (config, services) =>
  new PrivateKeyJwtAuth({
    clientId: config.clientId(),
    privateKey: config.clientPrivkey() ?? undefined,
    privateKeyFile: config.clientPrivkeyFile() ?? undefined,
    privateKeyPassword: config.clientPrivkeyPassword() ?? undefined,
    clock: services.clock,
    clientType: config.clientType(),
  });

/** Nothing at all (the validator). */
export const noClientAuth: ClientAuthFactory = () => new NoClientAuth();

/** The strategy for a config's `clientAuthKind`. */
export function clientAuthForKind(kind: ClientAuthKind): ClientAuthFactory {
  switch (kind) {
    case "secret":
      return clientSecretBasicAuth;
    case "pubkey":
      return privateKeyJwtAuth;
    case "none":
      return noClientAuth;
    default:
      return publicClientAuth;
  }
}
