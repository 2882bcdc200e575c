/**
 * Express (and Connect) resource-server middleware: `planet-auth/express`.
 *
 * ```ts
 * app.use("/api", bearerAuth({ validator, realm: "api" }));
 * app.get("/api/things", requireScopes("things:read"), (req, res) => res.json(req.auth?.claims.sub));
 * app.use(bearerErrorHandler()); // or the host's own error handler
 * ```
 *
 * Refusals go to `next(err)` as a `BearerAuthError` (`status`, `statusCode`, `headers`), so any error
 * handler can answer them; Express's final handler already sends the status and the challenge. Nothing
 * else is ever passed on: an issuer whose keys cannot be fetched is a 503 `BearerAuthError` too, and
 * every one has a fixed message and a one-line stack.
 */
import type { ErrorRequestHandler, NextFunction, Request, RequestHandler, Response } from "express";
import {
  BearerAuthError, BearerAuthenticator, allScopesGuard, anyScopeGuard, claimEqualsGuard, claimIncludesGuard, claimsGuard,
  type AuthGuard, type BearerAuth, type BearerAuthOptions, type ClaimsGuardOptions, type ClaimsPredicate,
} from "./bearer.js";

export {
  BearerAuthError, BearerChallenge, grantedScopes,
  type BearerAuth, type BearerAuthOptions, type DpopErrorCode, type DpopMode, type DpopOptions, type BearerErrorCode, type BearerRefusalCode, type BearerTokenValidator,
  type AuthScheme, type ClaimsGuardOptions, type ClaimsPredicate, type DpopChallengeOptions, type TokenLocations,
} from "./bearer.js";

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace -- Express declares its Request in this global namespace.
  namespace Express {
    interface Request {
      /** Set by `bearerAuth()` on requests with a valid bearer token. */
      auth?: BearerAuth;
    }
  }
}

/**
 * Authenticates every request it sees: a valid token puts `req.auth`; anything else calls
 * `next(BearerAuthError)` (with `authRequired: false`, a request without any token goes on without
 * `req.auth`). Uses only Node's request, `req.body` (form-body tokens) and `next`, so it also works
 * under Connect.
 */
export function bearerAuth(options: BearerAuthOptions): RequestHandler {
  const authenticator = new BearerAuthenticator(options);
  return (req: Request, res: Response, next: NextFunction) => {
    const nonce = authenticator.dpopNonce();
    if (nonce !== undefined) res.setHeader("DPoP-Nonce", nonce);
    // What a DPoP proof names: the URL as the client called it (Express applies its `trust proxy` setting to protocol and host).
    const target = { path: req.originalUrl, url: () => `${req.protocol}://${req.host}${req.originalUrl}` };
    authenticator.authenticate(req, authenticator.readsFormBody ? (req.body as unknown) : undefined, req, target).then((auth) => {
      if (auth) req.auth = auth;
      next();
    }, next);
  };
}

function routeGuard(guard: AuthGuard): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    Promise.resolve()
      .then(() => guard(req.auth, req))
      .then(() => next(), next);
  };
}

/** The token must grant every one of `scopes` (403 `insufficient_scope` listing them otherwise). */
export function requireScopes(...scopes: string[]): RequestHandler {
  return routeGuard(allScopesGuard(scopes));
}

/** The token must grant at least one of `scopes`. */
export function requireAnyScope(...scopes: string[]): RequestHandler {
  return routeGuard(anyScopeGuard(scopes));
}

/**
 * `predicate(claims, auth)` must return (or resolve to) true; otherwise 403 `insufficient_scope`, or
 * 401 `invalid_token` with `{ error: "invalid_token" }`.
 */
export function requireClaims(predicate: ClaimsPredicate, options?: ClaimsGuardOptions): RequestHandler {
  return routeGuard(claimsGuard(predicate, options));
}

/** The claim must equal `value`; otherwise 401 `invalid_token` (403 `insufficient_scope` for `scope`/`scp`). */
export function requireClaimEquals(claim: string, value: string | number | boolean | null): RequestHandler {
  return routeGuard(claimEqualsGuard(claim, value));
}

/** The claim (a list, or a space-separated string) must include every one of `values`; refusals as `requireClaimEquals`. */
export function requireClaimIncludes(claim: string, ...values: Array<string | number | boolean | null>): RequestHandler {
  return routeGuard(claimIncludesGuard(claim, values));
}

/**
 * A default answer for refusals: the status, the headers (`WWW-Authenticate`, or `Retry-After` for a
 * 503), `Cache-Control: no-store` and a JSON body `{ error, error_description }` with no detail about
 * the token. Other errors pass through to the next error handler. Install it after the routes, or use
 * your own (send `status`, `headers` and `message`; never `cause` or `stack`).
 */
export function bearerErrorHandler(): ErrorRequestHandler {
  return (err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (!(err instanceof BearerAuthError) || res.headersSent) return next(err);
    res.status(err.status).set(err.headers).set("Cache-Control", "no-store").json({ error: err.error ?? "unauthorized", error_description: err.message });
  };
}
