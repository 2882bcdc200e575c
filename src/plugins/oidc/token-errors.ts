/**
 * Token validation's events and exceptions (the Python library's `planet_auth.InvalidTokenException` family). A rejected JWT
 * carries its unverified header and body so the log line can name the algorithm and the claims that
 * identify the caller — never the token itself, and never personal claims.
 */
import { AuthException, type AuthEvent, type AuthExceptionOptions, type ErrorCode } from "../../kernel/index.js";

declare module "../../kernel/index.js" {
  interface AuthEventRegistry {
    TOKEN_VALID: true;
    TOKEN_INVALID: true;
    TOKEN_INVALID_BAD_ALGORITHM: true;
    TOKEN_INVALID_BAD_ISSUER: true;
    TOKEN_INVALID_BAD_NONCE: true;
    TOKEN_INVALID_BAD_SCOPE: true;
    TOKEN_INVALID_BAD_SIGNING_KEY: true;
    TOKEN_INVALID_EXPIRED: true;
    TOKEN_INVALID_INTROSPECTION_REJECTION: true;
  }
  interface ErrorCodes {
    ERR_INVALID_TOKEN: InvalidTokenException;
    ERR_TOKEN_EXPIRED: ExpiredTokenException;
    ERR_TOKEN_BAD_ALGORITHM: InvalidAlgorithmTokenException;
    ERR_TOKEN_SCOPE_NOT_GRANTED: ScopeNotGrantedTokenException;
    ERR_TOKEN_UNKNOWN_SIGNING_KEY: UnknownSigningKeyTokenException;
    ERR_TOKEN_INTROSPECTION_REJECTED: IntrospectionRejectionTokenException;
    ERR_TOKEN_UNKNOWN_ISSUER: UnknownIssuerTokenException;
    ERR_TOKEN_VALIDATOR: TokenValidatorException;
    ERR_ISSUER_UNAVAILABLE: IssuerUnavailableException;
    ERR_INVALID_ARGUMENT: InvalidArgumentException;
  }
}

/** The token events (the members of the Python library's `planet_auth.AuthEvent` about tokens). */
export const TokenEvent = {
  TOKEN_VALID: "TOKEN_VALID",
  TOKEN_INVALID: "TOKEN_INVALID",
  TOKEN_INVALID_BAD_ALGORITHM: "TOKEN_INVALID_BAD_ALGORITHM",
  TOKEN_INVALID_BAD_ISSUER: "TOKEN_INVALID_BAD_ISSUER",
  TOKEN_INVALID_BAD_NONCE: "TOKEN_INVALID_BAD_NONCE",
  TOKEN_INVALID_BAD_SCOPE: "TOKEN_INVALID_BAD_SCOPE",
  TOKEN_INVALID_BAD_SIGNING_KEY: "TOKEN_INVALID_BAD_SIGNING_KEY",
  TOKEN_INVALID_EXPIRED: "TOKEN_INVALID_EXPIRED",
  TOKEN_INVALID_INTROSPECTION_REJECTION: "TOKEN_INVALID_INTROSPECTION_REJECTION",
} as const;

/** JWT claims worth logging: who issued the token, for which client and audience, with what scope, for which principal. */
const JWT_PAYLOAD_LOG_CLAIMS = ["iss", "cid", "aud", "scope", "scp", "pl_principal", "organization_id"];

/** Log fields for a JWT: the header's `alg` and the identifying, non-personal claims of the body. */
export function jwtLogFields(header?: Record<string, unknown>, body?: Record<string, unknown>): Record<string, unknown> | undefined {
  if (!header && !body) return undefined;
  const fields: Record<string, unknown> = {};
  if (header) fields.jwt_header = { alg: header.alg };
  if (body) {
    const claims: Record<string, unknown> = {};
    for (const claim of JWT_PAYLOAD_LOG_CLAIMS) if (claim in body) claims[claim] = body[claim];
    fields.jwt_payload = claims;
  }
  return fields;
}

export interface InvalidTokenExceptionOptions extends AuthExceptionOptions {
  /** The token's unverified JOSE header. */
  jwtHeader?: Record<string, unknown>;
  /** The token's unverified claims. */
  jwtBody?: Record<string, unknown>;
}

/** A token failed validation. May carry the (unverified) header and body for logging. */
export class InvalidTokenException extends AuthException {
  static override readonly code: ErrorCode = "ERR_INVALID_TOKEN";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID;
  jwtHeader?: Record<string, unknown>;
  jwtBody?: Record<string, unknown>;
  /** A rejected token, with its unverified header and claims for logging (never the token itself). */
  constructor(message: string, options: InvalidTokenExceptionOptions = {}) {
    const { jwtHeader, jwtBody, ...rest } = options;
    super(message, rest);
    this.jwtHeader = jwtHeader;
    this.jwtBody = jwtBody;
  }

  override logFields(): Record<string, unknown> | undefined {
    return jwtLogFields(this.jwtHeader, this.jwtBody);
  }
}
export class ExpiredTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_EXPIRED";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_EXPIRED;
}
export class InvalidAlgorithmTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_BAD_ALGORITHM";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_BAD_ALGORITHM;
}
export class ScopeNotGrantedTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_SCOPE_NOT_GRANTED";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_BAD_SCOPE;
}
export class UnknownSigningKeyTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_UNKNOWN_SIGNING_KEY";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_BAD_SIGNING_KEY;
}
export class IntrospectionRejectionTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_INTROSPECTION_REJECTED";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_INTROSPECTION_REJECTION;
}
/** The token's issuer is not one this validator trusts: an InvalidTokenException, so servers answer 401 (the reference raised a plain AuthException). */
export class UnknownIssuerTokenException extends InvalidTokenException {
  static override readonly code: ErrorCode = "ERR_TOKEN_UNKNOWN_ISSUER";
  static override readonly defaultEvent: AuthEvent | undefined = TokenEvent.TOKEN_INVALID_BAD_ISSUER;
}

export class TokenValidatorException extends AuthException {
  static override readonly code: ErrorCode = "ERR_TOKEN_VALIDATOR";
}
/**
 * A trusted issuer's keys or metadata could not be fetched, so the token could not be judged (it is
 * not known to be bad). `retryAfterSeconds` is when the next fetch may start; the cause says why.
 */
export class IssuerUnavailableException extends TokenValidatorException {
  static override readonly code: ErrorCode = "ERR_ISSUER_UNAVAILABLE";
  readonly retryAfterSeconds: number;
  /** The issuer's keys could not be fetched; `retryAfterSeconds` says when to try again. */
  constructor(message: string, options: AuthExceptionOptions & { retryAfterSeconds?: number } = {}) {
    const { retryAfterSeconds, ...rest } = options;
    super(message, rest);
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds ?? 1));
  }
}
export class InvalidArgumentException extends TokenValidatorException {
  static override readonly code: ErrorCode = "ERR_INVALID_ARGUMENT";
}
