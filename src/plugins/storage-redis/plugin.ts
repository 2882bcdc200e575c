/**
 * The storage-redis plugin value: contributes the `redis` storage type, built from options — e.g. a
 * discovered config's `storage: { type: "redis", url, prefix }` — so every context of the kernel
 * keeps its tokens in Redis and refreshes them once per expiry across the fleet.
 */
import { LIBRARY_VERSION, definePlugin, type JsonObject, type KernelServices } from "../../kernel/index.js";
import { createSopsStorageFormat } from "../storage-sops/sops-storage-format.js";
import { parseRedisStorageOptions } from "./options.js";
import { RedisStorageProvider } from "./redis-storage-provider.js";

/** The name of the Redis storage plugin. */
export const STORAGE_REDIS_PLUGIN_NAME = "planet-auth/storage-redis";
export const REDIS_STORAGE_TYPE = "redis";

/**
 * A provider from config options; encryption reuses the SOPS codec (age recipients as the SOPS plugin
 * finds them). Its connections close with the kernel (`kernel.close()`).
 */
function redisStorageFromOptions(options: JsonObject, services: KernelServices): RedisStorageProvider {
  const config = parseRedisStorageOptions(options, services.env);
  const format = config.encrypt
    ? createSopsStorageFormat({ env: services.env, configPath: false, sopsBinary: false, ...(config.recipients ? { recipients: config.recipients } : {}) })
    : undefined;
  const provider = new RedisStorageProvider({ ...config, format, logger: services.logger });
  services.onClose(() => provider.close());
  return provider;
}

/** The Redis storage plugin: the `redis` storage type for config files, for fleets that share tokens. */
export const storageRedisPlugin = definePlugin({
  name: STORAGE_REDIS_PLUGIN_NAME,
  version: LIBRARY_VERSION,
  storageProviders: [{
    name: REDIS_STORAGE_TYPE,
    /** A Redis storage provider from a config file's `{ "type": "redis", … }` storage options. */
    fromOptions: redisStorageFromOptions,
  }],
});
