/** Token introspection (RFC 7662). */
import { IntrospectionRejectionTokenException } from "../token-errors.js";
import { IntrospectionApiException } from "../errors.js";
import { OidcApiClient, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";
import type { ClientAuthStrategy } from "./client-auth.js";

/** The `token_type_hint` of an introspection request. */
export type IntrospectionTokenTypeHint = "access_token" | "id_token" | "refresh_token";
export interface IntrospectionResponse extends JsonObject {
  active: true;
}
export interface IntrospectionCallOptions extends CallOptions {
  clientAuth?: ClientAuthStrategy;
}

export class IntrospectionApiClient extends OidcApiClient {
  /** A client of the introspection endpoint at `introspectionUri`. */
  constructor(options: ApiClientDeps & { introspectionUri: string }) {
    super(options, options.introspectionUri);
  }

  /**
   * Introspect `token`. `active: true` ⇒ the whole response; `active: false` ⇒
   * IntrospectionRejectionTokenException; `active` missing / not boolean ⇒ IntrospectionApiException.
   */
  async introspect(token: string, tokenTypeHint: IntrospectionTokenTypeHint, options: IntrospectionCallOptions = {}): Promise<IntrospectionResponse> {
    const res = await this.postFormJson({ token, token_type_hint: tokenTypeHint }, options.clientAuth, options);
    if (typeof res.active !== "boolean") {
      throw new IntrospectionApiException("Unexpected introspection response: no boolean 'active' field");
    }
    if (!res.active) throw new IntrospectionRejectionTokenException(`Token (${tokenTypeHint}) is not active (introspection)`);
    return res as IntrospectionResponse;
  }

  /** Introspect an access token (RFC 7662); an inactive token is an `InvalidTokenException`. */
  validateAccessToken(accessToken: string, options?: IntrospectionCallOptions) {
    return this.introspect(accessToken, "access_token", options);
  }
  /** Introspect an ID token; an inactive token is an `InvalidTokenException`. */
  validateIdToken(idToken: string, options?: IntrospectionCallOptions) {
    return this.introspect(idToken, "id_token", options);
  }
  /** Introspect a refresh token; an inactive token is an `InvalidTokenException`. */
  validateRefreshToken(refreshToken: string, options?: IntrospectionCallOptions) {
    return this.introspect(refreshToken, "refresh_token", options);
  }
}
