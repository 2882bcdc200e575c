/**
 * The OIDC plugin's own services: tokens a host application provides in a kernel to replace one of
 * them for that kernel only, e.g. a token endpoint client that adds a header:
 * `kernel.provide(OIDC_TOKEN_API_CLIENT, { useValue: (options) => new MyTokenApiClient(options) })`.
 * A token nobody provided is the built-in default below: the defaults live here, with the protocol
 * code, rather than in the plugin's registration, so that registering the plugin loads none of it.
 * OIDC clients resolve them once, when they are built.
 */
import { token, type KernelServices, type Token } from "../../kernel/index.js";
import type { ApiClientDeps } from "./api/api-client.js";
import { DiscoveryApiClient, type DiscoveryApiClientOptions } from "./api/discovery.js";
import { JwksApiClient } from "./api/jwks.js";
import { TokenApiClient, type TokenApiClientOptions } from "./api/token.js";
import type { OidcAuthenticatorOptions } from "./authenticators.js";
import { JwksKeyCache, type JwksKeyCacheOptions } from "./validation/jwks-cache.js";

/** Builds the token endpoint's client (`OIDC_TOKEN_API_CLIENT`). */
export type TokenApiClientFactory = (options: TokenApiClientOptions) => TokenApiClient;
/** Builds the discovery document's client (`OIDC_DISCOVERY_API_CLIENT`). */
export type DiscoveryApiClientFactory = (options: DiscoveryApiClientOptions) => DiscoveryApiClient;
/** Builds the JWKS endpoint's client (`OIDC_JWKS_API_CLIENT`). */
export type JwksApiClientFactory = (options: ApiClientDeps & { jwksUri: string }) => JwksApiClient;
/** Builds the JWKS key cache of one client's token validator. */
export type JwksKeyCacheFactory = (options: JwksKeyCacheOptions) => JwksKeyCache;
/** Options of the request authenticators OIDC clients build (strict mode, back-off, lock). */
export type OidcAuthenticatorDefaults = Omit<OidcAuthenticatorOptions, "clock" | "logger">;

/**
 * The service token of the token endpoint client factory; override it to change how token requests are made.
 */
export const OIDC_TOKEN_API_CLIENT = token<TokenApiClientFactory>("oidc:TokenApiClient");
/** The service token of the discovery client factory. */
export const OIDC_DISCOVERY_API_CLIENT = token<DiscoveryApiClientFactory>("oidc:DiscoveryApiClient");
/** The service token of the JWKS endpoint client factory. */
export const OIDC_JWKS_API_CLIENT = token<JwksApiClientFactory>("oidc:JwksApiClient");
/** The service token of the JWKS key cache factory (one cache per client's token validator). */
export const OIDC_JWKS_KEY_CACHE = token<JwksKeyCacheFactory>("oidc:JwksKeyCache");
/**
 * Applied to every OIDC client of a kernel:
 * `kernel.register(OIDC_AUTHENTICATOR_OPTIONS, { strict: true })`.
 */
export const OIDC_AUTHENTICATOR_OPTIONS = token<OidcAuthenticatorDefaults>("OidcAuthenticatorOptions");

/** The OIDC services of one kernel, as a client uses them. */
export interface OidcServices {
  readonly tokenApiClient: TokenApiClientFactory;
  readonly discoveryApiClient: DiscoveryApiClientFactory;
  readonly jwksApiClient: JwksApiClientFactory;
  readonly jwksKeyCache: JwksKeyCacheFactory;
  readonly authenticatorOptions: OidcAuthenticatorDefaults;
}

const DEFAULTS: OidcServices = {
  tokenApiClient: (options) => new TokenApiClient(options),
  discoveryApiClient: (options) => new DiscoveryApiClient(options),
  jwksApiClient: (options) => new JwksApiClient(options),
  jwksKeyCache: (options) => new JwksKeyCache(options),
  // Frozen: one value serves every kernel, so no kernel may change it for the others.
  authenticatorOptions: Object.freeze({}),
};

const TOKENS: { readonly [K in keyof OidcServices]: Token<OidcServices[K]> } = {
  tokenApiClient: OIDC_TOKEN_API_CLIENT,
  discoveryApiClient: OIDC_DISCOVERY_API_CLIENT,
  jwksApiClient: OIDC_JWKS_API_CLIENT,
  jwksKeyCache: OIDC_JWKS_KEY_CACHE,
  authenticatorOptions: OIDC_AUTHENTICATOR_OPTIONS,
};

/** One OIDC service of the kernel `services` belong to: the one a host provided, else the built-in default. */
export function oidcService<K extends keyof OidcServices>(services: KernelServices, key: K): OidcServices[K] {
  return services.isProvided(TOKENS[key]) ? services.resolve(TOKENS[key]) : DEFAULTS[key];
}
