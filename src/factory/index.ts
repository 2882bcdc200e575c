export { PlanetAuthFactory, API_KEY_PROFILE } from "./factory.js";
export type {
  ContextResolution, InitializeAuthClientContextOptions, PlanetAuthContext, PlanetAuthFactoryOptions, ProfileConfig, ResolutionSource,
} from "./factory.js";
export { BuiltinProfiles } from "../profiles/index.js";
export { ENV, namespacedName, readUserConfig, updateUserConfig, type EnvKey } from "./user-config.js";
