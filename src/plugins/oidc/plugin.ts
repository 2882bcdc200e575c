/**
 * `oidcPlugin`: the 12 OIDC client types (from the client-type table) and the OIDC services (token,
 * discovery and JWKS endpoint clients, the validator's key cache, authenticator options), provided in
 * the kernel's container.
 */
import { LIBRARY_VERSION, definePlugin } from "../../kernel/index.js";
import { oidcClientTypes } from "./client-types.js";
import { registerOidcServices } from "./services.js";
import { OAUTH_SECRET_NAMES } from "./secret-names.js";

export { oidcClientTypes };

export const oidcPlugin = definePlugin({
  name: "planet-auth/oidc",
  version: LIBRARY_VERSION,
  secretNames: OAUTH_SECRET_NAMES,
  clientTypes: oidcClientTypes(),
  /** Registers the OIDC services (`OIDC_TOKEN_API_CLIENT`, …) with their defaults. */
  register: registerOidcServices,
});
