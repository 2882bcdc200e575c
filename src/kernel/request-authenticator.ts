/**
 * Request authenticators decorate outgoing HTTP requests with a credential (runtime.md §3).
 * `decorate(headers)` is the primitive: it runs the pre-request hook — synchronous and in memory when
 * nothing needs refreshing — then sets the auth header and `X-Planet-App`. The got, fetch and axios
 * adapters are thin wrappers over it.
 */
import { X_PLANET_APP, X_PLANET_APP_HEADER } from "./version.js";
import type { Credential } from "./credential.js";
import type { JsonObject } from "./storage-provider.js";
import type { AuthLogger } from "./logging.js";

const X_PLANET_APP_LOWER = X_PLANET_APP_HEADER.toLowerCase();

export type MutableHeaders = Record<string, string | string[] | undefined>;

type FetchLike = (input: any, init?: any) => Promise<any>;

export abstract class RequestAuthenticator {
  tokenPrefix: string | null = "Bearer";
  tokenBody: string | null = null;
  authHeader = "Authorization";

  /**
   * Prepare `tokenBody` for the next request (may refresh). Return nothing when the work was done
   * synchronously, so the common path allocates no promise.
   */
  abstract preRequestHook(): void | Promise<void>;

  /** Set the auth header (when there is a token) and X-Planet-App (when absent) on a header record. */
  applyHeaders(headers: MutableHeaders): void {
    const body = this.tokenBody;
    if (body) headers[this.authHeader] = this.tokenPrefix ? `${this.tokenPrefix} ${body}` : body;
    if (headers[X_PLANET_APP_HEADER] === undefined && headers[X_PLANET_APP_LOWER] === undefined) {
      headers[X_PLANET_APP_HEADER] = X_PLANET_APP;
    }
  }

  /** Replace the credential. Authenticators without one ignore it. */
  updateCredential(_credential: Credential): void {}

  /** Set new credential data. Authenticators without a credential ignore it. */
  async updateCredentialData(_data: JsonObject): Promise<void> {}

  /** The current credential, or null for authenticators that hold none. */
  async credential(_refreshIfNeeded = false): Promise<Credential | null> {
    return null;
  }

  /** Whether a credential is at hand (in memory or in storage). */
  async isInitialized(): Promise<boolean> {
    return false;
  }

  /** Run the pre-request hook, then decorate `headers` in place. Synchronous when no I/O is needed. */
  decorate(headers: MutableHeaders): void | Promise<void> {
    const pending = this.preRequestHook();
    if (pending) return pending.then(() => this.applyHeaders(headers));
    this.applyHeaders(headers);
  }

  /** The headers to add to a request, after running the pre-request hook. */
  async authorizationHeaders(): Promise<Record<string, string>> {
    const headers: Record<string, string> = {};
    await this.decorate(headers);
    return headers;
  }

  /** Hooks for `got.extend(authenticator.gotHooks())`. */
  gotHooks(): { hooks: { beforeRequest: Array<(options: { headers: MutableHeaders }) => Promise<void> | void> } } {
    return { hooks: { beforeRequest: [(options) => this.decorate(options.headers)] } };
  }

  /** A fetch with this authenticator applied: `(input, init) => Promise<Response>`. */
  fetch<F extends FetchLike>(fetchImpl: F = globalThis.fetch as unknown as F): F {
    const wrapped = async (input: any, init?: any) => {
      const source = init?.headers ?? (typeof input === "object" && input && "headers" in input ? input.headers : undefined);
      const headers = new Headers(source);
      const record: MutableHeaders = {};
      if (headers.has(X_PLANET_APP_HEADER)) record[X_PLANET_APP_HEADER] = headers.get(X_PLANET_APP_HEADER)!;
      await this.decorate(record);
      for (const [k, v] of Object.entries(record)) if (typeof v === "string") headers.set(k, v);
      return fetchImpl(input, { ...init, headers });
    };
    return wrapped as F;
  }

  /** An axios request interceptor: `axios.interceptors.request.use(authenticator.axiosInterceptor())`. */
  axiosInterceptor(): <T extends { headers?: any }>(config: T) => Promise<T> {
    return async (config) => {
      const record: MutableHeaders = {};
      const h = config.headers ?? {};
      const existing = typeof h.get === "function" ? h.get(X_PLANET_APP_HEADER) : h[X_PLANET_APP_HEADER];
      if (existing) record[X_PLANET_APP_HEADER] = existing;
      await this.decorate(record);
      if (typeof h.set === "function") for (const [k, v] of Object.entries(record)) h.set(k, v);
      else config.headers = { ...h, ...record };
      return config;
    };
  }
}

/** An authenticator that holds a Credential (static key, legacy key, OIDC tokens). */
export abstract class CredentialRequestAuthenticator<C extends Credential = Credential> extends RequestAuthenticator {
  protected _credential: C | null;

  constructor(credential: C | null) {
    super();
    this._credential = credential;
  }

  /** Replace the credential object; the header is repopulated just in time. */
  override updateCredential(credential: C): void {
    this.checkCredentialType(credential);
    this._credential = credential;
    this.tokenBody = null;
  }

  /** Subclasses reject credentials of the wrong class with TypeError. */
  protected checkCredentialType(_credential: Credential): void {}

  /** Validate and set new credential data, saving it when the credential has a path. */
  override async updateCredentialData(data: JsonObject): Promise<void> {
    if (!this._credential) throw new Error("updateCredentialData needs an existing credential object");
    this._credential.setData(data);
    await this._credential.save();
    this.tokenBody = null;
  }

  /** The current credential (optionally refreshing first when it needs it). */
  override async credential(refreshIfNeeded = false): Promise<C | null> {
    if (refreshIfNeeded) await this.preRequestHook();
    return this._credential;
  }

  /** A credential object exists and has data in memory or in storage. No load. */
  override async isInitialized(): Promise<boolean> {
    const cred = this._credential;
    if (!cred) return false;
    return cred.isLoaded() || (await cred.isPersistedToStorage());
  }
}

/** Requests carry no credential (only X-Planet-App). Credential updates are ignored with a warning. */
export class NoOpRequestAuthenticator extends RequestAuthenticator {
  constructor(private readonly logger?: AuthLogger) {
    super();
  }
  preRequestHook(): void {}
  override updateCredential(_credential: Credential): void {
    this.logger?.warning("Ignoring a credential update: this authenticator sends no credential");
  }
}
