/**
 * Built-in profiles: named client config dicts that a plugin or the host application ships, so users
 * can select them by name without a file on disk. The kernel only carries them; the profile resolver
 * (`profilesOf(kernel)`) decides how names are resolved.
 */
import type { JsonObject } from "./storage-provider.js";

/**
 * Profiles, aliases and trust environments a plugin or host builds in (the Python library's
 * `BuiltinConfigurationProviderInterface`).
 */
export interface BuiltinProfileSet {
  /** Prefix of environment variable names and `~/.planet.json` keys (`MYAPP` ⇒ `MYAPP_PL_AUTH_PROFILE`). */
  namespace?: string;
  /** Profile name → client config dict. A dict with `_hidden: true` is usable but not listed. */
  profiles?: Record<string, JsonObject>;
  /** Alias → profile name (chains are followed). */
  aliases?: Record<string, string>;
  /** client_type → the profile used for that type (e.g. the service-account profile for client credentials). */
  defaultProfileByClientType?: Record<string, string>;
  /** The profile used when nothing else selects one. */
  defaultProfile?: string;
  /** Trust environment name (upper case) → validator config dicts, or null when the caller must supply them. */
  trustEnvironments?: Record<string, JsonObject[] | null>;
}
