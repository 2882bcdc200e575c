/** The built-in plugins, in the reference's registry order (config.md §2). */
import type { AuthPlugin } from "./kernel/index.js";
import { nonePlugin } from "./plugins/none/index.js";
import { staticKeyPlugin } from "./plugins/static-key/index.js";
import { legacyPlugin } from "./plugins/legacy/index.js";

export const builtinPlugins: readonly AuthPlugin[] = Object.freeze([legacyPlugin, staticKeyPlugin, nonePlugin]);
