export { PlanetAuthFactory, API_KEY_PROFILE } from "./factory.js";
export type {
  ContextResolution, InitializeAuthClientContextOptions, PlanetAuthContext, PlanetAuthFactoryOptions, ProfileConfig, ResolutionSource,
} from "./factory.js";
export { BuiltinProfiles, NONE_PROFILE } from "./builtins.js";
export { ENV, namespacedName, readUserConfig, updateUserConfig, type EnvKey } from "./user-config.js";
