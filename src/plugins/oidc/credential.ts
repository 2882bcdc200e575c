/**
 * The OIDC token file (files-and-profiles.md §3, §4.1): an RFC 6749 token response stored verbatim,
 * plus the reserved `_iat` / `_exp` keys, recomputed on construction with data and on every
 * setData (hence every load).
 */
import { Credential, InvalidDataException, systemClock, type Clock, type JsonObject, type ObjectStorageProvider } from "../../kernel/index.js";
import { decodeJwtPayloadUnverified } from "./validation/jwt-decode.js";

const TOKEN_KEYS = ["access_token", "id_token", "refresh_token"] as const;

function intOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? Math.floor(value) : null;
}

/**
 * `_iat` / `_exp` for token data (files-and-profiles.md §3.1): JWT claims of the access token win over
 * stored values; stored values win over `now` / `expires_in`. Returns a new object; `data` is not mutated.
 */
export function withIssuedAndExpiry(data: JsonObject, nowSeconds: number): JsonObject {
  let claimIat: number | null = null;
  let claimExp: number | null = null;
  const at = data.access_token;
  if (typeof at === "string" && at) {
    try {
      const claims = decodeJwtPayloadUnverified(at);
      claimIat = intOrNull(claims.iat);
      claimExp = intOrNull(claims.exp);
    } catch {
      // opaque access token
    }
  }
  const iat = claimIat ?? intOrNull(data._iat) ?? nowSeconds;
  let exp = claimExp ?? intOrNull(data._exp);
  const expiresIn = data.expires_in;
  if (exp === null && typeof expiresIn === "number" && expiresIn > 0) exp = iat + Math.floor(expiresIn);
  return { ...data, _iat: iat, _exp: exp };
}

/** An OIDC credential: access, ID and refresh tokens. Valid iff at least one of the three is present. */
export class FileBackedOidcCredential extends Credential {
  constructor(data: JsonObject | null = null, filePath: string | null = null, storageProvider: ObjectStorageProvider | null = null, clock: Clock = systemClock) {
    super(data, filePath, storageProvider, clock);
    if (data) this.replaceDataUnchecked(withIssuedAndExpiry(data, Math.floor(clock.now() / 1000)));
  }

  protected override onDataSet(): void {
    const data = this.data();
    if (data) this.replaceDataUnchecked(withIssuedAndExpiry(data, Math.floor(this.clock().now() / 1000)));
  }

  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    if (!TOKEN_KEYS.some((k) => Boolean(data![k]))) {
      throw new InvalidDataException("OIDC credential data is invalid: none of access_token, id_token or refresh_token was found");
    }
  }

  async accessToken(): Promise<string | null> {
    return (await this.lazyGet<string>("access_token")) || null;
  }
  async idToken(): Promise<string | null> {
    return (await this.lazyGet<string>("id_token")) || null;
  }
  async refreshToken(): Promise<string | null> {
    return (await this.lazyGet<string>("refresh_token")) || null;
  }
}
