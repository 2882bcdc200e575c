/**
 * A profile source: one place profiles are defined (the built-in sets, the user's `~/.planet`, a
 * discovered project file, or one a host registers). The resolver asks its sources in one order;
 * a source only answers for itself.
 */
import type { AuthClientConfig } from "../kernel/auth-client-config.js";
import type { AuthKernel } from "../kernel/kernel.js";
import type { ObjectStorageProvider } from "../kernel/storage-provider.js";

/** What a lookup runs against. */
export interface ProfileLookup {
  readonly kernel: AuthKernel;
  /** Where the user's profiles and their tokens live: the caller's storage, else the kernel's. */
  readonly storage: ObjectStorageProvider;
  /** True when the caller gave `storage` itself: it then holds every token of the context, whatever the source. */
  readonly explicitStorage: boolean;
}

/** A profile as a source defines it, ready to build a context from. */
export interface FoundProfile {
  /** The canonical name (a built-in's name with aliases followed, otherwise lower case). */
  readonly name: string;
  /** The name of the source that defines it (`builtin`, `local`, `discovered`, or a host source's). */
  readonly source: string;
  readonly config: AuthClientConfig;
  /** Storage key of the profile's token file. */
  readonly tokenFile: string;
  /** Where the profile is defined, when it is a file (for messages and listings). */
  readonly definedIn?: string;
}

/**
 * A place profiles come from (built-in, `~/.planet`, a host's, the discovered file): finds a profile by name
 * and lists its profiles.
 */
export interface ProfileSource {
  /** Shown in listings and in `FoundProfile.source`. */
  readonly name: string;
  /** The profile of that name (case-insensitive), or null when this source does not define it. */
  find(name: string, lookup: ProfileLookup): Promise<FoundProfile | null>;
  /** Whether this source defines `name`, without loading its config (default: `names()` lists it). */
  has?(name: string, lookup: ProfileLookup): Promise<boolean>;
  /** The names this source lists (hidden ones excluded), sorted. */
  names(lookup: ProfileLookup): Promise<string[]>;
  /** The profile this source proposes when nothing selects one, if any. */
  defaultProfile?(): string | undefined;
}
