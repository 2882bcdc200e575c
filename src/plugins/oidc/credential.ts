/**
 * The OIDC token file: an RFC 6749 token response stored verbatim, plus the reserved `_iat` / `_exp`
 * keys, recomputed on construction with data and on every setData (hence every load).
 */
import {
  Credential, InvalidDataException, isFloatInSource, markFloat, systemClock, type Clock, type JsonObject,
  type ObjectStorageProvider,
} from "../../kernel/index.js";
import { decodeJwtPayloadUnverified } from "./validation/jwt-decode.js";

const TOKEN_KEYS = ["access_token", "id_token", "refresh_token"] as const;

/**
 * The longest lifetime a token is given, in seconds (365 days): a server's longer `expires_in` or
 * `exp` counts as this, so the token is still refreshed (at ¾ of it) rather than kept forever.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 365 * 24 * 3600;

/** A usable time value: a finite number, kept exactly as given (1700003600.5 stays as it is). */
function timeOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/**
 * `_iat` / `_exp` for token data, as the reference computes them: the access token's JWT claims
 * (decoded, not verified) win over stored values; stored values win over `now` / `_iat + expires_in`.
 * Values keep their exact number (floats stay floats). Two departures keep a token from living
 * forever: a claim that is present but not a number is skipped like a missing one, and if the `exp`
 * claim was unusable and nothing else gives an expiry, the token counts as expired when issued
 * (`_exp = _iat`), so it is refreshed rather than trusted; and no token lives longer than
 * `MAX_TOKEN_LIFETIME_SECONDS` after `_iat`. Returns a new object; `data` is not mutated. Empty
 * data stays empty.
 */
function withIssuedAndExpiry(data: JsonObject, nowSeconds: number): JsonObject {
  if (Object.keys(data).length === 0) return data;
  let claims: Record<string, unknown> = {};
  const at = data.access_token;
  if (typeof at === "string" && at) {
    try {
      claims = decodeJwtPayloadUnverified(at);
    } catch {
      // opaque access token
    }
  }
  const claimIat = timeOrNull(claims.iat);
  const claimExp = timeOrNull(claims.exp);
  const storedIat = timeOrNull(data._iat);
  const iat = claimIat ?? storedIat ?? nowSeconds;
  const out: JsonObject = { ...data, _iat: iat, _exp: claimExp ?? timeOrNull(data._exp) };
  const expiresIn = timeOrNull(data.expires_in);
  if (out._exp === null && expiresIn !== null && expiresIn > 0) {
    out._exp = iat + expiresIn;
    // Python's int + float is a float: 1700000000 + 3600.0 is written 1700003600.0.
    if (isFloatInSource(data, "expires_in") || (claimIat === null && storedIat !== null && isFloatInSource(data, "_iat"))) markFloat(out, "_exp");
  }
  if (out._exp === null && claims.exp !== undefined && claims.exp !== null) out._exp = iat;
  // A lifetime beyond the bound (`expires_in: 1e300`, a far `exp`) would never be refreshed.
  if (typeof out._exp === "number" && out._exp - iat > MAX_TOKEN_LIFETIME_SECONDS) out._exp = iat + MAX_TOKEN_LIFETIME_SECONDS;
  return out;
}

/** An OIDC credential: access, ID and refresh tokens. Valid iff at least one of the three is present. */
export class FileBackedOidcCredential extends Credential {
  /**
   * An OIDC credential from a token response, optionally bound to a storage key and provider; `_iat` and
   * `_exp` are derived from `expires_in` by `clock`.
   */
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

  /** The access token, loading the credential if needed. */
  async accessToken(): Promise<string | null> {
    return (await this.lazyGet<string>("access_token")) || null;
  }
  /** The ID token, if the login returned one. */
  async idToken(): Promise<string | null> {
    return (await this.lazyGet<string>("id_token")) || null;
  }
  /** The refresh token, if the login returned one. */
  async refreshToken(): Promise<string | null> {
    return (await this.lazyGet<string>("refresh_token")) || null;
  }
}
