/**
 * planet-auth for TypeScript — the public API: the kernel, the built-in plugins, and a default
 * kernel with the built-ins registered, which backs the static factories of the Python library (`planet_auth`).
 */
import { AuthEvent as KernelAuthEvent, type AuthEventRegistry } from "./kernel/index.js";
import { TokenEvent } from "./plugins/oidc/index.js";

// The package root: what an application needs. Adding a name here is a decision about the public API
// (test/package/root-exports.test.ts lists every one); plugin-authoring building blocks live on
// `planet-auth/plugin-kit`, the conformance suite on `planet-auth/testing`, the CLI on `planet-auth/cli`.
export {
  Auth, AuthClient, AuthClientConfig, AuthClientConfigException, AuthClientContextException, AuthClientException,
  AuthException, AuthKernel, AuthLogger, BROWSER_OPENER, CLOCK, ConfigDiscoveryException, CorruptObjectException,
  Credential, CredentialOriginException, CredentialRequestAuthenticator, DEFAULT_MAX_RESPONSE_BYTES, ENVIRONMENT,
  FileBackedJsonObjectException, FileStorageProvider, FileTooLargeException, GotHttpClient, HTTP_CLIENT,
  InvalidDataException, LIBRARY_VERSION, LOGGER, LOG_PREFIX, NetworkException, NetworkTimeoutException,
  NoCredentialException, NoOpRequestAuthenticator, NoTerminalException, ObjectNotFoundException,
  PluginDependencyException, PluginException, PluginFailureException, PluginSchemaException, PluginVersionException,
  ProfileException, REDACTED, RedirectRefusedException, RequestAuthenticator, ResponseTooLargeException, SLEEP,
  STORAGE_PROVIDER, SecretNames, StorageException, TTY_DISPLAY, TTY_PROMPT, UntrustedFileException, X_PLANET_APP,
  X_PLANET_APP_HEADER, createKernel, createTerminalPrompt, defaultKernel, discoverConfig, isAuthError,
  profileConfigFileForWrite, redact, saveProfileConfig, setDefaultKernel, token, validateProfileName,
} from "./kernel/index.js";
export type {
  AuthClientClass, AuthClientConfigClass, AuthClientConfigOptions, AuthError, AuthExceptionOptions, AuthInitOptions,
  AuthPlugin, AxiosConfigLike, AxiosInstanceLike, AxiosResponseLike, BrowserOpener, BuiltinProfileSet, CheckedConfigDict, ClientTypeMeta, Clock, ConfigDict, ConfigKey,
  CreateKernelOptions, DefinedPlugin, DiscoveredConfig, DiscoveryOptions, Disposer, Environment, ErrorCode,
  ErrorCodes, FetchLike, FileLockOptions, FileOps, FileStorageOptions, GotHookOptions, GotResponseLike, HostLogger,
  HttpClient, HttpClientOptions, HttpRequest, HttpResponse, JsonObject, KernelServiceOverrides, KernelServices,
  KnownClientType, LoadKernelOptions, LockOptions, LogLevel, LogOptions, LoginOptions, MutableHeaders,
  NetworkExceptionOptions, ObjectStorageProvider, OutputMode, PluginSchemaExceptionOptions, ProfileFileNames,
  RegisteredClientType, RequestTarget, ResponseHeaderReader, ServiceLifecycle, ServiceProvider, ServiceRegistry, ServiceResolver, Sleep,
  StorageFormat, StorageFormatContext, StorageOptions, StoredObject, TerminalPromptStreams, Token, TtyDisplay, TtyPrompt,
  UnknownKey,
} from "./kernel/index.js";
export {
  FileBackedPlanetLegacyApiKey, PlanetLegacyAuthClient, PlanetLegacyAuthClientConfig,
  PlanetLegacyAuthClientException, PlanetLegacyRequestAuthenticator, legacyPlugin,
} from "./plugins/legacy/index.js";
export type {
  PlanetLegacyConfigDict,
} from "./plugins/legacy/index.js";
export {
  NONE_PROFILE, NoOpAuthClient, NoOpAuthClientConfig, NoOpCredential, nonePlugin,
} from "./plugins/none/index.js";
export type {
  NoneConfigDict,
} from "./plugins/none/index.js";
export {
  AuthCodeAuthClient, AuthCodeAuthClientException, AuthCodeClientConfig, AuthCodeWithClientSecretAuthClient,
  AuthCodeWithClientSecretClientConfig, AuthCodeWithPubKeyAuthClient, AuthCodeWithPubKeyClientConfig,
  AuthorizationApiException, ClientCredentialsClientSecretAuthClient, ClientCredentialsClientSecretClientConfig,
  ClientCredentialsPubKeyAuthClient, ClientCredentialsPubKeyClientConfig, DEFAULT_CLOCK_TOLERANCE_SECONDS,
  DEFAULT_DPOP_ALGORITHMS, DEFAULT_DPOP_LEEWAY_SECONDS, DEFAULT_DPOP_MAX_AGE_SECONDS, DEFAULT_MAX_TOKEN_LENGTH,
  DEFAULT_MEMORY_REPLAY_STORE_SIZE, DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, DeviceAccessDeniedException,
  DeviceAuthorizationApiException, DeviceCodeAuthClient, DeviceCodeAuthClientException, DeviceCodeClientConfig,
  DeviceCodeExpiredException, DeviceCodeWithClientSecretAuthClient, DeviceCodeWithClientSecretClientConfig,
  DeviceCodeWithPubKeyAuthClient, DeviceCodeWithPubKeyClientConfig, DiscoveryApiException, DpopNonces,
  DpopProofVerifier, DpopReplayStoreException, ExpiredTokenException, FileBackedOidcCredential,
  IntrospectionApiException, IntrospectionRejectionTokenException, InvalidAlgorithmTokenException,
  InvalidArgumentException, InvalidDpopProofException, InvalidTokenException, IssuerUnavailableException,
  JwksApiException, MemoryDpopReplayStore, OIDC_AUTHENTICATOR_OPTIONS, OIDC_DISCOVERY_API_CLIENT,
  OIDC_JWKS_API_CLIENT, OIDC_JWKS_KEY_CACHE, OIDC_TOKEN_API_CLIENT, OidcApiClientException, OidcAuthClient,
  OidcAuthClientConfig, OidcClientValidatorAuthClient, OidcClientValidatorAuthClientConfig,
  OidcClientValidatorRequestAuthenticator, OidcMultiIssuerValidator, RefreshOrReloginOidcTokenRequestAuthenticator,
  RefreshingOidcTokenRequestAuthenticator, ResourceOwnerAuthClient, ResourceOwnerAuthClientException,
  ResourceOwnerClientConfig, ResourceOwnerWithClientSecretAuthClient, ResourceOwnerWithClientSecretClientConfig,
  ResourceOwnerWithPubKeyAuthClient, ResourceOwnerWithPubKeyClientConfig, ScopeNotGrantedTokenException,
  TokenApiException, TokenApiTimeoutException, TokenValidator, TokenValidatorException, UnknownIssuerTokenException,
  UnknownSigningKeyTokenException, UseDpopNonceException, oidcPlugin,
} from "./plugins/oidc/index.js";
export type {
  BackoffOptions, DecodedJwt, DiscoveryApiClientFactory, DpopNonceOptions, DpopProofVerifierOptions, DpopReplayStore,
  DpopRequest, InvalidTokenExceptionOptions, JwksApiClientFactory, JwksKeyCacheFactory, JwtHeader, JwtPayload,
  MemoryDpopReplayStoreOptions, MultiIssuerFactoryOptions, MultiIssuerValidatorOptions,
  OidcApiClientExceptionOptions, OidcAuthCodeConfigDict, OidcAuthCodePubkeyConfigDict, OidcAuthCodeSecretConfigDict,
  OidcAuthenticatorDefaults, OidcAuthenticatorOptions, OidcClientCredentialsPubkeyConfigDict,
  OidcClientCredentialsSecretConfigDict, OidcClientType, OidcClientValidatorConfigDict, OidcConfigDict,
  OidcDeviceCodeConfigDict, OidcDeviceCodePubkeyConfigDict, OidcDeviceCodeSecretConfigDict, OidcLoginOptions,
  OidcRefreshClient, OidcResourceOwnerConfigDict, OidcResourceOwnerPubkeyConfigDict,
  OidcResourceOwnerSecretConfigDict, TokenApiClientFactory, TokenPolicy, TokenValidatorOptions, TrustedIssuerContext,
  TrustedIssuerSpec, ValidateAccessTokenOptions, ValidateIdTokenOptions, ValidateTokenOptions, VerifiedDpopProof,
} from "./plugins/oidc/index.js";
export {
  FileBackedApiKey, FileBackedApiKeyRequestAuthenticator, StaticApiKeyAuthClient, StaticApiKeyAuthClientConfig,
  StaticApiKeyAuthClientException, staticKeyPlugin,
} from "./plugins/static-key/index.js";
export type {
  StaticApikeyConfigDict,
} from "./plugins/static-key/index.js";
export {
  RedisAuthenticationException, RedisStorageProvider, STORAGE_REDIS_PLUGIN_NAME, storageRedisPlugin,
} from "./plugins/storage-redis/index.js";
export type {
  RedisStorageConfig, RedisStorageProviderOptions,
} from "./plugins/storage-redis/index.js";
export {
  DEFAULT_SOPS_VERSION, STORAGE_SOPS_PLUGIN_NAME, SopsBinaryException, SopsConfigException, SopsDecryptionException,
  SopsException, SopsFormatException, SopsMacMismatchException, SopsNoIdentityException, SopsNoRecipientsException,
  SopsStorageProvider, SopsUnsupportedKeyTypeException, createStorageSopsPlugin, storageSopsPlugin,
} from "./plugins/storage-sops/index.js";
export type {
  PartialEncryption, SopsStorageProviderOptions,
} from "./plugins/storage-sops/index.js";
export {
  builtinPlugins,
} from "./builtins.js";
export {
  createDefaultKernel, loadKernel,
} from "./builtin-kernel.js";
export {
  API_KEY_PROFILE, PlanetAuthFactory,
} from "./factory/index.js";
export type {
  ContextResolution, InitializeAuthClientContextOptions, PlanetAuthContext, PlanetAuthFactoryOptions, ProfileConfig,
  ResolutionSource,
} from "./factory/index.js";
export {
  BuiltinProfiles, PROFILE_ENV_VAR, ProfileResolver, profilesOf,
} from "./profiles/index.js";
export type {
  FoundProfile, ListedProfile, ProfileLookup, ProfileSelection, ProfileSource,
} from "./profiles/index.js";

// The interfaces a plugin extends by declaration merging (`declare module "planet-auth" { … }`).
export type { AuthEventRegistry, ConfigDicts } from "./kernel/index.js";

/** `planet_auth.AuthEvent` of the Python library: the kernel's events and the token events of the OIDC plugin. */
export const AuthEvent = { ...KernelAuthEvent, ...TokenEvent } as const;
/** The name of an event: the kernel's and every registered plugin's (see AuthEventRegistry). */
export type AuthEvent = Extract<keyof AuthEventRegistry, string>;
