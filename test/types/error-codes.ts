/**
 * Type-level test (checked by `npm run typecheck`, never run): `switch (err.code)` over an AuthError
 * narrows each case to its exception class and is exhaustive — adding an error code anywhere (kernel
 * or plugin) without a case here fails to compile, and so does a case for a code that does not exist.
 */
import {
  AuthClientConfigException, AuthClientContextException, AuthClientException, AuthCodeAuthClientException, AuthException, AuthorizationApiException, ConfigDiscoveryException, CorruptObjectException, CredentialOriginException, DeviceAccessDeniedException, DeviceAuthorizationApiException, DeviceCodeAuthClientException, DeviceCodeExpiredException, DiscoveryApiException, ExpiredTokenException, FileBackedJsonObjectException, FileTooLargeException, IntrospectionApiException, IntrospectionRejectionTokenException, InvalidAlgorithmTokenException, InvalidArgumentException, InvalidDataException, InvalidTokenException, IssuerUnavailableException, JwksApiException, NetworkException, NoCredentialException, NoTerminalException, NetworkTimeoutException, ObjectNotFoundException, OidcApiClientException, PlanetLegacyAuthClientException, PluginDependencyException, PluginException, PluginVersionException, PluginSchemaException, PluginFailureException, ProfileException, RedisAuthenticationException, RedirectRefusedException, ResourceOwnerAuthClientException, ResponseTooLargeException, ScopeNotGrantedTokenException, SopsBinaryException, SopsConfigException, SopsDecryptionException, SopsException, SopsFormatException, SopsMacMismatchException, SopsNoIdentityException, SopsNoRecipientsException, SopsUnsupportedKeyTypeException, StaticApiKeyAuthClientException, StorageException, TokenApiException, TokenApiTimeoutException, TokenValidatorException, UnknownIssuerTokenException, UnknownSigningKeyTokenException, UntrustedFileException,
  isAuthError, type AuthError, type ErrorCode,
} from "../../src/index.js";
import { BearerAuthError } from "../../src/integrations/bearer.js";
import { DevtoolsException } from "../../src/devtools/errors.js";
import { DpopReplayStoreException, InvalidDpopProofException, UseDpopNonceException } from "../../src/index.js";

/** Compiles only when `value` is exactly a T (not a wider AuthException). */
function expectType<T>(value: T): string {
  return String(value);
}

export function describeError(err: AuthError): string {
  switch (err.code) {
    case "ERR_AUTH":
      return expectType<AuthException>(err);
    case "ERR_FILE_BACKED_JSON_OBJECT":
      return expectType<FileBackedJsonObjectException>(err);
    case "ERR_INVALID_DATA":
      return expectType<InvalidDataException>(err);
    case "ERR_AUTH_CLIENT_CONFIG":
      return expectType<AuthClientConfigException>(err);
    case "ERR_OBJECT_NOT_FOUND":
      return expectType<ObjectNotFoundException>(err);
    case "ERR_CORRUPT_OBJECT":
      return expectType<CorruptObjectException>(err);
    case "ERR_STORAGE":
      return expectType<StorageException>(err);
    case "ERR_AUTH_CLIENT":
      return expectType<AuthClientException>(err);
    case "ERR_NETWORK":
      return expectType<NetworkException>(err);
    case "ERR_NETWORK_TIMEOUT":
      return expectType<NetworkTimeoutException>(err);
    case "ERR_REDIRECT_REFUSED":
      return expectType<RedirectRefusedException>(err);
    case "ERR_RESPONSE_TOO_LARGE":
      return expectType<ResponseTooLargeException>(err);
    case "ERR_AUTH_CLIENT_CONTEXT":
      return expectType<AuthClientContextException>(err);
    case "ERR_PROFILE":
      return expectType<ProfileException>(err);
    case "ERR_PLUGIN":
      return expectType<PluginException>(err);
    case "ERR_PLUGIN_DEPENDENCY":
      return expectType<PluginDependencyException>(err);
    case "ERR_PLUGIN_VERSION":
      return expectType<PluginVersionException>(err);
    case "ERR_PLUGIN_SCHEMA":
      return expectType<PluginSchemaException>(err);
    case "ERR_PLUGIN_FAILURE":
      return expectType<PluginFailureException>(err);
    case "ERR_CREDENTIAL_ORIGIN":
      return expectType<CredentialOriginException>(err);
    case "ERR_UNTRUSTED_FILE":
      return expectType<UntrustedFileException>(err);
    case "ERR_FILE_TOO_LARGE":
      return expectType<FileTooLargeException>(err);
    case "ERR_CONFIG_DISCOVERY":
      return expectType<ConfigDiscoveryException>(err);
    case "ERR_BEARER_AUTH":
      return expectType<BearerAuthError>(err);
    case "ERR_INVALID_TOKEN":
      return expectType<InvalidTokenException>(err);
    case "ERR_TOKEN_EXPIRED":
      return expectType<ExpiredTokenException>(err);
    case "ERR_TOKEN_BAD_ALGORITHM":
      return expectType<InvalidAlgorithmTokenException>(err);
    case "ERR_TOKEN_SCOPE_NOT_GRANTED":
      return expectType<ScopeNotGrantedTokenException>(err);
    case "ERR_TOKEN_UNKNOWN_SIGNING_KEY":
      return expectType<UnknownSigningKeyTokenException>(err);
    case "ERR_TOKEN_INTROSPECTION_REJECTED":
      return expectType<IntrospectionRejectionTokenException>(err);
    case "ERR_TOKEN_UNKNOWN_ISSUER":
      return expectType<UnknownIssuerTokenException>(err);
    case "ERR_TOKEN_VALIDATOR":
      return expectType<TokenValidatorException>(err);
    case "ERR_ISSUER_UNAVAILABLE":
      return expectType<IssuerUnavailableException>(err);
    case "ERR_INVALID_ARGUMENT":
      return expectType<InvalidArgumentException>(err);
    case "ERR_OIDC_API_CLIENT":
      return expectType<OidcApiClientException>(err);
    case "ERR_OIDC_TOKEN_API":
      return expectType<TokenApiException>(err);
    case "ERR_OIDC_TOKEN_API_TIMEOUT":
      return expectType<TokenApiTimeoutException>(err);
    case "ERR_OIDC_DEVICE_ACCESS_DENIED":
      return expectType<DeviceAccessDeniedException>(err);
    case "ERR_OIDC_DEVICE_CODE_EXPIRED":
      return expectType<DeviceCodeExpiredException>(err);
    case "ERR_OIDC_AUTHORIZATION_API":
      return expectType<AuthorizationApiException>(err);
    case "ERR_OIDC_DEVICE_AUTHORIZATION_API":
      return expectType<DeviceAuthorizationApiException>(err);
    case "ERR_OIDC_DISCOVERY_API":
      return expectType<DiscoveryApiException>(err);
    case "ERR_OIDC_INTROSPECTION_API":
      return expectType<IntrospectionApiException>(err);
    case "ERR_OIDC_JWKS_API":
      return expectType<JwksApiException>(err);
    case "ERR_OIDC_AUTH_CODE_CLIENT":
      return expectType<AuthCodeAuthClientException>(err);
    case "ERR_OIDC_DEVICE_CODE_CLIENT":
      return expectType<DeviceCodeAuthClientException>(err);
    case "ERR_OIDC_RESOURCE_OWNER_CLIENT":
      return expectType<ResourceOwnerAuthClientException>(err);
    case "ERR_PLANET_LEGACY_AUTH_CLIENT":
      return expectType<PlanetLegacyAuthClientException>(err);
    case "ERR_SOPS":
      return expectType<SopsException>(err);
    case "ERR_SOPS_FORMAT":
      return expectType<SopsFormatException>(err);
    case "ERR_SOPS_DECRYPT":
      return expectType<SopsDecryptionException>(err);
    case "ERR_SOPS_NO_IDENTITY":
      return expectType<SopsNoIdentityException>(err);
    case "ERR_SOPS_MAC_MISMATCH":
      return expectType<SopsMacMismatchException>(err);
    case "ERR_SOPS_NO_RECIPIENTS":
      return expectType<SopsNoRecipientsException>(err);
    case "ERR_SOPS_UNSUPPORTED_KEY_TYPE":
      return expectType<SopsUnsupportedKeyTypeException>(err);
    case "ERR_SOPS_BINARY":
      return expectType<SopsBinaryException>(err);
    case "ERR_SOPS_CONFIG":
      return expectType<SopsConfigException>(err);
    case "ERR_REDIS_AUTH":
      return expectType<RedisAuthenticationException>(err);
    case "ERR_STATIC_API_KEY_AUTH_CLIENT":
      return expectType<StaticApiKeyAuthClientException>(err);
    case "ERR_DEVTOOLS":
      return expectType<DevtoolsException>(err);
    case "ERR_NO_CREDENTIAL":
      return expectType<NoCredentialException>(err);
    case "ERR_NO_TERMINAL":
      return expectType<NoTerminalException>(err);
    case "ERR_INVALID_DPOP_PROOF":
      return expectType<InvalidDpopProofException>(err);
    case "ERR_USE_DPOP_NONCE":
      return expectType<UseDpopNonceException>(err);
    case "ERR_DPOP_REPLAY_STORE":
      return expectType<DpopReplayStoreException>(err);
    default: {
      const unreachable: never = err;
      return unreachable;
    }
  }
}

export function describeUnknown(err: unknown): string | undefined {
  return isAuthError(err) ? describeError(err) : undefined;
}

// @ts-expect-error: not an error code
export const notACode: ErrorCode = "ERR_NOT_A_CODE";
