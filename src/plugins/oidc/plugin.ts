/**
 * `oidcPlugin`: the 12 OIDC client types (from the client-type table) and the OIDC services (token,
 * discovery and JWKS endpoint clients, the validator's key cache, authenticator options), provided in
 * the kernel's container.
 */
import { LIBRARY_VERSION, definePlugin } from "../../kernel/index.js";
import { oidcClientTypes } from "./client-types.js";
import { registerOidcServices } from "./services.js";

export { oidcClientTypes };

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
  register: registerOidcServices,
});
