/**
 * Client-authentication strategy factories: the second axis of the flow × client-authentication
 * composition (RFC 6749 section 2.3, RFC 7523 section 2.2). Each turns a config into a protocol-layer ClientAuthStrategy.
 */
import type { Clock } from "../../kernel/index.js";
import { ClientSecretBasicAuth, ClientSecretPostAuth, NoClientAuth, PrivateKeyJwtAuth, PublicClientAuth, type ClientAuthStrategy } from "./api/client-auth.js";
import type { OidcAuthClientConfig } from "./configs.js";

/**
 * Makes a client-authentication strategy for a config: how a client type authenticates to the token and other
 * endpoints.
 */
export type ClientAuthFactory = (config: OidcAuthClientConfig, clock: Clock) => ClientAuthStrategy;

/** Public clients: `client_id` in the form. */
export const publicClientAuth: ClientAuthFactory = (config) => new PublicClientAuth(config.clientId());

/** HTTP Basic with the raw `id:secret` encoding of the reference (nothing form-encoded first). */
export const clientSecretBasicAuth: ClientAuthFactory = (config) => new ClientSecretBasicAuth(config.clientId(), config.clientSecret() ?? "");

/** `client_id` + `client_secret` in the form. */
export const clientSecretPostAuth: ClientAuthFactory = (config) => new ClientSecretPostAuth(config.clientId(), config.clientSecret() ?? "");

/** private_key_jwt: a fresh RS256 client assertion per request; the key loads lazily, once. */
export const privateKeyJwtAuth: ClientAuthFactory = (config, clock) =>
  new PrivateKeyJwtAuth({
    clientId: config.clientId(),
    privateKey: config.clientPrivkey() ?? undefined,
    privateKeyFile: config.clientPrivkeyFile() ?? undefined,
    privateKeyPassword: config.clientPrivkeyPassword() ?? undefined,
    clock,
    clientType: config.clientType(),
  });

/** Nothing at all (the validator). */
export const noClientAuth: ClientAuthFactory = () => new NoClientAuth();
