/** The Redis store's own failures, each with a stable code; messages never carry the URL or a password. */
import { StorageException, type ErrorCode } from "../../kernel/index.js";

declare module "../../kernel/index.js" {
  interface ErrorCodes {
    ERR_REDIS_AUTH: RedisAuthenticationException;
  }
}

/**
 * Redis refused the credentials (wrong password or user, or a password is required): a
 * configuration error, reported as such rather than served from degraded mode as an outage would be.
 */
export class RedisAuthenticationException extends StorageException {
  static override readonly code: ErrorCode = "ERR_REDIS_AUTH";
}

/** Redis's replies that mean the credentials were refused. */
export function isAuthenticationReply(err: unknown): boolean {
  return err instanceof Error && /^(WRONGPASS|NOAUTH)\b|^ERR (invalid password|AUTH <password> called without)/.test(err.message);
}
