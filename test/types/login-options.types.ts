/**
 * Compile-time checks, run by `npm run typecheck` (this file is not a jest test): LoginOptions has no
 * index signature, so a misspelt option is a type error; plugins extend the type for their own options.
 */
import type { AuthClient, LoginOptions, OidcAuthClient, OidcLoginOptions } from "../../src/index.js";

export const valid: LoginOptions = { allowOpenBrowser: true, requestedScopes: ["openid"], username: "ada", signal: AbortSignal.timeout(1) };

// @ts-expect-error `allowOpenBrowsr` is a typo of allowOpenBrowser
export const typo: LoginOptions = { allowOpenBrowsr: true };

// @ts-expect-error an option only the OIDC plugin declares is not a common login option
export const foreign: LoginOptions = { callbackTimeoutMs: 5_000 };

export const oidc: OidcLoginOptions = { allowOpenBrowser: true, callbackTimeoutMs: 5_000 };

export function loginWithTypo(client: AuthClient): Promise<unknown> {
  // @ts-expect-error a typo in an inline options object fails to compile
  return client.login({ requestedScope: ["openid"] });
}

export function oidcLogin(client: OidcAuthClient): Promise<unknown> {
  return client.login({ callbackTimeoutMs: 1_000, requestedScopes: ["openid"] });
}
