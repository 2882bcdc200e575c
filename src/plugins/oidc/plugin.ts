/**
 * `oidcPlugin`: the 12 OIDC client types (from the client-type table): their config classes and
 * schemas, with the client classes loaded when the first client is built. Registering it loads no
 * protocol code. The OIDC services (token, discovery and JWKS endpoint clients, the validator's key
 * cache, authenticator options) are defaults a host overrides per kernel (services.ts).
 */
import { LIBRARY_VERSION, definePlugin } from "../../kernel/index.js";
import { oidcClientTypes } from "./client-types.js";
import { OAUTH_SECRET_NAMES } from "./secret-names.js";

export { oidcClientTypes };

/**
 * The OIDC plugin: the OAuth2/OIDC client types (auth code, device code, client credentials, resource owner,
 * validator) and their services.
 */
export const oidcPlugin = definePlugin({
  name: "planet-auth/oidc",
  version: LIBRARY_VERSION,
  secretNames: OAUTH_SECRET_NAMES,
  clientTypes: oidcClientTypes(),
});
