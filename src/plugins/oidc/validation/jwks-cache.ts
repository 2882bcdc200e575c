/**
 * JWKS key cache, following jose's remote-JWKS policy: one in-flight fetch shared by every concurrent
 * lookup, a maximum age after which the set is refetched, a fetch timeout, and a cooldown that bounds
 * fetches in every state. After a successful fetch, at most one fetch is attempted per cooldown
 * window, counted from the start of that fetch — whether the set is past its maximum age or lacks a
 * token's `kid` — so a flood of bogus kids never makes every token a fetch. After a failed fetch the
 * next attempt waits a back-off instead: 1 s, doubling with each consecutive failure, up to the
 * cooldown, so a short outage heals within seconds and a long one still costs at most one fetch per
 * cooldown. `retryAfterSeconds` says when the next attempt may start.
 *
 * During an outage the last good key set keeps being used (stale-if-error): a set past its maximum
 * age whose refetch failed still verifies tokens signed with its keys, and a warning is logged once
 * per failed attempt. With no key set at all, lookups within the back-off fail with the last fetch
 * error without fetching. A key removed from a reachable JWKS stops being trusted at the next
 * successful fetch.
 *
 * Keys are imported with jose (`importJWK`, which checks the JWK against its algorithm) and kept as
 * node:crypto `KeyObject`s for the validator's hot path. Entries that cannot be a signature
 * verification key (no `kid`, `use: "enc"`, an encryption `alg`, private or symmetric material, RSA
 * below 2048 bits, unsupported curves...) are skipped with a debug log; the other keys still load.
 */
import type { KeyObject } from "node:crypto";
import type { JWK } from "jose";
import { AuthException, recastMessage, lazyLoader, type AuthLogger, type Clock, systemClock } from "../../../kernel/index.js";
import { TokenValidatorException } from "../token-errors.js";
import type { SignatureAlgorithm } from "./algorithms.js";
import { SIGNATURE_ALGORITHMS, algorithmsForKey } from "./algorithms.js";

/** Fetches the JWKS document. May honour `signal` (aborted when the fetch times out). */
export type JwksFetcher = (signal?: AbortSignal) => Promise<{ keys: unknown[] }>;

/**
 * Options of `JwksKeyCache`: how keys are fetched, their maximum age, the cooldown and timeout, and the
 * clock.
 */
export interface JwksKeyCacheOptions {
  fetchJwks: JwksFetcher;
  clock?: Clock;
  /**
   * The cooldown between fetch attempts, `min_jwks_fetch_interval` in the Python library (default 30 s, as
   * jose's `cooldownDuration`). It bounds how soon a key published after the last fetch is found
   * (a token signed with it fails for at most this long) and how often an unreachable or flooded
   * endpoint is called. The reference's 300 s rejected tokens signed with a freshly rotated key for
   * up to five minutes; 30 s keeps that window short while still costing at most two fetches a
   * minute under any load.
   */
  minJwksFetchIntervalSeconds?: number;
  /** Age after which the key set is refetched before use (default 3600 s; `Infinity` disables). */
  maxAgeSeconds?: number;
  /** Fetch timeout (default 10 000 ms). */
  timeoutMs?: number;
  logger?: AuthLogger;
}

/** A verification key from the JWKS. */
export interface JwksKeyEntry {
  readonly kid: string;
  readonly kty: "RSA" | "EC" | "OKP";
  readonly crv?: string;
  /** The JWK's own `alg`, when it declares one. */
  readonly alg?: string;
  /** The JWK's `use`, when present (always "sig" here). */
  readonly use?: string;
  /** The canonical JWS algorithms this key may verify (narrowed to `alg` when the JWK names one). */
  readonly algorithms: ReadonlySet<string>;
  /** RSA modulus length in bits. */
  readonly modulusLength?: number;
  readonly key: KeyObject;
}

const loadJose = lazyLoader(() => import("jose"));

export const DEFAULT_MIN_FETCH_INTERVAL_SECONDS = 30;
const DEFAULT_MAX_AGE_SECONDS = 3600;
const DEFAULT_TIMEOUT_MS = 10_000;
/** First wait after a failed fetch; it doubles with each consecutive failure, up to the cooldown. */
const FIRST_BACKOFF_MS = 1000;

/** The wait before the next fetch after `failures` consecutive failed ones (1 s, doubling, up to `cooldownMs`). */
export function fetchBackoffMs(failures: number, cooldownMs: number): number {
  return Math.min(FIRST_BACKOFF_MS * 2 ** Math.max(0, failures - 1), cooldownMs);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(jwk: Record<string, unknown>, index: number): string {
  const kid = typeof jwk.kid === "string" ? JSON.stringify(jwk.kid.slice(0, 64)) : "(none)";
  return `JWKS entry #${index} (kid ${kid})`;
}

function nonNegative(name: string, value: number): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new TokenValidatorException(`${name} must be a non-negative number`);
  }
  return value;
}

/**
 * An issuer's signing keys by `kid`, fetched from its JWKS endpoint: one fetch in flight at a time, refetched
 * after a maximum age or for an unknown `kid` at most once per cooldown, with a back-off after failures.
 */
export class JwksKeyCache {
  readonly #fetchJwks: JwksFetcher;
  readonly #clock: Clock;
  readonly #minIntervalMs: number;
  readonly #maxAgeMs: number;
  readonly #timeoutMs: number;
  readonly #logger?: AuthLogger;

  /** kid → usable entries (usually one; a kid reused across key types yields several). */
  #keys = new Map<string, JwksKeyEntry[]>();
  #lastFetch: number | undefined;
  /** Start of the last fetch attempt, successful or not: the cooldown runs from here. */
  #lastAttempt: number | undefined;
  /** The error of the last attempt, if it failed. */
  #lastError: unknown = undefined;
  /** Consecutive failed attempts (0 after a success). */
  #failures = 0;
  #fingerprint = "";
  #generation = 0;
  #fetchCount = 0;
  #inflight: Promise<void> | undefined;

  /** A cache fetching keys with `fetchJwks`. */
  constructor(options: JwksKeyCacheOptions) {
    if (!options || typeof options.fetchJwks !== "function") {
      throw new TokenValidatorException("JwksKeyCache needs a fetchJwks function");
    }
    this.#fetchJwks = options.fetchJwks;
    this.#clock = options.clock ?? systemClock;
    this.#minIntervalMs = nonNegative("minJwksFetchIntervalSeconds", options.minJwksFetchIntervalSeconds ?? DEFAULT_MIN_FETCH_INTERVAL_SECONDS) * 1000;
    this.#maxAgeMs = nonNegative("maxAgeSeconds", options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS) * 1000;
    this.#timeoutMs = nonNegative("timeoutMs", options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#logger = options.logger;
  }

  /** Increments whenever a fetch changes the set of usable keys (0 before the first load). */
  get generation(): number {
    return this.#generation;
  }
  /** Clock time (ms) of the last successful fetch, if any. */
  get lastFetchTime(): number | undefined {
    return this.#lastFetch;
  }
  /** Number of fetches started (successful or not). */
  get fetchCount(): number {
    return this.#fetchCount;
  }
  /** Key IDs currently cached. */
  kids(): string[] {
    return [...this.#keys.keys()];
  }

  #isStale(now: number): boolean {
    return this.#lastFetch === undefined || now - this.#lastFetch >= this.#maxAgeMs;
  }

  /** The wait after the last attempt: the cooldown after a success, the back-off after failures. */
  #intervalMs(): number {
    return this.#failures === 0 ? this.#minIntervalMs : fetchBackoffMs(this.#failures, this.#minIntervalMs);
  }

  /** The wait since the last attempt has passed (strictly). */
  #mayFetch(now: number): boolean {
    return this.#lastAttempt === undefined || this.#lastAttempt + this.#intervalMs() < now;
  }

  /**
   * Whole seconds (at least 1) until the next fetch may start after a failed one: what a server
   * answering `503` puts in `Retry-After`. 0 when the last fetch succeeded.
   */
  get retryAfterSeconds(): number {
    if (this.#failures === 0 || this.#lastAttempt === undefined) return 0;
    return Math.max(1, Math.ceil((this.#lastAttempt + this.#intervalMs() - this.#clock.now()) / 1000));
  }

  #match(kid: string, alg: SignatureAlgorithm): JwksKeyEntry | undefined {
    const entries = this.#keys.get(kid);
    if (!entries) return undefined;
    if (entries.length === 1) return entries[0].algorithms.has(alg.name) ? entries[0] : undefined;
    const usable = entries.filter((e) => e.algorithms.has(alg.name));
    // Two keys with one kid usable for one algorithm is ambiguous: refuse (as jose does).
    return usable.length === 1 ? usable[0] : undefined;
  }

  /**
   * Synchronous lookup that never fetches: the key for `kid` usable with `alg`, if a set is loaded and
   * is either within its max age or past it with a refetch not yet permitted (the last good set during
   * an outage). The validator's hot path; `getKey` covers every other case.
   */
  peekKey(kid: string, alg: SignatureAlgorithm): JwksKeyEntry | undefined {
    if (this.#inflight || this.#lastFetch === undefined) return undefined;
    const now = this.#clock.now();
    if (this.#isStale(now) && this.#mayFetch(now)) return undefined;
    return this.#match(kid, alg);
  }

  /**
   * The key for `kid` usable with `alg`. Fetches the JWKS (at most once per cooldown) when the set is
   * missing or past its max age, or when `kid` is unknown. Undefined when no such key exists. Errors:
   * with no key set at all, the fetch error (also within the cooldown after a failed attempt, without
   * fetching); for a set past its max age whose refetch failed, only when `kid` is not in it; for an
   * unknown `kid` whose refetch failed, that error. Library exceptions (the JWKS client's) pass as
   * they are, anything else as `TokenValidatorException`.
   */
  async getKey(kid: string, alg: SignatureAlgorithm): Promise<JwksKeyEntry | undefined> {
    if (this.#inflight) return this.#afterAttempt(kid, alg, await this.#settled(this.#inflight));
    const now = this.#clock.now();
    if (!this.#isStale(now)) {
      const found = this.#match(kid, alg);
      if (found) return found;
      const shownKid = JSON.stringify(kid.slice(0, 64));
      if (!this.#mayFetch(now)) {
        this.#logger?.debug(`JWKS has no usable key for key ID ${shownKid} and ${alg.name}; refetch throttled`);
        return undefined;
      }
      this.#logger?.debug(`JWKS has no usable key for key ID ${shownKid} and ${alg.name}; refetching`);
      return this.#afterAttempt(kid, alg, await this.#settled(this.refresh()));
    }
    if (this.#mayFetch(now)) return this.#afterAttempt(kid, alg, await this.#settled(this.refresh()));
    return this.#afterAttempt(kid, alg, this.#lastError);
  }

  /**
   * The key after a fetch attempt (or none permitted) that ended with `error` (undefined: success).
   * A failed attempt still answers from the last good set (stale-if-error).
   */
  #afterAttempt(kid: string, alg: SignatureAlgorithm, error: unknown): JwksKeyEntry | undefined {
    const found = this.#match(kid, alg);
    if (error === undefined || found) return found;
    throw error;
  }

  async #settled(attempt: Promise<void>): Promise<unknown> {
    try {
      await attempt;
      return undefined;
    } catch (e) {
      return e;
    }
  }

  /** Fetch the JWKS now and replace the cache (joins a fetch already in flight). Ignores the cooldown. */
  refresh(): Promise<void> {
    if (!this.#inflight) {
      this.#inflight = this.#load().then(
        () => {
          this.#lastError = undefined;
          this.#failures = 0;
        },
        (e: unknown) => {
          this.#lastError = e;
          this.#failures++;
          if (this.#lastFetch !== undefined) {
            const ageSeconds = Math.round((this.#clock.now() - this.#lastFetch) / 1000);
            this.#logger?.warning(`JWKS fetch failed; still using the key set fetched ${ageSeconds} s ago`, { exception: e });
          }
          throw e;
        },
      ).finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #fetchWithTimeout(): Promise<unknown> {
    this.#fetchCount++;
    this.#lastAttempt = this.#clock.now();
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const err = new TokenValidatorException(`JWKS fetch timed out after ${this.#timeoutMs} ms`);
        controller.abort(err);
        reject(err);
      }, this.#timeoutMs);
      timer.unref?.();
    });
    try {
      return await Promise.race([Promise.resolve().then(() => this.#fetchJwks(controller.signal)), timeout]);
    } catch (e) {
      if (e instanceof AuthException) throw e;
      throw new TokenValidatorException(`JWKS fetch failed: ${recastMessage(e)}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  async #load(): Promise<void> {
    const jwks = await this.#fetchWithTimeout();
    if (!isPlainObject(jwks) || !Array.isArray(jwks.keys)) {
      throw new TokenValidatorException('JWKS document is malformed: no "keys" array');
    }
    const imported = await Promise.all(jwks.keys.map((jwk, i) => this.#importEntry(jwk, i)));
    const keys = new Map<string, JwksKeyEntry[]>();
    const prints: string[] = [];
    for (const item of imported) {
      if (!item) continue;
      const [entry, print] = item;
      const list = keys.get(entry.kid);
      if (list) list.push(entry);
      else keys.set(entry.kid, [entry]);
      prints.push(print);
    }
    const fingerprint = prints.sort().join("\n");
    this.#keys = keys;
    this.#lastFetch = this.#clock.now();
    if (fingerprint !== this.#fingerprint || this.#generation === 0) {
      this.#fingerprint = fingerprint;
      this.#generation++;
    }
    this.#logger?.debug(`JWKS loaded: ${prints.length} usable key(s) of ${jwks.keys.length}`);
  }

  /** Turn one JWKS member into a verification key, or undefined (skipped, debug-logged). */
  async #importEntry(raw: unknown, index: number): Promise<[JwksKeyEntry, string] | undefined> {
    const skip = (why: string): undefined => {
      this.#logger?.debug(`Skipping ${isPlainObject(raw) ? describe(raw, index) : `JWKS entry #${index}`}: ${why}`);
      return undefined;
    };
    if (!isPlainObject(raw)) return skip("not a JSON object");
    const jwk = raw;
    const { kid, kty, crv, alg, use } = jwk;
    const keyOps = jwk.key_ops;
    if (typeof kid !== "string" || kid.length === 0) return skip('no "kid"');
    if (kty !== "RSA" && kty !== "EC" && kty !== "OKP") return skip(`key type ${JSON.stringify(kty)} cannot verify signatures`);
    if (use !== undefined && use !== "sig") return skip(`"use" is ${JSON.stringify(use)}, not "sig"`);
    if (keyOps !== undefined && !(Array.isArray(keyOps) && keyOps.every((op) => typeof op === "string") && new Set(keyOps).size === keyOps.length && keyOps.includes("verify"))) {
      return skip('"key_ops" does not allow "verify"');
    }
    if (jwk.ext !== undefined && typeof jwk.ext !== "boolean") return skip('"ext" is not a boolean');
    if (jwk.d !== undefined || jwk.p !== undefined || jwk.k !== undefined) return skip("private or symmetric key material in a JWKS");
    let candidates = algorithmsForKey(kty, typeof crv === "string" ? crv : undefined);
    if (alg !== undefined) {
      const declared = typeof alg === "string" ? SIGNATURE_ALGORITHMS.get(alg) : undefined;
      if (!declared || !candidates.includes(declared)) return skip(`"alg" ${JSON.stringify(alg)} is not a supported signature algorithm for this key`);
      candidates = [declared];
    }
    if (candidates.length === 0) return skip(`unsupported ${kty} key (crv ${JSON.stringify(crv)})`);
    let key: KeyObject;
    try {
      // jose checks the JWK's parameters for the algorithm; node:crypto gets the KeyObject.
      const { importJWK } = await loadJose();
      const imported = await importJWK(jwk as JWK, candidates[0].name, { extractable: true });
      if (imported instanceof Uint8Array) return skip("symmetric key");
      // Decoded again from its SPKI form: a key OpenSSL decodes itself verifies measurably faster
      // (about 0.5 µs per RS256 signature) than one assembled from JWK parameters.
      const { KeyObject, createPublicKey } = process.getBuiltinModule("node:crypto");
      const fromJwk = KeyObject.from(imported);
      key = fromJwk.type === "public" ? createPublicKey({ key: fromJwk.export({ type: "spki", format: "der" }), format: "der", type: "spki" }) : fromJwk;
    } catch (e) {
      return skip(`cannot import key (${recastMessage(e)})`);
    }
    if (key.type !== "public") return skip("not a public key");
    let modulusLength: number | undefined;
    if (kty === "RSA") {
      modulusLength = key.asymmetricKeyDetails?.modulusLength;
      if (!modulusLength || modulusLength < 2048) return skip(`RSA modulus of ${modulusLength} bits is below 2048`);
    }
    const algorithms = new Set(candidates.map((a) => a.name));
    const entry: JwksKeyEntry = {
      kid,
      kty,
      crv: typeof crv === "string" ? crv : undefined,
      alg: typeof alg === "string" ? alg : undefined,
      use: typeof use === "string" ? use : undefined,
      algorithms,
      modulusLength,
      key,
    };
    const material = kty === "RSA" ? `${jwk.n}|${jwk.e}` : `${jwk.x}|${jwk.y ?? ""}`;
    return [entry, `${kid}|${kty}|${entry.crv ?? ""}|${[...algorithms].join(",")}|${material}`];
  }
}
