/** The built-in plugins: client types in the reference's registry order, then storage formats. */
import type { AuthPlugin } from "./kernel/index.js";
import { oidcPlugin } from "./plugins/oidc/plugin.js";
import { nonePlugin } from "./plugins/none/index.js";
import { staticKeyPlugin } from "./plugins/static-key/index.js";
import { legacyPlugin } from "./plugins/legacy/index.js";
import { storageSopsPlugin } from "./plugins/storage-sops/plugin.js";
import { storageRedisPlugin } from "./plugins/storage-redis/plugin.js";

/**
 * The built-in plugins, in registration order: none, static API key, Planet legacy, OIDC, SOPS storage and
 * Redis storage. `createDefaultKernel` registers them.
 */
export const builtinPlugins: readonly AuthPlugin[] = Object.freeze([oidcPlugin, legacyPlugin, staticKeyPlugin, nonePlugin, storageSopsPlugin, storageRedisPlugin]);
