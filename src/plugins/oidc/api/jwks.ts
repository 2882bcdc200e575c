/** The JWKS endpoint. Caching belongs to the token validator, not here. */
import { redactUrl } from "../../../kernel/index.js";
import { JwksApiException } from "../errors.js";
import { OidcApiClient, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";

export interface JsonWebKeySet extends JsonObject {
  keys: JsonObject[];
}

export class JwksApiClient extends OidcApiClient {
  /** A client of the JWKS endpoint at `jwksUri`. */
  constructor(options: ApiClientDeps & { jwksUri: string }) {
    super(options, options.jwksUri);
  }

  /** The whole JWKS document; its `keys` must be a non-empty list (else JwksApiException). */
  async jwks(options: CallOptions = {}): Promise<JsonWebKeySet> {
    const doc = await this.getJson({ ...options, redirect: "same-origin" });
    if (!Array.isArray(doc.keys) || doc.keys.length === 0) {
      throw new JwksApiException(`JWKS from ${redactUrl(this.endpointUrl)} has no keys`);
    }
    return doc as JsonWebKeySet;
  }

  /** Just the key list. */
  async jwksKeys(options: CallOptions = {}): Promise<JsonObject[]> {
    return (await this.jwks(options)).keys;
  }
}
