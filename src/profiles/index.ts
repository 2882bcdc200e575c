/** Profile lookup: the sources profiles come from and the one order they are resolved in. */
export { ProfileResolver, profilesOf, PROFILE_ENV_VAR, type ListedProfile, type ProfileSelection } from "./resolver.js";
export type { FoundProfile, ProfileLookup, ProfileSource } from "./source.js";
export { BuiltinProfiles, BuiltinProfileSource } from "./builtins.js";
export { LocalProfileSource } from "./local.js";
export { DiscoveredProfileSource, discoveredProfiles } from "./discovered.js";
export { namespacedName, readUserConfig } from "./user-config.js";
