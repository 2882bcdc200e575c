/**
 * Fastify resource-server plugin: `planet-auth/fastify`.
 *
 * ```ts
 * await app.register(async (api) => {
 *   await api.register(bearerAuth, { validator, realm: "api" });
 *   api.get("/things", { preHandler: requireScopes("things:read") }, async (request) => request.auth?.claims.sub);
 * });
 * ```
 *
 * The plugin adds an `onRequest` hook to the context it is registered in (like a plugin wrapped with
 * fastify-plugin), so every route of that context is protected and routes outside it are not.
 * Refusals are thrown as `BearerAuthError` (`statusCode`, `headers`): Fastify's default error handler
 * sends the status and the challenge, and `setErrorHandler` can answer them differently.
 */
import type { FastifyPluginAsync, FastifyRequest, preHandlerAsyncHookHandler } from "fastify";
import {
  BearerAuthenticator, allScopesGuard, anyScopeGuard, claimsGuard,
  type AuthGuard, type BearerAuth, type BearerAuthOptions, type ClaimsPredicate,
} from "./bearer.js";

export {
  BearerAuthError, BearerChallenge, grantedScopes,
  type BearerAuth, type BearerAuthOptions, type BearerErrorCode, type BearerTokenValidator, type ClaimsPredicate,
} from "./bearer.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `bearerAuth` plugin on requests with a valid bearer token. */
    auth?: BearerAuth;
  }
}

const plugin: FastifyPluginAsync<BearerAuthOptions> = async (fastify, options) => {
  const authenticator = new BearerAuthenticator(options);
  if (!fastify.hasRequestDecorator("auth")) fastify.decorateRequest("auth", undefined);
  fastify.addHook("onRequest", async (request: FastifyRequest) => {
    request.auth = await authenticator.authenticate(request.headers.authorization);
  });
};

/** Register with `{ validator, realm?, doRemoteRevocationCheck? }`; protects the registering context. */
export const bearerAuth: FastifyPluginAsync<BearerAuthOptions> = Object.assign(plugin, {
  // What fastify-plugin sets: no encapsulation, so the hook applies to the context that registers it.
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "planet-auth-bearer",
  [Symbol.for("plugin-meta")]: { name: "planet-auth-bearer", fastify: "5.x" },
});

function routeGuard(guard: AuthGuard): preHandlerAsyncHookHandler {
  return async (request: FastifyRequest) => {
    await guard(request.auth);
  };
}

/** A `preHandler`: the token must grant every one of `scopes` (403 `insufficient_scope` otherwise). */
export function requireScopes(...scopes: string[]): preHandlerAsyncHookHandler {
  return routeGuard(allScopesGuard(scopes));
}

/** A `preHandler`: the token must grant at least one of `scopes`. */
export function requireAnyScope(...scopes: string[]): preHandlerAsyncHookHandler {
  return routeGuard(anyScopeGuard(scopes));
}

/** A `preHandler`: `predicate(claims, auth)` must return (or resolve to) true; otherwise 403. */
export function requireClaims(predicate: ClaimsPredicate): preHandlerAsyncHookHandler {
  return routeGuard(claimsGuard(predicate));
}
