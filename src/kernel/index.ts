/** The kernel's public surface: everything a plugin — built-in or third-party — builds on. */
export * from "./errors.js";
export * from "./events.js";
export * from "./logging.js";
export * from "./redact.js";
export * from "./seams.js";
export * from "./http.js";
export { quoteServerText, responseForError, requestSecrets, MAX_SERVER_TEXT } from "./server-text.js";
export * from "./transport-security.js";
export * from "./tokens.js";
export * from "./version.js";
export type { KernelServices } from "./services.js";
export type { Disposer, ServiceLifecycle, ServiceProvider, ServiceRegistry, ServiceResolver } from "./container.js";
export { satisfiesVersionRange } from "./version-range.js";
export type { JsonObject, LockOptions, ObjectStorageProvider, ProfileFileNames, StorageFormat, StorageFormatContext, StorageOptions } from "./storage-provider.js";
export {
  FileStorageProvider, defaultStorageProvider, writeFileAtomic, STALE_TEMP_FILE_MS, type FileLockOptions, type FileOps, type FileStorageOptions,
} from "./storage/file-storage.js";
export { refusePlainStorageOfFormatKey } from "./storage/default-formats.js";
export { serializeJsonObject, parseJsonObject, markFloat, isFloatInSource, pythonFloatRepr } from "./storage/json-format.js";
export {
  OrderedMap, OrderedJsonSyntaxError, parseOrderedJson, stringifyOrderedJson, fromJs, toJs,
  type OrderedValue, type KeyOrder, type JsonPath, type ParseOrderedJsonOptions, type StringifyOrderedJsonOptions,
} from "./storage/ordered-json.js";
export { FileBackedJsonObject } from "./file-backed-json-object.js";
export type { StoredObject } from "./file-backed-json-object.js";
export { Credential, CredentialOriginException } from "./credential.js";
export { AuthClientConfig, isConfigured, type AuthClientConfigClass, type AuthClientConfigOptions } from "./auth-client-config.js";
export type { CheckedConfigDict, ConfigDict, ConfigDicts, ConfigKey, KnownClientType, SchemaData, SchemaValue, TsTypeNames, UnknownKey } from "./config-types.js";
export { AuthClient, type AuthClientClass, type LoginOptions } from "./auth-client.js";
export {
  RequestAuthenticator, CredentialRequestAuthenticator, NoOpRequestAuthenticator, type AxiosConfigLike, type AxiosInstanceLike, type AxiosResponseLike, type FetchLike,
  type GotHookOptions, type GotResponseLike, type MutableHeaders, type RequestTarget, type ResponseHeaderReader,
} from "./request-authenticator.js";
export { Auth, type AuthInitOptions } from "./auth.js";
export {
  definePlugin, type AuthPlugin, type ClientTypeContribution, type ClientTypeMetaInput, type ConfigHint,
  type DefinedClientTypeContribution, type DefinedPlugin,
  type StorageProviderContribution,
} from "./plugin.js";
export {
  AuthKernel, createKernel, type ClientTypeMeta, type CreateKernelOptions,
  type KernelServiceOverrides, type RegisteredClientType,
} from "./kernel.js";
export { defaultKernel, setDefaultKernel, setDefaultKernelFactory } from "./default-kernel.js";
export { readSchemaFile } from "./schema-files.js";
export { lazyLoader } from "./lazy.js";
export {
  discoverConfig, loadKernel, ConfigDiscoveryException, type DiscoveredConfig, type DiscoveryOptions, type LoadKernelOptions,
} from "./discovery.js";
export * from "./profiles.js";
export { DISCOVERED_PROFILES, ALLOW_STORAGE_FROM_KEY, type DiscoveredProfiles } from "./discovered-profiles.js";
export {
  UntrustedFileException, FileTooLargeException, DEFAULT_MAX_FILE_BYTES, assertTrustedCodeFile,
} from "./file-trust.js";
export type { BuiltinProfileSet } from "./builtin-profiles.js";
