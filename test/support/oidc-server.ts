/**
 * The tests' OpenID Provider is the development issuer of `planet-auth/devtools` (src/devtools), under
 * the names the tests have always used.
 */
export {
  startDevIssuer as startOidcServer, generateTestRsaKey, DEFAULT_ACCOUNT_ID, DEFAULT_API_AUDIENCE, DEFAULT_API_SCOPES,
  LOCALHOST_REDIRECT_URI, LOOPBACK_REDIRECT_URI, WEB_REDIRECT_URI,
  type AuthorizeOptions, type AuthorizeResult, type DevClient as TestClient, type DevIssuer as OidcServer,
  type DevIssuerClients as OidcServerClients, type DevIssuerOptions as OidcServerOptions, type TestRsaKey,
} from "../../src/devtools/index.js";
