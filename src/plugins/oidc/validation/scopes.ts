/**
 * The scopes a token grants, one answer for the validator's `scopesAnyof` check and the middleware's
 * `auth.scopes`, as the Python library's `TokenValidator.validate_token` reads them: the `scope` claim
 * split on whitespace (RFC 9068 section 2.2.3) when it is truthy, else the `scp` claim (a list, or a
 * string split the same way). Undefined when the token has neither.
 */
import type { JwtPayload } from "./jwt-decode.js";

// Frozen claims (the verified-token cache's) keep their frozen scope list: a cache hit does not split again.
const known = new WeakMap<object, readonly string[]>();

export function grantedScopes(claims: JwtPayload): readonly string[] | undefined {
  const memo = known.get(claims);
  if (memo) return memo;
  if (claims.scope) return scopeList(claims.scope);
  if (claims.scp) return scopeList(claims.scp);
  return undefined;
}

/** The scopes of frozen claims, computed once and frozen with them (undefined: neither claim). */
export function freezeGrantedScopes(claims: JwtPayload): readonly string[] | undefined {
  const scopes = grantedScopes(claims);
  if (scopes === undefined || !Object.isFrozen(claims)) return scopes;
  known.set(claims, Object.freeze(scopes));
  return scopes;
}

/** A space-delimited claim's values (RFC 6749 section 3.3 separates them by spaces; any whitespace is taken). */
export function spaceDelimited(value: string): string[] {
  return value.split(/\s+/).filter(Boolean);
}

function scopeList(value: unknown): string[] {
  if (typeof value === "string") return spaceDelimited(value);
  return Array.isArray(value) ? value.filter((s): s is string => typeof s === "string") : [];
}
