/**
 * `planet-auth/plugin-kit`: the building blocks for writing a plugin — `definePlugin` and its
 * contribution types, lazy loading, schema and storage helpers (ordered JSON, Python-compatible
 * numbers, atomic files), transport-security and server-text helpers, and the OIDC plugin's protocol
 * layer (endpoint API clients, client-authentication strategies, login flows, PKCE, JWT decoding) for a
 * plugin or host that overrides or reuses them. An application that only uses auth needs the package
 * root (`planet-auth`) alone.
 * @module
 */
export {
  DEFAULT_MAX_FILE_BYTES, FileBackedJsonObject, MAX_SERVER_TEXT, OrderedJsonSyntaxError, OrderedMap,
  checkTransportSecurity, defaultStorageProvider, definePlugin, encodeForm, fromJs, givenOrPrompted,
  insecureTransportReason, transportVerdict, isConfigured, isFloatInSource, isLoopbackHost, isSameOrigin, lazyLoader, logException,
  markFloat, mediaType, nowSeconds, originOf, parseJsonObject, parseOrderedJson, plainHttpReason, pythonFloatRepr,
  quoteServerText, readSchemaFile, realSleep, recast, recastMessage, redactUrl, refusePlainStorageOfFormatKey,
  requestSecrets, responseForError, satisfiesVersionRange, secretFieldNames, serializeJsonObject,
  stringifyOrderedJson, systemClock, toJs, writeFileAtomic,
} from "./kernel/index.js";
export type {
  AnyErrorClass, ClientTypeContribution, ClientTypeMetaInput, ConfigHint, DefinedClientTypeContribution,
  ExceptionClass, JsonPath, KeyOrder, MissingValueReason, OrderedValue, ParseOrderedJsonOptions, SchemaData,
  SchemaValue, StorageProviderContribution, StringifyOrderedJsonOptions, TransportSecurityContext, TsTypeNames,
} from "./kernel/index.js";
export {
  AuthCodeClientConfigBase, AuthorizationApiClient, ClientCredentialsClientConfigBase, ClientSecretBasicAuth,
  ClientSecretPostAuth, DeviceAuthorizationApiClient, DeviceCodeClientConfigBase, DiscoveryApiClient, DpopKey,
  DpopKeyHolder, ENDPOINT_DISCOVERY_FIELDS, IntrospectionApiClient, JwksApiClient, JwksKeyCache, MalformedJwtError,
  NoClientAuth, OidcApiClient, OidcClientValidatorClientConfigBase, OidcEndpoints, PrivateKeyJwtAuth,
  PublicClientAuth, ResourceOwnerClientConfigBase, RevocationApiClient, SIGNATURE_ALGORITHMS, TokenApiClient,
  UserinfoApiClient, accessTokenHash, authCodeFlow, clientCredentialsFlow, clientSecretBasicAuth,
  clientSecretPostAuth, createPkcePair, decodeJwtPayloadUnverified, decodeJwtUnverified, deviceCodeFlow,
  jwkThumbprint, noClientAuth, oidcService, privateKeyJwtAuth, publicClientAuth, randomNonce, randomState,
  resourceOwnerFlow, validatorFlow,
} from "./plugins/oidc/index.js";
export type {
  ApiClientDeps, AuthCodeGrantParams, AuthorizationRequestParams, AuthorizationResult, BrowserAuthorizationParams,
  CallOptions, ClientAuthFactory, ClientAuthMethod, ClientAuthRequest, ClientAuthStrategy,
  ClientCredentialsGrantParams, ClientSecretBasicOptions, DeviceAuthorizationParams, DeviceAuthorizationResponse,
  DeviceCodeGrantParams, DevicePollParams, DiscoveredUrlPolicy, DiscoveryApiClientOptions, DiscoverySource,
  DpopProofRequest, EndpointConfigKey, FormParams, IntrospectionCallOptions, IntrospectionResponse,
  IntrospectionTokenTypeHint, JsonWebKeySet, JwksFetcher, JwksKeyCacheOptions, JwksKeyEntry, OidcAuthenticatorKind,
  OidcClientComposition, OidcDiscoveryDocument, OidcEndpointConfig, OidcFlow, OidcFlowConfig, OidcFlowContext,
  OidcLoginParams, OidcLoginResult, OidcServices, PasswordGrantParams, PkcePair, PrivateKeyJwtOptions,
  RefreshGrantParams, RevocationCallOptions, SendOptions, SignatureAlgorithm, SignatureKeyType, SignatureVerification,
  TokenApiClientOptions, TokenResponse, TtyAuthorizationParams,
} from "./plugins/oidc/index.js";
export {
  SOPS_JSON_SUFFIX, createSopsStorageFormat, creationRuleFor, findSopsConfig, isSopsKey,
} from "./plugins/storage-sops/index.js";
export type {
  CreationRule, SopsCodecOptions, SopsStorageFormat, SopsStorageFormatOptions,
} from "./plugins/storage-sops/index.js";

