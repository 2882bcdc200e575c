/**
 * The resource server's side of DPoP (RFC 9449 section 7): which schemes a route accepts, the URL a proof
 * must name, and the checks that bind a proof to the request and to the access token. The proof
 * itself is verified by `DpopProofVerifier` (pure); this module adds what needs the request, the
 * token's claims and the replay store.
 */
import type { JsonObject } from "../kernel/index.js";
import {
  DpopNonces, DpopProofVerifier, InvalidArgumentException, MemoryDpopReplayStore,
  type DpopNonceOptions, type DpopReplayStore, type VerifiedDpopProof,
} from "../plugins/oidc/index.js";

/** `disabled`: Bearer only. `allowed`: Bearer and DPoP. `required`: DPoP only. */
export type DpopMode = "disabled" | "allowed" | "required";

/**
 * DPoP (RFC 9449) settings of the bearer middleware: mode, accepted algorithms, proof age and leeway, server
 * nonces, the replay store and the public base URL requests are checked against.
 */
export interface DpopOptions {
  mode: DpopMode;
  /** Proof algorithms accepted (default ES256/384/512, PS256/384/512, RS256/384/512, EdDSA); never HMAC or `none`. */
  algorithms?: readonly string[];
  /** Oldest proof accepted, seconds (default 60). */
  maxAgeSeconds?: number;
  /** Clock skew tolerated for a proof's `iat`, seconds (default 5). */
  leewaySeconds?: number;
  /**
   * Require server nonces (RFC 9449 section 9): `true` (a secret of this process), the options of
   * `DpopNonces` (a `secret` shared by the replicas), or a `DpopNonces`. Default: no nonce.
   */
  nonce?: boolean | DpopNonceOptions | DpopNonces;
  /**
   * Where proof `jti`s are remembered for their window (default: this process's memory). Give a
   * store every replica shares, such as the Redis storage provider, so a proof replayed against
   * another replica is refused too.
   */
  replayStore?: DpopReplayStore;
  /**
   * The public origin (and path prefix) clients call, e.g. `https://api.example.com`: a proof's `htu`
   * must be this joined with the request's path. Default: built from the request as the framework
   * sees it: its `Host` and scheme, and `X-Forwarded-Proto`/`-Host` only where the application trusts
   * its proxy (Express's `trust proxy`, Fastify's `trustProxy`).
   */
  publicBaseUrl?: string;
}

/** A DPoP refusal: which RFC 9449 / RFC 6750 error, and why (kept as the cause, never sent). */
export class DpopRefusal extends Error {
  constructor(
    readonly error: "invalid_token" | "invalid_dpop_proof" | "use_dpop_nonce" | "invalid_request",
    message: string,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
    this.name = "DpopRefusal";
  }
}

/** The request URL as the client called it: absolute, or relative to a base the caller builds lazily. */
export type RequestUrl = () => string;

/** The resource server's DPoP configuration, checked once. */
export class DpopPolicy {
  readonly mode: DpopMode;
  readonly algorithms: readonly string[];
  readonly #verifier: DpopProofVerifier;
  readonly #nonces?: DpopNonces;
  readonly #replay: DpopReplayStore;
  readonly #base?: URL;

  constructor(options: DpopMode | DpopOptions | undefined) {
    const o: DpopOptions = typeof options === "string" || options === undefined ? { mode: options ?? "disabled" } : options;
    if (!["disabled", "allowed", "required"].includes(o.mode)) throw new InvalidArgumentException('dpop must be "disabled", "allowed" or "required"');
    this.mode = o.mode;
    this.#verifier = new DpopProofVerifier({ algorithms: o.algorithms, maxAgeSeconds: o.maxAgeSeconds, leewaySeconds: o.leewaySeconds });
    this.algorithms = this.#verifier.algorithms;
    if (o.nonce) this.#nonces = o.nonce instanceof DpopNonces ? o.nonce : new DpopNonces(o.nonce === true ? {} : o.nonce);
    if (o.replayStore !== undefined && typeof o.replayStore?.rememberOnce !== "function") {
      throw new InvalidArgumentException("dpop.replayStore must have a rememberOnce(key, ttlMs) method");
    }
    this.#replay = o.replayStore ?? new MemoryDpopReplayStore();
    if (o.publicBaseUrl !== undefined) {
      const base = URL.parse(o.publicBaseUrl);
      if (!base || (base.protocol !== "https:" && base.protocol !== "http:") || base.search || base.hash) {
        throw new InvalidArgumentException("dpop.publicBaseUrl must be an http(s) URL without query or fragment");
      }
      this.#base = base;
    }
  }

  /** The nonce to send with every answer (`DPoP-Nonce`), when nonces are required. */
  currentNonce(): string | undefined {
    return this.#nonces?.current();
  }

  /** The URL a proof must name: the public base joined with the request's path, else what the framework saw. */
  htu(path: string, requestUrl: RequestUrl): string {
    if (!this.#base) return requestUrl();
    const q = path.indexOf("?");
    const pathOnly = q >= 0 ? path.slice(0, q) : path;
    return `${this.#base.origin}${this.#base.pathname.replace(/\/+$/, "")}${pathOnly.startsWith("/") ? pathOnly : `/${pathOnly}`}`;
  }

  /** Verify the proof for a request presenting `token` with the DPoP scheme. Refusals are `DpopRefusal`. */
  verifyProof(proof: string | string[] | undefined, method: string, url: string, token: string): VerifiedDpopProof {
    if (proof === undefined) throw new DpopRefusal("invalid_dpop_proof", "DPoP proof missing");
    if (Array.isArray(proof)) throw new DpopRefusal("invalid_dpop_proof", "More than one DPoP proof");
    const nonces = this.#nonces;
    try {
      return this.#verifier.verify(proof, { method, url, accessToken: token, nonce: nonces ? (n) => nonces.isValid(n) : undefined });
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ERR_USE_DPOP_NONCE") throw new DpopRefusal("use_dpop_nonce", "DPoP nonce required", { cause: err });
      if (code === "ERR_INVALID_DPOP_PROOF") throw new DpopRefusal("invalid_dpop_proof", "DPoP proof refused", { cause: err });
      throw err;
    }
  }

  /**
   * The token must be bound to the proof's key (`cnf.jkt`), and the proof used once: rejects with
   * `DpopRefusal`, or with the replay store's own error when it cannot answer.
   */
  async bind(claims: JsonObject, proof: VerifiedDpopProof): Promise<void> {
    if (boundThumbprint(claims) !== proof.jkt) throw new DpopRefusal("invalid_token", "The access token is not bound to the DPoP proof's key");
    const key = process.getBuiltinModule("node:crypto").createHash("sha256").update(`${proof.jkt}:${proof.jti}`).digest("base64url");
    if (!(await this.#replay.rememberOnce(`dpop:${key}`, proof.replayWindowSeconds * 1000))) {
      throw new DpopRefusal("invalid_dpop_proof", "DPoP proof replayed");
    }
  }
}

/** The `cnf.jkt` of a token's claims (RFC 9449 section 6.1), if it is DPoP-bound. */
export function boundThumbprint(claims: JsonObject): string | undefined {
  const cnf = claims.cnf;
  if (!cnf || typeof cnf !== "object" || Array.isArray(cnf)) return undefined;
  const jkt = (cnf as JsonObject).jkt;
  return typeof jkt === "string" ? jkt : undefined;
}
