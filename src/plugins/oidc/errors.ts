/**
 * The OIDC plugin's exceptions. All extend the kernel's AuthClientException, so
 * `instanceof AuthException` and the stable `code` work across the library.
 *
 * No message ever contains a token, secret, authorization/device code, password or key. The raw HTTP
 * response (whose body may hold tokens) is attached as a non-enumerable property, so it does not show
 * up in `JSON.stringify`, `util.inspect` or structured log serialisers by accident.
 */
import { AuthClientException, type AuthExceptionOptions, type HttpResponse, type ErrorCode } from "../../kernel/index.js";

declare module "../../kernel/index.js" {
  interface ErrorCodes {
    ERR_OIDC_API_CLIENT: OidcApiClientException;
    ERR_OIDC_TOKEN_API: TokenApiException;
    ERR_OIDC_TOKEN_API_TIMEOUT: TokenApiTimeoutException;
    ERR_OIDC_DEVICE_ACCESS_DENIED: DeviceAccessDeniedException;
    ERR_OIDC_DEVICE_CODE_EXPIRED: DeviceCodeExpiredException;
    ERR_OIDC_AUTHORIZATION_API: AuthorizationApiException;
    ERR_OIDC_DEVICE_AUTHORIZATION_API: DeviceAuthorizationApiException;
    ERR_OIDC_DISCOVERY_API: DiscoveryApiException;
    ERR_OIDC_INTROSPECTION_API: IntrospectionApiException;
    ERR_OIDC_JWKS_API: JwksApiException;
    ERR_OIDC_AUTH_CODE_CLIENT: AuthCodeAuthClientException;
    ERR_OIDC_DEVICE_CODE_CLIENT: DeviceCodeAuthClientException;
    ERR_OIDC_RESOURCE_OWNER_CLIENT: ResourceOwnerAuthClientException;
  }
}

export interface OidcApiClientExceptionOptions extends AuthExceptionOptions {
  /** The OAuth `error` (or Okta `errorCode`) the server returned, when it returned one. */
  errorCode?: string;
  /** The HTTP response the error is about. Non-enumerable; may contain secrets — never log it whole. */
  rawResponse?: HttpResponse;
}

/** An OIDC endpoint answered with an error, or with something this client cannot use. */
export class OidcApiClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_API_CLIENT";
  /** The server's OAuth error code (`error`, or Okta's `errorCode`), if any. */
  readonly errorCode?: string;
  declare readonly rawResponse?: HttpResponse;

  /** An error of an endpoint call, with the server's error code and its response (secrets redacted). */
  constructor(message: string, options: OidcApiClientExceptionOptions = {}) {
    const { errorCode, rawResponse, ...rest } = options;
    super(message, rest);
    this.errorCode = errorCode;
    Object.defineProperty(this, "rawResponse", { value: rawResponse, enumerable: false, writable: false, configurable: true });
  }
}

/** The token endpoint's answer is unusable (e.g. no `expires_in`). */
export class TokenApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_TOKEN_API";
}
/** Device-code polling ran past the device code's lifetime. */
export class TokenApiTimeoutException extends TokenApiException {
  static override readonly code: ErrorCode = "ERR_OIDC_TOKEN_API_TIMEOUT";
}
/** The user denied the device authorization request (`access_denied` while polling). */
export class DeviceAccessDeniedException extends TokenApiException {
  static override readonly code: ErrorCode = "ERR_OIDC_DEVICE_ACCESS_DENIED";
}
/** The server says the device code expired (`expired_token` while polling). */
export class DeviceCodeExpiredException extends TokenApiException {
  static override readonly code: ErrorCode = "ERR_OIDC_DEVICE_CODE_EXPIRED";
}
/** The authorization request failed: callback host, timeout, error, state or code problems. */
export class AuthorizationApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_AUTHORIZATION_API";
}
/** The device authorization response is incomplete. */
export class DeviceAuthorizationApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_DEVICE_AUTHORIZATION_API";
}
/** The discovery document is unusable. */
export class DiscoveryApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_DISCOVERY_API";
}
/** The introspection response is malformed (no boolean `active`). */
export class IntrospectionApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_INTROSPECTION_API";
}
/** The JWKS response has no keys. */
export class JwksApiException extends OidcApiClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_JWKS_API";
}

/** Auth-code flow preconditions (e.g. neither a browser nor a TTY may be used). */
export class AuthCodeAuthClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_AUTH_CODE_CLIENT";
}
/** Device-code flow preconditions (e.g. terminal input is required). */
export class DeviceCodeAuthClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_DEVICE_CODE_CLIENT";
}
/** Resource-owner flow preconditions (no username / password available). */
export class ResourceOwnerAuthClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_OIDC_RESOURCE_OWNER_CLIENT";
}
