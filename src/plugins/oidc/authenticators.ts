/**
 * OIDC request authenticators (the Python library's RefreshingOidcTokenRequestAuthenticator,
 * RefreshOrReloginOidcTokenRequestAuthenticator and OidcClientValidatorRequestAuthenticator),
 * improved over the reference:
 *
 * - refresh at ¾ of the token lifetime (`refresh_at = floor(iat + 3/4·(exp − iat))`), re-reading the
 *   token file first (another process may have refreshed);
 * - single flight in process: concurrent requests needing a refresh share one promise; while the
 *   current token is unexpired the refresh runs in the background and requests do not wait;
 * - a cross-process lock around re-read → refresh → save, re-reading after acquiring and skipping the
 *   refresh when the file already holds a fresh token;
 * - a refresh response without `refresh_token` keeps the previous one (the auth client's `refresh` does that);
 * - capped exponential back-off after a failed refresh, counted from the failure: no file read or
 *   network wait per request;
 * - `invalid_grant` falls back to unattended login where the client can (Refresh-or-Relogin);
 * - no request leaves without a credential: with no token at all, decorating throws
 *   NoCredentialException; lenient mode (the default) only sends a still-held expired token, and
 *   `strict` throws the refresh error instead; the last refresh error is exposed;
 * - the hot path (a fresh token in memory) is synchronous: no I/O, no promise.
 */
import {
  AuthClientException, AuthException, CorruptObjectException, CredentialRequestAuthenticator, ObjectNotFoundException, RequestAuthenticator,
  systemClock, type AuthLogger, type Clock, type Credential, type JsonObject, type LoginOptions, type MutableHeaders, type RequestTarget,
  type ResponseHeaderReader,
} from "../../kernel/index.js";
import { FileBackedOidcCredential } from "./credential.js";
import type { DpopKeyHolder } from "./dpop-key.js";
import { OidcApiClientException } from "./errors.js";

/** A `WWW-Authenticate` challenge naming the error `use_dpop_nonce` (RFC 9449 section 9), quoted or not. */
const USE_DPOP_NONCE = /(?:^|[\s,])error\s*=\s*"?use_dpop_nonce(?:"|\s|,|$)/i;

/** What the authenticators need from an auth client. */
export interface OidcRefreshClient {
  /** Obtain a new credential with the refresh token. */
  refresh(refreshToken: string | null, requestedScopes?: string[], extra?: JsonObject): Promise<Credential>;
  /** Log in again (when the refresh token no longer works). */
  login(options?: LoginOptions): Promise<Credential>;
  /** True when `login` needs no person. */
  canLoginUnattended(): boolean;
}

/** How long a refreshing authenticator waits after failed refreshes before trying again. */
export interface BackoffOptions {
  /** Delay after the first failure. Default 1 s. */
  initialMs?: number;
  /** Cap of the exponential delay. Default 5 min. */
  maxMs?: number;
  /** Cap while no usable (unexpired) token is held, so recovery is quick. Default 5 s. */
  maxWhileUnusableMs?: number;
}

/**
 * Options of the refreshing OIDC request authenticators: strict mode, refresh back-off, the lock, the logger
 * and clock, and the DPoP key.
 */
export interface OidcAuthenticatorOptions {
  clock?: Clock;
  logger?: AuthLogger;
  /** Throw the refresh error from the pre-request hook when no usable token is left. Default false. */
  strict?: boolean;
  /** The client_type named in errors. */
  clientType?: string;
  backoff?: BackoffOptions;
  /**
   * Take the token storage's cross-process lock (`withLock`) around "re-read, refresh, save"
   * (default true). `false`/`null`: refreshes are single-flight within this process only.
   */
  lock?: boolean | null;
  /**
   * The client's DPoP key (RFC 9449). A token the server issued as `token_type: DPoP` is then sent as
   * `Authorization: DPoP <token>` with a `DPoP` proof of each request's method and URL.
   */
  dpop?: DpopKeyHolder;
}

/** `true` for the OAuth error that means the refresh token is no longer usable. */
function isInvalidGrant(err: unknown): boolean {
  return err instanceof OidcApiClientException && err.errorCode === "invalid_grant";
}

function describeError(err: unknown): string {
  if (err instanceof AuthException) return `${err.name} [${err.code}]`;
  return err instanceof Error ? err.name : typeof err;
}

/**
 * Default for auth-code and device-code clients: `Authorization: Bearer <access_token>`, refreshed with
 * the refresh token.
 */
export class RefreshingOidcTokenRequestAuthenticator extends CredentialRequestAuthenticator<FileBackedOidcCredential> {
  /** RFC 6750 section 2.1: `Authorization: Bearer <access token>`. */
  override tokenPrefix: string | null = "Bearer";
  protected readonly authClient: OidcRefreshClient | null;
  protected readonly clock: Clock;
  protected readonly logger?: AuthLogger;
  readonly strict: boolean;
  readonly #lock: boolean;
  #reportedNoLock = false;
  readonly #backoff: Required<BackoffOptions>;

  #refreshAt: number | null = 0;
  #exp: number | null = null;
  /** Hot path: the token is fresh while `clock.now() < #freshUntilMs`. */
  #freshUntilMs = 0;
  #inFlight: Promise<void> | null = null;
  /** Requests waiting for a usable token: woken as soon as one is held, before the refresh has finished (saving, releasing the lock). */
  #tokenArrived: { promise: Promise<void>; resolve: () => void } | null = null;
  #failures = 0;
  #retryAtMs = 0;
  #lastRefreshError: unknown = null;
  /** Why the token file could not be read, other than not existing. */
  #readError: unknown = null;
  #refreshCount = 0;
  readonly #dpop?: DpopKeyHolder;
  /** The token held is DPoP-bound (`token_type: DPoP`) and this authenticator has its key. */
  #dpopBound = false;
  override readonly credentialHeaders: readonly string[];

  /**
   * An authenticator around an OIDC credential (null: none yet); `authClient` refreshes it (null: it cannot
   * be refreshed).
   */
  constructor(credential: FileBackedOidcCredential | null, authClient: OidcRefreshClient | null = null, options: OidcAuthenticatorOptions = {}) {
    super(credential ?? new FileBackedOidcCredential(null, null, null, options.clock ?? systemClock));
    this.authClient = authClient;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
    this.strict = options.strict ?? false;
    this.clientType = options.clientType ?? null;
    this.#lock = options.lock !== false && options.lock !== null;
    this.#dpop = options.dpop;
    this.credentialHeaders = options.dpop ? ["DPoP"] : [];
    this.#backoff = {
      initialMs: options.backoff?.initialMs ?? 1000,
      maxMs: options.backoff?.maxMs ?? 300_000,
      maxWhileUnusableMs: options.backoff?.maxWhileUnusableMs ?? 5000,
    };
  }

  /** Epoch seconds after which the token is refreshed; null = never; 0 = not primed yet. */
  refreshAt(): number | null {
    return this.#refreshAt;
  }
  /** The error of the last failed refresh, or null after a success. */
  lastRefreshError(): unknown {
    return this.#lastRefreshError;
  }
  /** Consecutive failed refreshes. */
  consecutiveFailures(): number {
    return this.#failures;
  }
  /** Refreshes (or re-logins) this authenticator performed itself. */
  refreshCount(): number {
    return this.#refreshCount;
  }

  protected override checkCredentialType(credential: Credential): void {
    if (!(credential instanceof FileBackedOidcCredential)) {
      throw new TypeError(`Expected a FileBackedOidcCredential, got ${credential?.constructor?.name ?? typeof credential}`);
    }
  }

  override updateCredential(credential: FileBackedOidcCredential): void {
    super.updateCredential(credential);
    this.#refreshAt = 0;
    this.#exp = null;
    this.#freshUntilMs = 0;
    this.#resetFailures();
  }

  override async updateCredentialData(data: JsonObject): Promise<void> {
    await super.updateCredentialData(data);
    this.#resetFailures();
    await this.prime();
  }

  /**
   * Synchronous when the token in memory is fresh (the hot path), and also while an unexpired token
   * is held: past the refresh point the refresh runs in the background and the current token is
   * sent. Only a request with no token, or an expired one, waits for the first refresh attempt
   * (until a fresh token is held: the refresh's own once saved, or another process's once read;
   * not for the lock's release);
   * once an attempt has failed, later requests do not wait on the network (retries run in the
   * background on the back-off schedule) and are decided with what is held.
   */
  preRequestHook(): void | Promise<void> {
    if (this.tokenBody && this.clock.now() < this.#freshUntilMs) return;
    return this.#slowPath();
  }

  #slowPath(): void | Promise<void> {
    const now = this.clock.now();
    const backingOff = this.#failures > 0 && now < this.#retryAtMs;
    if (!this.#inFlight && !backingOff) this.#startRefresh();
    if (this.#usable(now)) return;
    if (this.#inFlight && this.#failures === 0) return this.#waitForToken(true);
    return this.#checkHeld();
  }

  /**
   * Wait for a usable token or the end of the refresh in flight. That refresh may have begun before
   * this request's need (it can still be finishing, e.g. releasing its lock, after the requests it
   * served went on, and the clock may have moved past its token since): when it ends without a
   * usable token and without failing, one more refresh is started for this request.
   */
  #waitForToken(mayRetry: boolean): Promise<void> {
    return Promise.race([this.#inFlight, this.#freshToken()]).then(() => {
      if (!mayRetry || this.#usable(this.clock.now()) || this.#failures > 0) return this.#checkHeld();
      if (!this.#inFlight) this.#startRefresh();
      return this.#waitForToken(false);
    });
  }

  /**
   * Resolves when a fresh token is held (usable, and not past its refresh point): the one this refresh
   * obtained, or one another process wrote (read through the storage's `watch`), without waiting for
   * the rest of the refresh. A stored token past its refresh point does not end the wait: the first
   * request of an authenticator waits for that refresh, as before.
   */
  #freshToken(): Promise<void> {
    if (!this.#tokenArrived) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#tokenArrived = { promise, resolve };
    }
    return this.#tokenArrived.promise;
  }

  #startRefresh(): void {
    this.#inFlight = this.#refreshIfNeeded().finally(() => {
      this.#inFlight = null;
    });
  }

  /**
   * After waiting (or when not waiting): no token at all ⇒ NoCredentialException (thrown when the
   * headers are applied); an expired token after a failed refresh is sent in lenient mode, and the
   * refresh error is thrown in strict mode.
   */
  #checkHeld(): void | Promise<void> {
    if (this.strict && this.tokenBody && !this.#usable(this.clock.now()) && this.#lastRefreshError) {
      return Promise.reject(this.#lastRefreshError);
    }
  }

  /** Resolves once the refresh running in the background, if any, has finished (it never rejects). */
  async refreshSettled(): Promise<void> {
    await this.#inFlight;
  }

  /** `refreshIfNeeded` also waits for a background refresh, so the credential returned is the newest. */
  override async credential(refreshIfNeeded = false): Promise<FileBackedOidcCredential | null> {
    const cred = await super.credential(refreshIfNeeded);
    if (!refreshIfNeeded || !this.#inFlight) return cred;
    await this.#inFlight;
    return this._credential;
  }

  /** Why no token is held: the token file's refusal (e.g. a token of another auth server), else the last refresh error. */
  protected override noCredentialCause(): unknown {
    // A corrupt file's parse error may quote the file: it is not repeated in the message.
    if (this.#readError && !(this.#readError instanceof CorruptObjectException)) return this.#readError;
    return this.#lastRefreshError ?? undefined;
  }

  /** Load the token file (if any) and derive the header and the refresh point. Errors propagate. */
  async prime(): Promise<void> {
    const cred = this._credential;
    if (cred?.path()) await cred.load();
    await this.#dpop?.key();
    this.#primeFromMemory();
  }

  /**
   * A DPoP-bound token goes out as `Authorization: DPoP <token>` with a proof of this request (RFC 9449
   * section 7.1), signed synchronously with the key loaded by `prime`. Without the request's method and
   * URL no proof can be made, and the token is not sent.
   */
  override applyHeaders(headers: MutableHeaders, target?: RequestTarget): void {
    super.applyHeaders(headers, target);
    if (!this.#dpopBound) return;
    if (!target) {
      throw new AuthClientException(
        "This token is DPoP-bound: each request needs a proof of its method and URL. Send requests through the got, fetch or axios adapters, or pass { method, url } to authorizationHeaders()",
        { clientType: this.clientType ?? undefined },
      );
    }
    headers.DPoP = this.#dpop!.proof({ method: target.method, url: target.url, accessToken: this.tokenBody! });
  }

  /** A resource server's `DPoP-Nonce` is used in the next proof sent to it (RFC 9449 section 9). */
  override observeResponse(url: string, header: ResponseHeaderReader): void {
    if (this.#dpop) this.#dpop.rememberNonce(url, header("dpop-nonce"));
  }

  /**
   * A resource server that refused a DPoP request for want of a nonce (401 with `error="use_dpop_nonce"`
   * and a `DPoP-Nonce`, RFC 9449 section 9) gets it once more, with a proof carrying that nonce.
   */
  override wantsResend(url: string, status: number, header: ResponseHeaderReader): boolean {
    if (status !== 401 || !this.#dpopBound) return false;
    const nonce = header("dpop-nonce");
    return Boolean(nonce) && this.#dpop!.nonceFor(url) === nonce && USE_DPOP_NONCE.test(header("www-authenticate") ?? "");
  }

  #primeFromMemory(): void {
    const data = this._credential?.data();
    const token = data?.access_token;
    this.tokenBody = typeof token === "string" && token ? token : null;
    this.#dpopBound = Boolean(this.#dpop) && typeof data?.token_type === "string" && data.token_type.toLowerCase() === "dpop";
    this.tokenPrefix = this.#dpopBound ? "DPoP" : "Bearer";
    const iat = typeof data?._iat === "number" ? data._iat : 0;
    const exp = typeof data?._exp === "number" ? data._exp : null;
    this.#exp = exp;
    this.#refreshAt = exp === null ? null : Math.floor(iat + (3 / 4) * (exp - iat));
    this.#freshUntilMs = !this.tokenBody ? 0 : this.#refreshAt === null ? Infinity : (this.#refreshAt + 1) * 1000;
    const now = this.clock.now();
    if (this.#tokenArrived && this.#usable(now) && !this.#needsRefresh(now)) {
      this.#tokenArrived.resolve();
      this.#tokenArrived = null;
    }
  }

  /** A refresh is needed with no token, or when `now > refresh_at` (integer seconds), as in the Python library. */
  #needsRefresh(nowMs: number): boolean {
    if (!this.tokenBody) return true;
    if (this.#refreshAt === null) return false;
    return Math.floor(nowMs / 1000) > this.#refreshAt;
  }

  /** A token is held and not expired at `nowMs`. */
  #usable(nowMs: number): boolean {
    return Boolean(this.tokenBody) && (this.#exp === null || Math.floor(nowMs / 1000) < this.#exp);
  }

  async #primeQuietly(): Promise<void> {
    try {
      await this.prime();
      this.#readError = null;
    } catch (err) {
      this.#readError = err instanceof ObjectNotFoundException ? null : err;
      if (err instanceof ObjectNotFoundException) this.logger?.debug("No token file yet");
      // The class only: a parse error's text may quote the file.
      else this.logger?.warning(`Could not read the token file: ${describeError(err)}`);
    }
  }

  /** Never rejects: a failure is recorded (back-off, `lastRefreshError`) and the caller decides. */
  async #refreshIfNeeded(): Promise<void> {
    await this.#primeQuietly();
    const now = this.clock.now();
    if (!this.#needsRefresh(now)) return this.#resetFailures();
    if (!this.authClient) return;
    try {
      await this.#withLock(now, async (locked) => {
        if (locked) {
          await this.#primeQuietly(); // another process may have refreshed while we waited
          if (!this.#needsRefresh(now)) return;
        }
        const old = this._credential!;
        const fresh = await this.obtainNewCredential(old, this.authClient!);
        await this.#adopt(fresh, old);
      });
      this.#resetFailures();
    } catch (err) {
      this.#recordFailure(err);
    }
  }

  /** Refresh with the refresh token. Overridden by Refresh-or-Relogin. */
  protected async obtainNewCredential(old: FileBackedOidcCredential, client: OidcRefreshClient): Promise<Credential> {
    const refreshToken = old.data()?.refresh_token;
    if (typeof refreshToken !== "string" || !refreshToken) {
      throw new AuthClientException("Cannot refresh the access token: no refresh token is available; log in again");
    }
    return client.refresh(refreshToken);
  }

  /** Save the new credential where the old one lived and switch to it. */
  async #adopt(fresh: Credential, old: FileBackedOidcCredential): Promise<void> {
    if (!(fresh instanceof FileBackedOidcCredential)) {
      throw new TypeError(`The auth client returned a ${fresh?.constructor?.name ?? typeof fresh}, not a FileBackedOidcCredential`);
    }
    fresh.setPath(old.path());
    fresh.setStorageProvider(old.explicitStorageProvider());
    await fresh.save();
    this._credential = fresh;
    this.#refreshCount++;
    this.#primeFromMemory();
    this.logger?.debug("OIDC access token refreshed");
  }

  /**
   * Run `fn` under the token storage's lock when it has one; `locked` tells whether it does. While
   * another process holds the lock, a change of the stored token (the storage's `watch`) is read at
   * once, and a token that no longer needs a refresh at `now` ends the wait without taking the lock:
   * waiters learn of the holder's token when it is written, not when the lock comes free.
   */
  async #withLock(now: number, fn: (locked: boolean) => Promise<void>): Promise<void> {
    const key = this._credential?.path();
    if (!key || !this.#lock) return fn(false);
    const storage = this._credential!.storageProvider();
    if (!storage.withLock) {
      if (!this.#reportedNoLock) {
        this.#reportedNoLock = true;
        this.logger?.debug(`The token storage (${storage.constructor.name}) has no withLock: token refreshes are coordinated within this process only`);
      }
      return fn(false);
    }
    const refreshedElsewhere = new AbortController();
    let stopWatching = () => {};
    try {
      stopWatching = storage.watch?.(key, () => {
        void this.#primeQuietly().then(() => {
          if (!this.#needsRefresh(now)) refreshedElsewhere.abort();
        });
      }) ?? stopWatching;
    } catch {
      // Not watchable: the lock's release ends the wait, and `fn` re-reads.
    }
    try {
      await storage.withLock(key, () => (stopWatching(), fn(true)), { signal: refreshedElsewhere.signal });
    } catch (err) {
      if (!(refreshedElsewhere.signal.aborted && err === refreshedElsewhere.signal.reason)) throw err;
    } finally {
      stopWatching();
    }
  }

  /**
   * The back-off runs from the moment of the failure, not from the start of the attempt: a failing
   * attempt can outlast the first back-off step (a refused connection retried by the HTTP client, a
   * timeout), and counting from its start would let every request begin a new attempt.
   */
  #recordFailure(err: unknown): void {
    const now = this.clock.now();
    this.#failures++;
    this.#lastRefreshError = err;
    const b = this.#backoff;
    const delay = Math.min(b.initialMs * 2 ** (this.#failures - 1), b.maxMs);
    const wait = this.#usable(now) ? delay : Math.min(delay, b.maxWhileUnusableMs);
    this.#retryAtMs = now + wait;
    this.logger?.warning(`Failed to refresh the OIDC token (attempt ${this.#failures}); next attempt in ${wait} ms`, { exception: err });
  }

  #resetFailures(): void {
    this.#failures = 0;
    this.#retryAtMs = 0;
    this.#lastRefreshError = null;
  }
}

/**
 * Default for client-credentials and resource-owner clients: like the refreshing authenticator, but
 * without a refresh token it logs in again (unattended), and when the refresh token is rejected
 * (`invalid_grant`) it falls back to unattended login where the client can.
 */
export class RefreshOrReloginOidcTokenRequestAuthenticator extends RefreshingOidcTokenRequestAuthenticator {
  protected override async obtainNewCredential(old: FileBackedOidcCredential, client: OidcRefreshClient): Promise<Credential> {
    const refreshToken = old.data()?.refresh_token;
    const relogin = () => client.login({ allowOpenBrowser: false, allowTtyPrompt: false });
    if (typeof refreshToken !== "string" || !refreshToken) return relogin();
    try {
      return await client.refresh(refreshToken);
    } catch (err) {
      if (isInvalidGrant(err) && client.canLoginUnattended()) {
        this.logger?.info("The refresh token was rejected (invalid_grant); logging in again", { exception: err });
        return relogin();
      }
      throw err;
    }
  }
}

/**
 * The `oidc_client_validator` authenticator: the validator cannot authenticate outgoing requests, so
 * any use is a configuration error.
 */
export class OidcClientValidatorRequestAuthenticator extends RequestAuthenticator {
  preRequestHook(): never {
    throw new AuthException(
      "The oidc_client_validator client type only validates tokens; it cannot authenticate outgoing requests. Use a client type that can log in.",
      { clientType: "oidc_client_validator" },
    );
  }
}
