export { TokenValidator, DEFAULT_MAX_TOKEN_LENGTH, prepareToken } from "./token-validator.js";
export type { PreparedToken, TokenValidatorOptions, ValidateTokenOptions, ValidateIdTokenOptions } from "./token-validator.js";
export { JwksKeyCache } from "./jwks-cache.js";
export type { JwksFetcher, JwksKeyCacheOptions, JwksKeyEntry } from "./jwks-cache.js";
export { decodeJwtUnverified, decodeJwtPayloadUnverified, parseCompactJwt, MalformedJwtError } from "./jwt-decode.js";
export type { DecodedJwt, JwtHeader, JwtPayload, ParsedJwt } from "./jwt-decode.js";
export { SIGNATURE_ALGORITHMS, CANONICAL_ALGORITHM_NAMES } from "./algorithms.js";
export type { SignatureAlgorithm, SignatureKeyType } from "./algorithms.js";
