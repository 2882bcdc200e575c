/**
 * The OIDC plugin: OAuth2/OIDC client types (auth code, device code, client credentials, resource
 * owner, validator), the OIDC credential, refreshing request authenticators, token validation and the
 * multi-issuer validator. Register `oidcPlugin` with a kernel; nothing is registered on import.
 */
export * from "./errors.js";
export * from "./token-errors.js";
export * from "./api/index.js";
export * from "./validation/index.js";
export { FileBackedOidcCredential, MAX_TOKEN_LIFETIME_SECONDS } from "./credential.js";
export { DpopKey, DpopKeyHolder, type DpopProofRequest } from "./dpop-key.js";
export * from "./configs.js";
export * from "./strategies.js";
export {
  OidcAuthClient,
  type OidcAuthenticatorKind, type OidcClientComposition, type OidcFlow, type OidcFlowConfig, type OidcFlowContext, type OidcLoginOptions,
  type OidcLoginParams, type OidcLoginResult,
} from "./client.js";
export * from "./services.js";
export { authCodeFlow, clientCredentialsFlow, deviceCodeFlow, presentDeviceLogin, resourceOwnerFlow, validatorFlow } from "./flows.js";
export * from "./client-types.js";
export * from "./client-classes.js";
export {
  OidcClientValidatorRequestAuthenticator, RefreshOrReloginOidcTokenRequestAuthenticator, RefreshingOidcTokenRequestAuthenticator, type BackoffOptions, type OidcAuthenticatorOptions, type OidcRefreshClient,
} from "./authenticators.js";
export {
  DEFAULT_CLOCK_TOLERANCE_SECONDS, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, OidcMultiIssuerValidator,
  type MultiIssuerFactoryOptions, type MultiIssuerValidatorOptions, type TokenPolicy, type TrustedIssuerContext, type TrustedIssuerSpec,
  type ValidateAccessTokenOptions,
} from "./multi-validator.js";
export { oidcPlugin } from "./plugin.js";
