/** Token revocation (RFC 7009). Any non-error response succeeds; the body is ignored. */
import { OidcApiClient, type ApiClientDeps, type CallOptions } from "./api-client.js";
import type { ClientAuthStrategy } from "./client-auth.js";

export interface RevocationCallOptions extends CallOptions {
  clientAuth?: ClientAuthStrategy;
}

export class RevocationApiClient extends OidcApiClient {
  /** A client of the revocation endpoint at `revocationUri`. */
  constructor(options: ApiClientDeps & { revocationUri: string }) {
    super(options, options.revocationUri);
  }

  /** Revoke a token (RFC 7009), with its type as a hint. */
  async revoke(token: string, tokenTypeHint: "access_token" | "refresh_token", options: RevocationCallOptions = {}): Promise<void> {
    await this.postForm({ token, token_type_hint: tokenTypeHint }, options.clientAuth, options);
  }
  /** Revoke an access token. */
  revokeAccessToken(accessToken: string, options?: RevocationCallOptions): Promise<void> {
    return this.revoke(accessToken, "access_token", options);
  }
  /** Revoke a refresh token. */
  revokeRefreshToken(refreshToken: string, options?: RevocationCallOptions): Promise<void> {
    return this.revoke(refreshToken, "refresh_token", options);
  }
}
