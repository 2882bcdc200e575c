/**
 * `OidcMultiIssuerValidator` (`planet_auth.OidcMultiIssuerValidator` in the Python library): validate access tokens from several trusted issuers
 * (migrations). Never use it to bridge trust environments. Improvements over the reference: an unknown
 * issuer is an `UnknownIssuerTokenException` (an InvalidTokenException, so callers catching that see
 * it); the factories never mutate the caller's config objects.
 */
import {
  Auth, AuthClientException, AuthException, defaultKernel, type AuthKernel, type AuthLogger, type JsonObject,
} from "../../kernel/index.js";
import {
  InvalidArgumentException, InvalidTokenException, IssuerUnavailableException, TokenEvent, UnknownIssuerTokenException, jwtLogFields,
} from "./token-errors.js";
import { OidcAuthClient } from "./client.js";
import { OidcClientValidatorAuthClientConfig } from "./client-types.js";
import { DEFAULT_MAX_TOKEN_LENGTH, TokenValidator, cachedClaimsOf, prepareToken, type ValidateTokenOptions } from "./validation/token-validator.js";
import { DEFAULT_MIN_FETCH_INTERVAL_SECONDS, fetchBackoffMs } from "./validation/jwks-cache.js";

/** Clock skew tolerated for `exp`, `nbf` and `iat` unless configured otherwise, seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 5;
/** Verified tokens remembered per issuer (a repeated token skips the signature check). */
export const DEFAULT_VERIFIED_TOKEN_CACHE_SIZE = 4096;

/** How one issuer's tokens are checked; given per trusted issuer, or as defaults for all of them. */
export interface TokenPolicy {
  /**
   * Allowed JWS algorithms (RS256/384/512, PS256/384/512, ES256/384/512, EdDSA). Default: what the
   * issuer's JWKS keys declare. `none` and HMAC are never accepted.
   */
  algorithms?: readonly string[];
  /** Clock skew tolerated for `exp`, `nbf`, `iat`, seconds. Default 5 (`DEFAULT_CLOCK_TOLERANCE_SECONDS`). */
  clockToleranceSeconds?: number;
  /** Refuse tokens issued (`iat`) longer ago than this, seconds. Default: no limit. */
  maxTokenAgeSeconds?: number;
  /** `true`: the RFC 9068 JWT access-token profile (`typ` `at+jwt`; `iss exp aud sub client_id iat jti` required). */
  strict?: boolean;
}

/** A trusted issuer given by its Auth context (an OIDC client with audiences) and its own policy. */
export interface TrustedIssuerContext extends TokenPolicy {
  auth: Auth;
  /** The audiences accepted from this issuer (a token must name one). Default: the client config's `audiences`. */
  audiences?: readonly string[];
}

/** A trusted issuer described directly: no profile or config file needed. */
export interface TrustedIssuerSpec extends TokenPolicy {
  /** The issuer identifier tokens carry in `iss`. */
  issuer: string;
  /** The audience(s) accepted from this issuer (a token must name at least one). */
  audience: string | readonly string[];
  /** Where discovery starts (default: the issuer). */
  authServer?: string;
  /** The issuer's JWKS URL: given, discovery is skipped. */
  jwksUri?: string;
}

export interface MultiIssuerValidatorOptions extends TokenPolicy {
  /** Log accepted tokens at INFO (event TOKEN_VALID). Default true. */
  logResult?: boolean;
  /** Default: the logger of the first trusted context's client. */
  logger?: AuthLogger;
  /** Verified tokens remembered per issuer (default 4096; 0 turns the cache off). */
  verifiedTokenCacheSize?: number;
  /** Longest token accepted, in characters, checked before anything is decoded (default 16 KiB). */
  maxTokenLength?: number;
  /** Verify concurrent signatures on the process's verifier threads (default true; see `TokenValidatorOptions.verifierThreads`). */
  verifierThreads?: boolean;
}

export interface MultiIssuerFactoryOptions extends MultiIssuerValidatorOptions {
  /** Kernel that builds the validator clients (it must have the OIDC plugin). Default: the default kernel. */
  kernel?: AuthKernel;
}

/**
 * Options of `OidcMultiIssuerValidator.validateAccessToken`: scopes of which the token needs one, and whether
 * to ask the issuer whether the token was revoked.
 */
export interface ValidateAccessTokenOptions {
  doRemoteRevocationCheck?: boolean;
  scopesAnyof?: string[];
}

interface TrustedIssuer {
  issuer: string;
  client: OidcAuthClient;
  audiences: string[];
  validator: TokenValidator;
  /** What every token of this issuer is validated against when a call asks for no scopes. */
  plain: ValidateTokenOptions;
}

function tokenOptions(trusted: TrustedIssuer, options: ValidateAccessTokenOptions): ValidateTokenOptions {
  return options.scopesAnyof === undefined ? trusted.plain : { ...trusted.plain, scopesAnyof: options.scopesAnyof };
}

function nonNegativeSeconds(name: string, value: number | undefined): number | undefined {
  if (value !== undefined && !(typeof value === "number" && Number.isFinite(value) && value >= 0)) {
    throw new AuthException(`${name} must be a non-negative number of seconds`, { field: name });
  }
  return value;
}

/**
 * Validates access tokens from several trusted issuers (the Python library's
 * `planet_auth.OidcMultiIssuerValidator`), e.g. during a migration between auth servers: a token's `iss`
 * picks the issuer whose keys and policy check it; an unknown issuer is an `UnknownIssuerTokenException`.
 * Build it with `fromIssuers` or `fromAuthServerConfigs`; the Express and Fastify middleware use one. Never
 * use it to bridge trust environments.
 */
export class OidcMultiIssuerValidator {
  readonly #contexts: TrustedIssuerContext[];
  /** Each context's validator, built at construction (so a bad policy fails there). */
  readonly #validators = new Map<TrustedIssuerContext, TokenValidator>();
  readonly #defaults: TokenPolicy;
  readonly #logResult: boolean;
  readonly #logger?: AuthLogger;
  readonly #cacheSize: number;
  readonly #maxTokenLength: number;
  readonly #verifierThreads: boolean | undefined;
  #trusted?: Promise<Map<string, TrustedIssuer>>;
  /** The issuers once resolved: a token an issuer's validator holds as verified is looked up without awaiting anything. */
  #resolved?: Map<string, TrustedIssuer>;
  /** Consecutive failures to fetch an issuer's metadata, and when the next attempt may start (clock ms). */
  #metadataFailures = 0;
  #metadataRetryAt?: number;

  /**
   * Checks the contexts now (at least one; OIDC clients with a configured audience; AuthException
   * otherwise). Issuers are resolved on first use or by `init()` (config `issuer`, else discovery over
   * the network); `OidcMultiIssuerValidator.create` does both. A context may carry its own policy
   * (`{ auth, algorithms, ... }`); `options` holds the defaults.
   */
  constructor(trusted: ReadonlyArray<Auth | TrustedIssuerContext | null | undefined>, options: MultiIssuerValidatorOptions = {}) {
    this.#contexts = trusted.filter((a): a is Auth | TrustedIssuerContext => Boolean(a)).map((a) => (a instanceof Auth ? { auth: a } : a));
    if (this.#contexts.length === 0) {
      throw new AuthException("The multi-issuer validator needs at least one trusted issuer; with none it would refuse every token", { field: "issuers" });
    }
    for (const { auth, audiences } of this.#contexts) {
      if (audiences !== undefined && !(Array.isArray(audiences) && audiences.every((a) => typeof a === "string" && a.length > 0))) {
        throw new AuthException("A trusted issuer's audiences must be a list of non-empty strings", { field: "audiences" });
      }
      const client = auth.authClient();
      if (!(client instanceof OidcAuthClient)) {
        throw new AuthException(`Auth context of client type ${client.config().clientType()} is not an OIDC client; it cannot validate tokens`);
      }
      if ((audiences ?? client.config().audiences()).length === 0) {
        throw new AuthException(`Auth context for ${client.config().authServer()} has no audiences configured; the multi-issuer validator needs one`, {
          clientType: client.config().clientType(),
          field: "audiences",
        });
      }
    }
    for (const policy of [options, ...this.#contexts]) {
      nonNegativeSeconds("clockToleranceSeconds", policy.clockToleranceSeconds);
      nonNegativeSeconds("maxTokenAgeSeconds", policy.maxTokenAgeSeconds);
    }
    this.#defaults = { algorithms: options.algorithms, clockToleranceSeconds: options.clockToleranceSeconds, maxTokenAgeSeconds: options.maxTokenAgeSeconds, strict: options.strict };
    this.#logResult = options.logResult ?? true;
    this.#logger = options.logger ?? this.#contexts[0]?.auth.authClient().services.logger;
    this.#cacheSize = options.verifiedTokenCacheSize ?? DEFAULT_VERIFIED_TOKEN_CACHE_SIZE;
    this.#maxTokenLength = options.maxTokenLength ?? DEFAULT_MAX_TOKEN_LENGTH;
    this.#verifierThreads = options.verifierThreads;
    if (!(this.#maxTokenLength > 0)) throw new AuthException("maxTokenLength must be positive", { field: "maxTokenLength" });
    for (const ctx of this.#contexts) this.#validators.set(ctx, this.#tokenValidator(ctx.auth.authClient() as OidcAuthClient, ctx));
  }

  /** A validator whose issuers are resolved (duplicate issuers ⇒ AuthException). */
  static async create(trusted: ReadonlyArray<Auth | TrustedIssuerContext | null | undefined>, options: MultiIssuerValidatorOptions = {}): Promise<OidcMultiIssuerValidator> {
    const v = new OidcMultiIssuerValidator(trusted, options);
    await v.init();
    return v;
  }

  /**
   * One `oidc_client_validator` per URL, with `issuer` = `auth_server` = the URL and `audiences` =
   * `[audience]`: no network at construction.
   */
  static async fromAuthServerUrls(urls: ReadonlyArray<string>, options: MultiIssuerFactoryOptions & { audience?: string } = {}): Promise<OidcMultiIssuerValidator> {
    const configs = urls.map((url) => ({ auth_server: url, issuer: url, audiences: options.audience ? [options.audience] : [] }));
    return OidcMultiIssuerValidator.fromAuthServerConfigs(configs, options);
  }

  /**
   * From config dicts as sparse as `{auth_server, audiences}`: `client_type` defaults to
   * `oidc_client_validator` and `issuer` to `auth_server`. The caller's objects are not modified.
   */
  static async fromAuthServerConfigs(configs: ReadonlyArray<JsonObject | null | undefined>, options: MultiIssuerFactoryOptions = {}): Promise<OidcMultiIssuerValidator> {
    return OidcMultiIssuerValidator.create(await OidcMultiIssuerValidator.#contextsOf(configs.map((c) => (c ? { dict: c } : undefined)), options.kernel), options);
  }

  /**
   * From issuer descriptions, each with its audience(s), optional JWKS URL (skips discovery) and
   * policy: what the resource-server middleware builds from its `issuers` option.
   */
  static async fromIssuers(issuers: ReadonlyArray<TrustedIssuerSpec>, options: MultiIssuerFactoryOptions = {}): Promise<OidcMultiIssuerValidator> {
    const entries = issuers.map((spec) => {
      const { issuer, audience, authServer, jwksUri, ...policy } = spec;
      const audiences = typeof audience === "string" ? [audience] : [...(audience ?? [])];
      // The validator client type's config names one audience; the context accepts them all.
      const dict: JsonObject = { auth_server: authServer ?? issuer, issuer, audiences: audiences.slice(0, 1) };
      if (jwksUri !== undefined) dict.jwks_endpoint = jwksUri;
      return { dict, policy: { ...policy, audiences } };
    });
    return OidcMultiIssuerValidator.create(await OidcMultiIssuerValidator.#contextsOf(entries, options.kernel), options);
  }

  static async #contextsOf(entries: ReadonlyArray<{ dict: JsonObject; policy?: Omit<TrustedIssuerContext, "auth"> } | undefined>, kernel: AuthKernel = defaultKernel()): Promise<TrustedIssuerContext[]> {
    const contexts: TrustedIssuerContext[] = [];
    for (const entry of entries) {
      if (!entry) continue;
      const dict: JsonObject = { ...entry.dict };
      dict.client_type ??= OidcClientValidatorAuthClientConfig.clientType;
      dict.issuer ??= dict.auth_server;
      contexts.push({ ...entry.policy, auth: await Auth.initializeFromConfigDict(dict, { kernel }) });
    }
    return contexts;
  }

  /** The issuer's own validator: the client's JWKS cache, this issuer's policy over the defaults. */
  #tokenValidator(client: OidcAuthClient, own: TokenPolicy): TokenValidator {
    const pick = <K extends keyof TokenPolicy>(key: K): TokenPolicy[K] => own[key] ?? this.#defaults[key];
    const { clock, logger } = client.services;
    return new TokenValidator(client.tokenValidator().jwksKeyCache, {
      clock,
      logger,
      trustedAlgorithms: pick("algorithms") ?? "jwks",
      leewaySeconds: pick("clockToleranceSeconds") ?? DEFAULT_CLOCK_TOLERANCE_SECONDS,
      maxTokenAgeSeconds: pick("maxTokenAgeSeconds"),
      profile: pick("strict") ? "rfc9068" : undefined,
      verifiedTokenCacheSize: this.#cacheSize,
      maxTokenLength: this.#maxTokenLength,
      verifierThreads: this.#verifierThreads,
    });
  }

  /** Resolve every trusted issuer (idempotent). */
  init(): Promise<void> {
    return this.#resolveTrusted().then(() => undefined);
  }

  /**
   * The issuers, resolved once. A failure to fetch an issuer's metadata is kept for a back-off (1 s,
   * doubling up to the JWKS cooldown) so an outage does not make every token a discovery request;
   * any other failure (configuration) is retried on the next call.
   */
  #resolveTrusted(): Promise<Map<string, TrustedIssuer>> {
    const clock = this.#contexts[0]!.auth.authClient().services.clock;
    if (this.#metadataRetryAt !== undefined && clock.now() > this.#metadataRetryAt) {
      this.#trusted = undefined;
      this.#metadataRetryAt = undefined;
    }
    this.#trusted ??= (async () => {
      const map = new Map<string, TrustedIssuer>();
      for (const ctx of this.#contexts) {
        const client = ctx.auth.authClient() as OidcAuthClient;
        let issuer: string;
        try {
          issuer = await client.issuer();
        } catch (err) {
          if (err instanceof AuthClientException && err.field !== undefined) throw err; // a configuration error, not an outage
          const waitMs = fetchBackoffMs(++this.#metadataFailures, DEFAULT_MIN_FETCH_INTERVAL_SECONDS * 1000);
          this.#metadataRetryAt = clock.now() + waitMs;
          throw new IssuerUnavailableException(`The metadata of trusted auth server ${client.config().authServer()} could not be fetched`, {
            cause: err,
            retryAfterSeconds: waitMs / 1000,
          });
        }
        if (map.has(issuer)) throw new AuthException(`Issuer ${issuer} is configured more than once in the multi-issuer validator`);
        const audiences = [...(ctx.audiences ?? client.config().audiences())];
        map.set(issuer, { issuer, client, audiences, validator: this.#validators.get(ctx)!, plain: { issuer, audience: audiences } });
      }
      this.#metadataFailures = 0;
      this.#resolved = map;
      return map;
    })();
    const attempt = this.#trusted;
    attempt.catch(() => {
      if (this.#metadataRetryAt === undefined && this.#trusted === attempt) this.#trusted = undefined;
    });
    return attempt;
  }

  /** Signatures verified so far, over every issuer (a token served by the verified-token cache adds none). */
  get signatureChecks(): number {
    let n = 0;
    for (const v of this.#validators.values()) n += v.signatureChecks;
    return n;
  }

  /** The trusted issuer strings (resolves them if needed). */
  async trustedIssuers(): Promise<string[]> {
    return [...(await this.#resolveTrusted()).keys()];
  }

  /**
   * Validate locally with the client of the token's issuer, optionally introspect it, and return
   * `[localClaims, introspectionResultOrNull]`. Every InvalidTokenException is logged at WARNING and
   * rethrown. When the issuer's keys cannot be fetched (and no cached key fits) the rejection is an
   * `IssuerUnavailableException` carrying when to retry: the token was not judged.
   */
  async validateAccessToken(token: string, options: ValidateAccessTokenOptions = {}): Promise<[JsonObject, JsonObject | null]> {
    try {
      return await this.#validate(token, options);
    } catch (err) {
      if (err instanceof InvalidTokenException) {
        this.#logger?.warning(undefined, { exception: err, event: err.event() ?? TokenEvent.TOKEN_INVALID });
      }
      throw err;
    }
  }

  /**
   * The claims of a token this validator has verified and still holds, checked for this call (issuer,
   * audience, expiry, scopes) without decoding it or waiting: what `validateAccessToken` answers for
   * it, or undefined when the full (asynchronous) validation is needed — a token not held, or a
   * remote revocation check asked for. Lets a resource server answer a repeated token in the same turn.
   */
  validateAccessTokenFromCache(token: string, options: ValidateAccessTokenOptions = {}): [JsonObject, null] | undefined {
    if (options.doRemoteRevocationCheck || this.#resolved === undefined || typeof token !== "string" || !token) return undefined;
    const known = this.#cachedClaims(token, options);
    if (!known) return undefined;
    this.#logAccepted(known.claims);
    return [known.claims, null];
  }

  async #validate(token: string, options: ValidateAccessTokenOptions): Promise<[JsonObject, JsonObject | null]> {
    if (typeof token !== "string" || !token) throw new InvalidArgumentException("Cannot validate an empty access token");
    const known = this.#resolved === undefined ? undefined : this.#cachedClaims(token, options);
    if (known) return this.#accepted(token, known.trusted, known.claims, options);
    // The length cap comes first, then the payload is decoded once: for the issuer here, and for validation.
    const prepared = prepareToken(token, this.#maxTokenLength);
    const unverified = prepared.payload;
    if (!unverified) throw new InvalidTokenException(`Access token is not a well-formed JWT: ${prepared.payloadError}`);
    const iss = unverified.iss;
    if (typeof iss !== "string" || !iss) throw new InvalidTokenException('Access token has no "iss" claim', { jwtBody: unverified });
    const trusted = (await this.#resolveTrusted()).get(iss);
    if (!trusted) {
      throw new UnknownIssuerTokenException(`Access token issuer ${JSON.stringify(iss.slice(0, 200))} is not trusted`, { jwtBody: unverified });
    }
    let claims: JsonObject;
    try {
      claims = (await trusted.validator.validateToken(prepared, tokenOptions(trusted, options))) as JsonObject;
    } catch (err) {
      if (err instanceof AuthException && !(err instanceof InvalidTokenException) && !(err instanceof InvalidArgumentException)) {
        const jwks = trusted.validator.jwksKeyCache;
        throw new IssuerUnavailableException(`The signing keys of trusted issuer ${trusted.issuer} could not be fetched`, { cause: err, retryAfterSeconds: jwks.retryAfterSeconds });
      }
      throw err;
    }
    return this.#accepted(token, trusted, claims, options);
  }

  /** A token an issuer's verified-token cache holds: its claims checked for this call, without decoding it. */
  #cachedClaims(token: string, options: ValidateAccessTokenOptions): { trusted: TrustedIssuer; claims: JsonObject } | undefined {
    for (const trusted of this.#resolved!.values()) {
      const claims = cachedClaimsOf(trusted.validator, token, tokenOptions(trusted, options));
      if (claims) return { trusted, claims: claims as JsonObject };
    }
    return undefined;
  }

  async #accepted(token: string, trusted: TrustedIssuer, claims: JsonObject, options: ValidateAccessTokenOptions): Promise<[JsonObject, JsonObject | null]> {
    let remote: JsonObject | null = null;
    if (options.doRemoteRevocationCheck) {
      remote = await trusted.client.validateAccessTokenRemote(token);
      if (!remote || remote.active !== true) throw new AuthClientException("Introspection did not confirm the access token is active");
    }
    this.#logAccepted(claims);
    return [claims, remote];
  }

  #logAccepted(claims: JsonObject): void {
    if (this.#logResult && this.#logger?.isEnabled("info")) {
      this.#logger.info("Accepting access token from a trusted issuing authority", { event: TokenEvent.TOKEN_VALID, fields: jwtLogFields(undefined, claims) });
    }
  }
}
