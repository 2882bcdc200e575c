/** Redis token storage for fleets: shared tokens and one token-endpoint call per expiry across processes. */
export { RedisStorageProvider, type RedisStorageProviderOptions } from "./redis-storage-provider.js";
export { parseRedisStorageOptions, type RedisStorageConfig } from "./options.js";
export { storageRedisPlugin, STORAGE_REDIS_PLUGIN_NAME, REDIS_STORAGE_TYPE } from "./plugin.js";
export { RedisAuthenticationException } from "./errors.js";
