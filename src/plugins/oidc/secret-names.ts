/**
 * Values that are secret in OAuth requests and responses and in the token file (RFC 6749, RFC 7636
 * `code_verifier`, RFC 7523 `client_assertion`, RFC 8628 `device_code`); the configs' secrets are
 * the schemas' `x-secret` fields.
 */
export const OAUTH_SECRET_NAMES: readonly string[] = [
  "access_token", "refresh_token", "id_token", "token", "code", "code_verifier", "device_code", "client_assertion",
  "client_secret", "password",
];
