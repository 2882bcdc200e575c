export { TokenValidator, DEFAULT_MAX_TOKEN_LENGTH } from "./token-validator.js";
export type { TokenValidatorOptions, ValidateTokenOptions, ValidateIdTokenOptions } from "./token-validator.js";
export { JwksKeyCache } from "./jwks-cache.js";
export type { JwksFetcher, JwksKeyCacheOptions, JwksKeyEntry } from "./jwks-cache.js";
export { decodeJwtUnverified, decodeJwtPayloadUnverified, parseCompactJwt, MalformedJwtError } from "./jwt-decode.js";
export type { DecodedJwt, JwtHeader, JwtPayload, ParsedJwt } from "./jwt-decode.js";
export { SIGNATURE_ALGORITHMS, CANONICAL_ALGORITHM_NAMES } from "./algorithms.js";
export type { SignatureAlgorithm, SignatureKeyType, SignatureVerification } from "./algorithms.js";
export {
  DpopProofVerifier, InvalidDpopProofException, UseDpopNonceException, accessTokenHash, jwkThumbprint, normalizeHtu,
  DEFAULT_DPOP_ALGORITHMS, DEFAULT_DPOP_LEEWAY_SECONDS, DEFAULT_DPOP_MAX_AGE_SECONDS,
} from "./dpop-proof.js";
export type { DpopProofVerifierOptions, DpopRequest, VerifiedDpopProof } from "./dpop-proof.js";
export { MemoryDpopReplayStore, DpopReplayStoreException, DEFAULT_MEMORY_REPLAY_STORE_SIZE } from "./dpop-replay.js";
export type { DpopReplayStore, MemoryDpopReplayStoreOptions } from "./dpop-replay.js";
export { DpopNonces } from "./dpop-nonce.js";
export type { DpopNonceOptions } from "./dpop-nonce.js";
