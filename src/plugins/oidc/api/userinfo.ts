/**
 * The OIDC userinfo endpoint: GET with the access token, no client auth. A client whose tokens are
 * DPoP-bound sends `Authorization: DPoP` with a proof of the request (RFC 9449 section 7.1).
 */
import { OidcApiClient, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";
import type { DpopKeyHolder } from "../dpop-key.js";

export class UserinfoApiClient extends OidcApiClient {
  readonly dpop?: DpopKeyHolder;

  /** A client of the userinfo endpoint at `userinfoUri`. */
  constructor(options: ApiClientDeps & { userinfoUri: string; dpop?: DpopKeyHolder }) {
    super(options, options.userinfoUri);
    this.dpop = options.dpop;
  }

  /** The userinfo endpoint's claims for the user of an access token. */
  async userinfoFromAccessToken(accessToken: string, options: CallOptions = {}): Promise<JsonObject> {
    if (!this.dpop) return this.getJson({ ...options, headers: { Authorization: `Bearer ${accessToken}` } });
    await this.dpop.key();
    const proof = this.dpop.proof({ method: "GET", url: this.endpointUrl, accessToken });
    return this.getJson({ ...options, headers: { Authorization: `DPoP ${accessToken}`, DPoP: proof } });
  }
}
