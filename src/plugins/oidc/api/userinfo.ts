/** The OIDC userinfo endpoint: GET with the bearer access token, no client auth. */
import { OidcApiClient, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";

export class UserinfoApiClient extends OidcApiClient {
  constructor(options: ApiClientDeps & { userinfoUri: string }) {
    super(options, options.userinfoUri);
  }

  userinfoFromAccessToken(accessToken: string, options: CallOptions = {}): Promise<JsonObject> {
    return this.getJson({ ...options, headers: { Authorization: `Bearer ${accessToken}` } });
  }
}
