/**
 * What config discovery found, recorded in the kernel's container for profile lookup (the kernel
 * itself never reads it).
 */
import { token } from "./tokens.js";
import type { JsonObject } from "./storage-provider.js";

export interface DiscoveredProfiles {
  /** The config file the profiles come from. */
  readonly filepath: string;
  /** Profile name → client config dict. */
  readonly profiles: Readonly<Record<string, JsonObject>>;
  readonly defaultProfile?: string;
}

export const DISCOVERED_PROFILES = token<DiscoveredProfiles>("DiscoveredProfiles");
