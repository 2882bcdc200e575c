/**
 * The package root's public API, name by name. Adding a name to the root is a decision: it goes into
 * this list on purpose (and into CHANGELOG.md). Plugin-authoring building blocks belong on
 * `planet-auth/plugin-kit`, and no name is exported by both.
 */
import { describe, expect, test } from "@jest/globals";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Every name the root exports, values and types alike. */
const ROOT_EXPORTS = [
  "API_KEY_PROFILE", "Auth", "AuthClient", "AuthClientClass", "AuthClientConfig", "AuthClientConfigClass",
  "AuthClientConfigException", "AuthClientConfigOptions", "AuthClientContextException", "AuthClientException",
  "AuthCodeAuthClient", "AuthCodeAuthClientException", "AuthCodeClientConfig",
  "AuthCodeWithClientSecretAuthClient", "AuthCodeWithClientSecretClientConfig", "AuthCodeWithPubKeyAuthClient",
  "AuthCodeWithPubKeyClientConfig", "AuthError", "AuthEvent", "AuthEventRegistry", "AuthException",
  "AuthExceptionOptions", "AuthInitOptions", "AuthKernel", "AuthLogger", "AuthorizationApiException",
  "AuthPlugin", "AxiosConfigLike", "AxiosInstanceLike", "AxiosResponseLike", "BackoffOptions", "BROWSER_OPENER", "BrowserOpener", "builtinPlugins", "BuiltinProfiles",
  "BuiltinProfileSet", "CheckedConfigDict", "ClientCredentialsClientSecretAuthClient",
  "ClientCredentialsClientSecretClientConfig", "ClientCredentialsPubKeyAuthClient",
  "ClientCredentialsPubKeyClientConfig", "ClientTypeMeta", "CLOCK", "Clock", "ConfigDict", "ConfigDicts",
  "ConfigDiscoveryException", "ConfigKey", "ContextResolution", "CorruptObjectException", "createDefaultKernel",
  "createKernel", "CreateKernelOptions", "createStorageSopsPlugin", "createTerminalPrompt", "Credential",
  "CredentialOriginException", "CredentialRequestAuthenticator", "DecodedJwt", "DEFAULT_CLOCK_TOLERANCE_SECONDS",
  "DEFAULT_DPOP_ALGORITHMS", "DEFAULT_DPOP_LEEWAY_SECONDS", "DEFAULT_DPOP_MAX_AGE_SECONDS",
  "DEFAULT_MAX_RESPONSE_BYTES", "DEFAULT_MAX_TOKEN_LENGTH", "DEFAULT_MEMORY_REPLAY_STORE_SIZE",
  "DEFAULT_SOPS_VERSION", "DEFAULT_VERIFIED_TOKEN_CACHE_SIZE", "defaultKernel", "DefinedPlugin",
  "DeviceAccessDeniedException", "DeviceAuthorizationApiException", "DeviceCodeAuthClient",
  "DeviceCodeAuthClientException", "DeviceCodeClientConfig", "DeviceCodeExpiredException",
  "DeviceCodeWithClientSecretAuthClient", "DeviceCodeWithClientSecretClientConfig",
  "DeviceCodeWithPubKeyAuthClient", "DeviceCodeWithPubKeyClientConfig", "discoverConfig", "DiscoveredConfig",
  "DiscoveryApiClientFactory", "DiscoveryApiException", "DiscoveryOptions", "Disposer", "DpopNonceOptions",
  "DpopNonces", "DpopProofVerifier", "DpopProofVerifierOptions", "DpopReplayStore", "DpopReplayStoreException",
  "DpopRequest", "ENVIRONMENT", "Environment", "ErrorCode", "ErrorCodes", "ExpiredTokenException", "FetchLike",
  "FileBackedApiKey", "FileBackedApiKeyRequestAuthenticator", "FileBackedJsonObjectException",
  "FileBackedOidcCredential", "FileBackedPlanetLegacyApiKey", "FileLockOptions", "FileOps", "FileStorageOptions",
  "FileStorageProvider", "FileTooLargeException", "FoundProfile", "GotHookOptions", "GotHttpClient",
  "GotResponseLike", "HostLogger", "HTTP_CLIENT", "HttpClient", "HttpClientOptions", "HttpRequest",
  "HttpResponse", "InitializeAuthClientContextOptions", "IntrospectionApiException",
  "IntrospectionRejectionTokenException", "InvalidAlgorithmTokenException", "InvalidArgumentException",
  "InvalidDataException", "InvalidDpopProofException", "InvalidTokenException", "InvalidTokenExceptionOptions",
  "isAuthError", "IssuerUnavailableException", "JsonObject", "JwksApiClientFactory", "JwksApiException",
  "JwksKeyCacheFactory", "JwtHeader", "JwtPayload", "KernelServiceOverrides", "KernelServices",
  "KnownClientType", "legacyPlugin", "LIBRARY_VERSION", "ListedProfile", "loadKernel", "LoadKernelOptions",
  "LockOptions", "LOG_PREFIX", "LOGGER", "LoginOptions", "LogLevel", "LogOptions", "MemoryDpopReplayStore",
  "MemoryDpopReplayStoreOptions", "MultiIssuerFactoryOptions", "MultiIssuerValidatorOptions", "MutableHeaders",
  "NetworkException", "NetworkExceptionOptions", "NetworkTimeoutException", "NoCredentialException",
  "NONE_PROFILE", "NoneConfigDict", "nonePlugin", "NoOpAuthClient", "NoOpAuthClientConfig", "NoOpCredential",
  "NoOpRequestAuthenticator", "NoTerminalException", "ObjectNotFoundException", "ObjectStorageProvider",
  "OIDC_AUTHENTICATOR_OPTIONS", "OIDC_DISCOVERY_API_CLIENT", "OIDC_JWKS_API_CLIENT", "OIDC_JWKS_KEY_CACHE",
  "OIDC_TOKEN_API_CLIENT", "OidcApiClientException", "OidcApiClientExceptionOptions", "OidcAuthClient",
  "OidcAuthClientConfig", "OidcAuthCodeConfigDict", "OidcAuthCodePubkeyConfigDict",
  "OidcAuthCodeSecretConfigDict", "OidcAuthenticatorDefaults", "OidcAuthenticatorOptions",
  "OidcClientCredentialsPubkeyConfigDict", "OidcClientCredentialsSecretConfigDict", "OidcClientType",
  "OidcClientValidatorAuthClient", "OidcClientValidatorAuthClientConfig", "OidcClientValidatorConfigDict",
  "OidcClientValidatorRequestAuthenticator", "OidcConfigDict", "OidcDeviceCodeConfigDict",
  "OidcDeviceCodePubkeyConfigDict", "OidcDeviceCodeSecretConfigDict", "OidcLoginOptions",
  "OidcMultiIssuerValidator", "oidcPlugin", "OidcRefreshClient", "OidcResourceOwnerConfigDict",
  "OidcResourceOwnerPubkeyConfigDict", "OidcResourceOwnerSecretConfigDict", "OutputMode", "PartialEncryption",
  "PlanetAuthContext", "PlanetAuthFactory", "PlanetAuthFactoryOptions", "PlanetLegacyAuthClient",
  "PlanetLegacyAuthClientConfig", "PlanetLegacyAuthClientException", "PlanetLegacyConfigDict",
  "PlanetLegacyRequestAuthenticator", "PluginDependencyException", "PluginException", "PluginFailureException",
  "PluginSchemaException", "PluginSchemaExceptionOptions", "PluginVersionException",
  "PROFILE_ENV_VAR", "ProfileConfig", "profileConfigFileForWrite", "ProfileException", "ProfileFileNames",
  "ProfileLookup", "ProfileResolver", "ProfileSelection", "profilesOf", "ProfileSource", "redact", "REDACTED",
  "RedirectRefusedException", "RedisAuthenticationException", "RedisStorageConfig", "RedisStorageProvider",
  "RedisStorageProviderOptions", "RefreshingOidcTokenRequestAuthenticator",
  "RefreshOrReloginOidcTokenRequestAuthenticator", "RegisteredClientType", "RequestAuthenticator",
  "RequestTarget", "ResolutionSource", "ResourceOwnerAuthClient", "ResourceOwnerAuthClientException", "ResponseHeaderReader",
  "ResourceOwnerClientConfig", "ResourceOwnerWithClientSecretAuthClient",
  "ResourceOwnerWithClientSecretClientConfig", "ResourceOwnerWithPubKeyAuthClient",
  "ResourceOwnerWithPubKeyClientConfig", "ResponseTooLargeException", "saveProfileConfig",
  "ScopeNotGrantedTokenException", "SecretNames", "ServiceLifecycle", "ServiceProvider", "ServiceRegistry",
  "ServiceResolver", "setDefaultKernel", "SLEEP", "Sleep", "SopsBinaryException", "SopsConfigException",
  "SopsDecryptionException", "SopsException", "SopsFormatException", "SopsMacMismatchException",
  "SopsNoIdentityException", "SopsNoRecipientsException", "SopsStorageProvider", "SopsStorageProviderOptions",
  "SopsUnsupportedKeyTypeException", "StaticApiKeyAuthClient", "StaticApiKeyAuthClientConfig",
  "StaticApiKeyAuthClientException", "StaticApikeyConfigDict", "staticKeyPlugin", "STORAGE_PROVIDER",
  "STORAGE_REDIS_PLUGIN_NAME", "STORAGE_SOPS_PLUGIN_NAME", "StorageException", "StorageFormat",
  "StorageFormatContext", "StorageOptions", "StoredObject", "storageRedisPlugin", "storageSopsPlugin", "TerminalPromptStreams",
  "Token", "token", "TokenApiClientFactory", "TokenApiException", "TokenApiTimeoutException", "TokenPolicy",
  "TokenValidator", "TokenValidatorException", "TokenValidatorOptions", "TrustedIssuerContext",
  "TrustedIssuerSpec", "TTY_DISPLAY", "TTY_PROMPT", "TtyDisplay", "TtyPrompt", "UnknownIssuerTokenException",
  "UnknownKey", "UnknownSigningKeyTokenException", "UntrustedFileException", "UseDpopNonceException",
  "ValidateAccessTokenOptions", "ValidateIdTokenOptions", "validateProfileName", "ValidateTokenOptions",
  "VerifiedDpopProof", "X_PLANET_APP", "X_PLANET_APP_HEADER",
];

/** The names a module exports, as the compiler sees them (types included), sorted. */
function exportedNames(program: ts.Program, file: string): string[] {
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(path.join(ROOT, file));
  if (!source) throw new Error(`${file} is not in the program`);
  const symbol = checker.getSymbolAtLocation(source)!;
  return checker.getExportsOfModule(symbol).map((s) => s.name).sort(byName);
}

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase()) || a.localeCompare(b);

describe("the package root (planet-auth)", () => {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, "tsconfig.build.json"), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); },
  })!;
  const program = ts.createProgram([path.join(ROOT, "src/index.ts"), path.join(ROOT, "src/plugin-kit.ts")], config.options);

  test("exports exactly the listed names", () => {
    expect(exportedNames(program, "src/index.ts")).toEqual([...ROOT_EXPORTS].sort(byName));
  });

  test("shares no name with planet-auth/plugin-kit", () => {
    const kit = exportedNames(program, "src/plugin-kit.ts");
    expect(kit.length).toBeGreaterThan(0);
    expect(kit.filter((name) => ROOT_EXPORTS.includes(name))).toEqual([]);
  });

  test("its runtime values are the listed names that are values", async () => {
    const values = Object.keys(await import("../../src/index.js")).sort(byName);
    expect(values.length).toBeGreaterThan(100);
    expect(values.filter((name) => !ROOT_EXPORTS.includes(name))).toEqual([]);
  });
});
