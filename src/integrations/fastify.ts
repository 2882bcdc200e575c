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
 * sends the status and the challenge, and `setErrorHandler` can answer them differently. Nothing else is
 * ever thrown: an issuer whose keys cannot be fetched is a 503 `BearerAuthError` too, with a fixed message.
 * Tokens are read in `onRequest` (before the body is parsed), or in `preValidation` when form-body
 * tokens are enabled.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, HookHandlerDoneFunction, preHandlerHookHandler } from "fastify";
import {
  BearerAuthenticator, allScopesGuard, anyScopeGuard, claimEqualsGuard, claimIncludesGuard, claimsGuard,
  type AuthGuard, type BearerAuth, type BearerAuthOptions, type CalledRequest, type ClaimsGuardOptions, type ClaimsPredicate,
} from "./bearer.js";

export {
  BearerAuthError, BearerChallenge, grantedScopes,
  type BearerAuth, type BearerAuthOptions, type DpopErrorCode, type DpopMode, type DpopOptions, type BearerErrorCode, type BearerRefusalCode, type BearerTokenValidator,
  type AuthScheme, type ClaimsGuardOptions, type ClaimsPredicate, type DpopChallengeOptions, type TokenLocations,
} from "./bearer.js";

declare module "fastify" {
  interface FastifyRequest {
    /** Set by the `bearerAuth` plugin on requests with a valid bearer token. */
    auth?: BearerAuth;
  }
}

const plugin: FastifyPluginAsync<BearerAuthOptions> = async (fastify, options) => {
  const authenticator = new BearerAuthenticator(options);
  await authenticator.ready(); // a bad issuer configuration fails app.ready(), not the first request
  if (!fastify.hasRequestDecorator("auth")) fastify.decorateRequest("auth", undefined);
  // Callback-style hooks: a repeated token (or none) is answered in the same turn, with no promise.
  const authenticate = (request: FastifyRequest, reply: FastifyReply, body: unknown, done: HookHandlerDoneFunction) => {
    const nonce = authenticator.dpopNonce();
    if (nonce !== undefined) reply.header("DPoP-Nonce", nonce);
    let auth: BearerAuth | undefined | Promise<BearerAuth | undefined>;
    try {
      auth = authenticator.authenticateNow(request.raw, body, request, calledRequest);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (auth instanceof Promise) {
      auth.then((value) => ((request.auth = value), done()), done);
    } else {
      request.auth = auth;
      done();
    }
  };
  if (authenticator.readsFormBody) {
    fastify.addHook("preValidation", (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => authenticate(request, reply, request.body, done));
  } else {
    fastify.addHook("onRequest", (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => authenticate(request, reply, undefined, done));
  }
};

/** What a DPoP proof names: the URL as the client called it (Fastify applies its `trustProxy` setting to protocol and host). */
function calledRequest(request: FastifyRequest): CalledRequest {
  return { path: request.raw.url ?? "/", url: () => `${request.protocol}://${request.host}${request.raw.url ?? "/"}` };
}

/** Run a guard, then call `done` (with its error, if any); a guard that returns a promise is waited for. */
function runGuard(guard: AuthGuard, request: FastifyRequest, done: HookHandlerDoneFunction): void {
  let result: void | Promise<void>;
  try {
    result = guard(request.auth, request);
  } catch (err) {
    done(err as Error);
    return;
  }
  if (result instanceof Promise) result.then(() => done(), done);
  else done();
}

/** Register with `{ validator | issuers, realm?, ... }` (see `BearerAuthOptions`); protects the registering context. */
export const bearerAuth: FastifyPluginAsync<BearerAuthOptions> = Object.assign(plugin, {
  // What fastify-plugin sets: no encapsulation, so the hook applies to the context that registers it.
  [Symbol.for("skip-override")]: true,
  [Symbol.for("fastify.display-name")]: "planet-auth-bearer",
  [Symbol.for("plugin-meta")]: { name: "planet-auth-bearer", fastify: "5.x" },
});

function routeGuard(guard: AuthGuard): preHandlerHookHandler {
  return (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => runGuard(guard, request, done);
}

/** A `preHandler`: the token must grant every one of `scopes` (403 `insufficient_scope` otherwise). */
export function requireScopes(...scopes: string[]): preHandlerHookHandler {
  return routeGuard(allScopesGuard(scopes));
}

/** A `preHandler`: the token must grant at least one of `scopes`. */
export function requireAnyScope(...scopes: string[]): preHandlerHookHandler {
  return routeGuard(anyScopeGuard(scopes));
}

/** A `preHandler`: `predicate(claims, auth)` must return (or resolve to) true; otherwise 403 (or 401 with `{ error: "invalid_token" }`). */
export function requireClaims(predicate: ClaimsPredicate, options?: ClaimsGuardOptions): preHandlerHookHandler {
  return routeGuard(claimsGuard(predicate, options));
}

/** A `preHandler`: the claim must equal `value`; otherwise 401 `invalid_token` (403 for `scope`/`scp`). */
export function requireClaimEquals(claim: string, value: string | number | boolean | null): preHandlerHookHandler {
  return routeGuard(claimEqualsGuard(claim, value));
}

/** A `preHandler`: the claim (a list, or a space-separated string) must include every one of `values`. */
export function requireClaimIncludes(claim: string, ...values: Array<string | number | boolean | null>): preHandlerHookHandler {
  return routeGuard(claimIncludesGuard(claim, values));
}
