/**
 * OIDC discovery with an optional TTL, and endpoint resolution: a configured endpoint wins, else the
 * discovery field; missing both ⇒ AuthClientException. The document must name the expected issuer
 * (RFC 8414 section 3.3), and endpoints taken from it obey the same plain-HTTP rule as configured ones.
 */
import { AuthClientException, redactUrl, checkTransportSecurity } from "../../../kernel/index.js";
import { DiscoveryApiException, OidcApiClientException } from "../errors.js";
import { OidcApiClient, type ApiClientDeps, type CallOptions, type JsonObject } from "./api-client.js";

/** The fields of an OpenID Provider Metadata document this library reads; others are kept. */
export interface OidcDiscoveryDocument extends JsonObject {
  issuer?: string;
  authorization_endpoint?: string;
  device_authorization_endpoint?: string;
  token_endpoint?: string;
  introspection_endpoint?: string;
  revocation_endpoint?: string;
  userinfo_endpoint?: string;
  jwks_uri?: string;
  scopes_supported?: string[];
}

/** `auth_server` + `.well-known/openid-configuration`, with a `/` between them unless it ends in one. */
export function discoveryUrl(authServer: string): string {
  return authServer.endsWith("/") ? `${authServer}.well-known/openid-configuration` : `${authServer}/.well-known/openid-configuration`;
}

/**
 * RFC 8414 section 3.1: `/.well-known/oauth-authorization-server` inserted between the host and the
 * path of the issuer (`https://as.example/tenant` → `https://as.example/.well-known/oauth-authorization-server/tenant`).
 */
function authorizationServerMetadataUrl(authServer: string): string {
  const url = new URL(authServer);
  const path = url.pathname.replace(/\/+$/, "");
  return `${url.origin}/.well-known/oauth-authorization-server${path}`;
}

export interface DiscoveryApiClientOptions extends ApiClientDeps {
  /** The full discovery URL. Wins over `authServer`. */
  discoveryUri?: string;
  /** Base URL of the auth server; the discovery URL is derived from it. */
  authServer?: string;
  /** Re-fetch the document when older than this. Default: cache for the life of the client (reference). */
  ttlSeconds?: number;
  /**
   * The issuer the document must name (RFC 8414 section 3.3): a document naming another issuer is refused,
   * so a server cannot pass off another's endpoints (mix-up). Unset: not checked.
   */
  expectedIssuer?: string;
}

/**
 * Fetches and caches the discovery document. Concurrent callers share one in-flight fetch. Built from
 * an auth server URL, it falls back to RFC 8414's `oauth-authorization-server` metadata when the server
 * has no `openid-configuration` (404).
 */
export class DiscoveryApiClient extends OidcApiClient {
  readonly ttlSeconds?: number;
  readonly expectedIssuer?: string;
  readonly #fallbackUrl?: string;
  #cached?: { doc: OidcDiscoveryDocument; at: number };
  #inFlight?: Promise<OidcDiscoveryDocument>;

  /** A client of an auth server's discovery document. */
  constructor(options: DiscoveryApiClientOptions) {
    const url = options.discoveryUri ?? (options.authServer !== undefined ? discoveryUrl(options.authServer) : undefined);
    if (!url) throw new AuthClientException("DiscoveryApiClient needs a discoveryUri or an authServer");
    super(options, url);
    this.ttlSeconds = options.ttlSeconds;
    this.expectedIssuer = options.expectedIssuer;
    if (options.discoveryUri === undefined && options.authServer !== undefined && URL.canParse(options.authServer)) {
      this.#fallbackUrl = authorizationServerMetadataUrl(options.authServer);
    }
  }

  /** The discovery document: cached if fresh, else fetched. */
  async discovery(options: CallOptions = {}): Promise<OidcDiscoveryDocument> {
    const c = this.#cached;
    if (c && (this.ttlSeconds === undefined || this.clock.now() - c.at < this.ttlSeconds * 1000)) return c.doc;
    return this.doDiscovery(options);
  }

  /** Fetch now (joining a fetch already in flight) and cache the result. Errors are not cached. */
  doDiscovery(options: CallOptions = {}): Promise<OidcDiscoveryDocument> {
    this.#inFlight ??= (async () => {
      try {
        const doc = await this.#fetchDocument(options);
        this.#checkIssuer(doc);
        this.#cached = { doc: doc as OidcDiscoveryDocument, at: this.clock.now() };
        return doc as OidcDiscoveryDocument;
      } finally {
        this.#inFlight = undefined;
      }
    })();
    return this.#inFlight;
  }

  async #fetchDocument(options: CallOptions): Promise<JsonObject> {
    try {
      return await this.getJson({ ...options, redirect: "same-origin" });
    } catch (err) {
      if (!this.#fallbackUrl || !(err instanceof OidcApiClientException) || err.rawResponse?.status !== 404) throw err;
      const { http, clock, logger, timeoutMs, maxResponseBytes, secretNames } = this;
      const rfc8414 = new DiscoveryApiClient({ http, clock, logger, timeoutMs, maxResponseBytes, secretNames, discoveryUri: this.#fallbackUrl });
      return rfc8414.getJson({ ...options, redirect: "same-origin" });
    }
  }

  #checkIssuer(doc: JsonObject): void {
    const expected = this.expectedIssuer;
    if (expected === undefined || doc.issuer === expected) return;
    const named = typeof doc.issuer === "string" ? `"${doc.issuer}"` : "no issuer";
    throw new DiscoveryApiException(
      `The discovery document at ${redactUrl(this.endpointUrl)} names ${named}, but the configured issuer is "${expected}" (RFC 8414 section 3.3)`,
      { field: "issuer" },
    );
  }

  /** Fetch only when nothing is cached (or the cache expired). Alias of `discovery()`. */
  doDiscoveryJit(options: CallOptions = {}): Promise<OidcDiscoveryDocument> {
    return this.discovery(options);
  }

  /** Forget the cached document. */
  clearCache(): void {
    this.#cached = undefined;
  }
}

/** Config key → discovery field for every endpoint. */
export const ENDPOINT_DISCOVERY_FIELDS = {
  authorization_endpoint: "authorization_endpoint",
  device_authorization_endpoint: "device_authorization_endpoint",
  token_endpoint: "token_endpoint",
  introspection_endpoint: "introspection_endpoint",
  revocation_endpoint: "revocation_endpoint",
  userinfo_endpoint: "userinfo_endpoint",
  jwks_endpoint: "jwks_uri",
  issuer: "issuer",
} as const;
/** A config key that overrides one discovered endpoint (`token_endpoint`, `jwks_endpoint`, …). */
export type EndpointConfigKey = keyof typeof ENDPOINT_DISCOVERY_FIELDS;

/**
 * Where an `OidcEndpoints` gets the discovery document: a discovery client, or a function that fetches it.
 */
export type DiscoverySource = DiscoveryApiClient | (() => Promise<OidcDiscoveryDocument>);

async function fetchDoc(source: DiscoverySource, options?: CallOptions): Promise<OidcDiscoveryDocument> {
  return typeof source === "function" ? source() : source.discovery(options);
}

/**
 * The configured value if truthy; else the discovery document's `discoveryField` (discovery is only
 * fetched in that case). Neither ⇒ AuthClientException naming both.
 */
export async function resolveEndpoint(
  configValue: string | undefined | null,
  discovery: DiscoverySource | undefined,
  discoveryField: string,
  options: CallOptions & { configKey?: string; transport?: DiscoveredUrlPolicy } = {},
): Promise<string> {
  if (configValue) return configValue;
  const what = options.configKey && options.configKey !== discoveryField ? `${options.configKey} (discovery field ${discoveryField})` : discoveryField;
  if (!discovery) throw new AuthClientException(`No ${what} configured and no discovery available`, { field: options.configKey ?? discoveryField });
  const doc = await fetchDoc(discovery, options);
  const value = doc[discoveryField];
  if (typeof value !== "string" || value === "") {
    throw new AuthClientException(`No ${what} configured and the OIDC discovery document does not provide one`, {
      field: options.configKey ?? discoveryField,
    });
  }
  if (options.transport) {
    checkTransportSecurity(value, { ...options.transport, field: `${discoveryField} (from OIDC discovery)` });
  }
  return value;
}

/** How URLs taken from discovery are held to the plain-HTTP rule of the config they serve. */
export interface DiscoveredUrlPolicy {
  clientType?: string;
  allowInsecureHttp?: boolean;
}

/** The endpoint-override keys of an OIDC client config. */
export type OidcEndpointConfig = Partial<Record<EndpointConfigKey, string | undefined | null>>;

/**
 * Resolves every endpoint of one auth client (configured key wins, else discovery), fetching
 * discovery lazily and at most once (or per TTL).
 */
export class OidcEndpoints {
  /** The endpoints of one client: its configured URLs, and where to discover the others. */
  constructor(
    readonly config: OidcEndpointConfig,
    readonly discoveryClient: DiscoveryApiClient,
    /** Endpoints from discovery are checked against this (the issuer is an identifier, never called). */
    readonly transport: DiscoveredUrlPolicy = {},
  ) {}

  /**
   * The URL of one endpoint: the configured one, else the discovery document's (checked against the issuer's
   * transport rules).
   */
  resolve(key: EndpointConfigKey, options: CallOptions = {}): Promise<string> {
    const transport = key === "issuer" ? undefined : this.transport;
    return resolveEndpoint(this.config[key], this.discoveryClient, ENDPOINT_DISCOVERY_FIELDS[key], { ...options, configKey: key, transport });
  }
  /** The authorization endpoint (configured, else discovered). */
  authorizationEndpoint(o?: CallOptions) { return this.resolve("authorization_endpoint", o); }
  /** The device authorization endpoint (configured, else discovered). */
  deviceAuthorizationEndpoint(o?: CallOptions) { return this.resolve("device_authorization_endpoint", o); }
  /** The token endpoint (configured, else discovered). */
  tokenEndpoint(o?: CallOptions) { return this.resolve("token_endpoint", o); }
  /** The introspection endpoint (configured, else discovered). */
  introspectionEndpoint(o?: CallOptions) { return this.resolve("introspection_endpoint", o); }
  /** The revocation endpoint (configured, else discovered). */
  revocationEndpoint(o?: CallOptions) { return this.resolve("revocation_endpoint", o); }
  /** The userinfo endpoint (configured, else discovered). */
  userinfoEndpoint(o?: CallOptions) { return this.resolve("userinfo_endpoint", o); }
  /** The JWKS endpoint (configured, else discovered). */
  jwksEndpoint(o?: CallOptions) { return this.resolve("jwks_endpoint", o); }
  /** The issuer identifier (configured, else discovered). */
  issuer(o?: CallOptions) { return this.resolve("issuer", o); }

  /** The discovery document's `scopes_supported`; AuthClientException when absent. */
  async scopesSupported(options: CallOptions = {}): Promise<string[]> {
    const doc = await this.discoveryClient.discovery(options);
    if (!Array.isArray(doc.scopes_supported)) {
      throw new AuthClientException("The OIDC discovery document does not list scopes_supported", { field: "scopes_supported" });
    }
    return doc.scopes_supported;
  }
}

