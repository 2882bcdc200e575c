/**
 * `planet-auth/devtools`: an embedded OpenID Provider for development and for host applications' own
 * tests. It binds to loopback only, serves well-known test clients for every flow, and a scripted user
 * completes interactive logins (auth code + PKCE through the loopback listener, device code) without a
 * browser. Needs the optional peer dependency `oidc-provider`; the main entry never loads it.
 */
export {
  startDevIssuer, DEFAULT_ACCOUNT_ID, DEFAULT_API_AUDIENCE, DEFAULT_API_SCOPES, LOCALHOST_REDIRECT_URI,
  LOOPBACK_REDIRECT_URI, WEB_REDIRECT_URI,
  type DevClient, type DevClientMetadata, type DevClientType, type DevIssuer, type DevIssuerClients, type DevIssuerOptions,
  type DevProvider,
} from "./issuer.js";
export type { AuthorizeOptions, AuthorizeResult, ScriptedUser } from "./scripted-browser.js";
export { generateTestRsaKey, type TestRsaKey } from "./keys.js";
export { DevtoolsException } from "./errors.js";
/** The library's event names, the type of DevtoolsException's `event()`. */
export type { AuthEvent } from "../kernel/index.js";
