/**
 * A real OpenID Provider (oidc-provider) in-process on a loopback address, for development and for
 * host applications' tests: well-known clients for every flow, one API resource issuing JWT access
 * tokens, and a scripted user who signs in and consents to everything.
 */
import http from "node:http";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import type { EventEmitter } from "node:events";
import type { Got } from "got";
import type Provider from "oidc-provider";
import type { ClientMetadata, JWK } from "oidc-provider";
import type { TtyDisplay } from "../kernel/seams.js";
import { DevtoolsException } from "./errors.js";
import { generateTestRsaKey, type TestRsaKey } from "./keys.js";
import { loopbackHost } from "./loopback.js";
import { loadOidcProvider, muteProviderNotices, withRealmLocalClone, type OidcProviderExports } from "./provider-module.js";
import { ScriptedBrowser, type AuthorizeOptions, type AuthorizeResult, type ScriptedUser } from "./scripted-browser.js";

export const DEFAULT_ACCOUNT_ID = "alice";
export const DEFAULT_API_AUDIENCE = "https://api.example.test/";
export const DEFAULT_API_SCOPES = ["api:read", "api:write"];
/** The web redirect URI registered for the confidential auth-code clients. */
export const WEB_REDIRECT_URI = "https://client.example.test/cb";
/** Loopback redirect URI registered for the native public client (any port is accepted, RFC 8252). */
export const LOOPBACK_REDIRECT_URI = "http://127.0.0.1/callback";
export const LOCALHOST_REDIRECT_URI = "http://localhost/callback";
const DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";

export interface DevIssuerOptions {
  /** Loopback host to bind (127.0.0.0/8, `::1` or `localhost`; anything else is refused). Default 127.0.0.1. */
  host?: string;
  /** Port to bind. Default 0: any free port. */
  port?: number;
  /** Extra clients (oidc-provider client metadata, RFC 7591 names), added to the built-in ones. */
  clients?: DevClientMetadata[];
  /** The API resource indicator / JWT `aud`. Default `https://api.example.test/`. */
  apiAudience?: string;
  apiScopes?: string[];
  /** Access-token format of the API resource. Default `jwt`. */
  accessTokenFormat?: "jwt" | "opaque";
  /** Make the API the default resource of every request. Default true. */
  defaultResource?: boolean;
  /** Access-token lifetime in seconds. Default 3600. */
  accessTokenTtl?: number;
  /** Device-code lifetime in seconds. Default 600. */
  deviceCodeTtl?: number;
  /** The account every interaction signs in. Default `alice`. */
  accountId?: string;
  /**
   * DPoP (RFC 9449): a client that sends a proof to the token endpoint gets tokens bound to its key
   * (`token_type: DPoP`, `cnf.jkt` in the JWT). `requireNonce`: the token endpoint also demands a
   * server nonce (`use_dpop_nonce`, `DPoP-Nonce`). Default: DPoP accepted, no nonce required.
   */
  dpop?: { requireNonce?: boolean };
  /**
   * Serve a sign-in page at the issuer's `/interaction/*` URLs: a plain HTML form (no script) where a
   * person signs in as the account and allows the request, or denies it. Default false: every
   * interaction completes at once (the scripted user and tests rely on that).
   */
  signInPage?: boolean;
  /** Extra oidc-provider configuration, shallow-merged last (escape hatch; oidc-provider's `Configuration`). */
  configuration?: Record<string, unknown>;
}

/**
 * A client's registration metadata (RFC 7591 names, as oidc-provider's `ClientMetadata`). The
 * declarations of planet-auth/devtools name no oidc-provider type, so an application compiles them
 * without oidc-provider's type package (whose Koa types break beside Express 5's).
 */
export interface DevClientMetadata {
  client_id: string;
  [key: string]: unknown;
}

/** The oidc-provider instance as the issuer exposes it: its events, and the instance itself for the rest. */
export interface DevProvider {
  /** oidc-provider's events (`grant.success`, `grant.error`, `grant.revoked`, …). */
  on(event: string, listener: (...args: never[]) => void): unknown;
  readonly issuer: string;
}

export interface DevClient {
  clientId: string;
  clientSecret?: string;
  redirectUri?: string;
}

export interface DevIssuerClients {
  /** Native public client (`none`): auth code + PKCE, refresh, device code. Loopback/web redirects. */
  publicApp: DevClient & { redirectUri: string };
  /** Confidential, client_secret_basic: client credentials, auth code, refresh, device code, introspection. */
  secretBasic: DevClient & { clientSecret: string; redirectUri: string };
  /** Confidential, client_secret_post: client credentials, refresh, introspection. */
  secretPost: DevClient & { clientSecret: string };
  /** Confidential, private_key_jwt (RS256): client credentials, auth code, refresh, device code. */
  privateKeyJwt: DevClient & { key: TestRsaKey; redirectUri: string };
  /** Public device client (`none`): device code, refresh. */
  device: DevClient;
}

/** The planet-auth client types `authClientConfig()` builds a config for. */
export type DevClientType =
  | "oidc_client_credentials_secret"
  | "oidc_client_credentials_pubkey"
  | "oidc_auth_code"
  | "oidc_device_code"
  | "oidc_client_validator";

export interface DevIssuer {
  issuer: string;
  discoveryUrl: string;
  apiAudience: string;
  accountId: string;
  /** Endpoint URLs from the discovery document. */
  endpoints: {
    authorization: string;
    token: string;
    deviceAuthorization: string;
    introspection: string;
    revocation: string;
    userinfo: string;
    jwks: string;
  };
  clients: DevIssuerClients;
  /** The oidc-provider instance, for anything not covered here (cast it to oidc-provider's `Provider`). */
  provider: DevProvider;
  /**
   * A planet-auth config (for `Auth.initializeFromConfigDict`) of a built-in client for `clientType`:
   * service clients ask for the API scopes and audience, user logins for `openid offline_access email
   * profile`; `overrides` are merged last.
   */
  authClientConfig(clientType: DevClientType, overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A scripted user for a kernel's seams (browser opener, display, sleep): see `ScriptedUser`. */
  scriptedUser(options?: { display?: TtyDisplay; deny?: boolean }): ScriptedUser;
  /** Drive an authorization URL as a signed-in user who consents to everything. */
  authorize(url: string, options?: AuthorizeOptions): Promise<AuthorizeResult>;
  /** Approve (or deny) a device-flow user code as the test user. */
  approveDevice(userCode: string, options?: { deny?: boolean }): Promise<void>;
  /** Whole auth-code + PKCE flow for a public client (default `publicApp`); returns the token response. */
  authCodeTokens(options?: { clientId?: string; scope?: string; redirectUri?: string; resource?: string }): Promise<Record<string, unknown>>;
  /** Client-credentials grant with `secretBasic`; returns the token response. */
  clientCredentialsTokens(options?: { scope?: string }): Promise<Record<string, unknown>>;
  /** Stop the issuer's HTTP server and release its port. */
  stop(): Promise<void>;
}

/**
 * Start a development issuer on a loopback address; always `stop()` it. Needs the optional peer
 * dependency `oidc-provider`.
 *
 * ```ts
 * const op = await startDevIssuer();
 * const user = op.scriptedUser();
 * const kernel = createDefaultKernel({ services: user.services });
 * const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_auth_code"), { kernel });
 * await auth.login({ allowOpenBrowser: true }); // the scripted user signs in at the issuer
 * await op.stop();
 * ```
 */
export async function startDevIssuer(options: DevIssuerOptions = {}): Promise<DevIssuer> {
  const { bind, urlHost } = loopbackHost(options.host ?? "127.0.0.1");
  const unmute = muteProviderNotices(); // before the import: it prints a notice on Node 20
  const server = http.createServer();
  try {
    const { default: ProviderClass, errors } = await loadOidcProvider();
    const { default: got } = await import("got");
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, bind, () => resolve());
    });
    return await configure(`http://${urlHost}:${(server.address() as AddressInfo).port}`, ProviderClass, errors, got);
  } catch (err) {
    server.closeAllConnections();
    server.close();
    unmute();
    throw err;
  }

  async function configure(issuer: string, ProviderClass: OidcProviderExports["default"], errors: OidcProviderExports["errors"], got: Got): Promise<DevIssuer> {
    const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
    const apiAudience = options.apiAudience ?? DEFAULT_API_AUDIENCE;
    const apiScopes = options.apiScopes ?? DEFAULT_API_SCOPES;
    const accessTokenTtl = options.accessTokenTtl ?? 3600;
    const clients: DevIssuerClients = {
      publicApp: { clientId: "public-app", redirectUri: LOOPBACK_REDIRECT_URI },
      secretBasic: { clientId: "secret-basic", clientSecret: "secret-basic-secret:with:colons", redirectUri: WEB_REDIRECT_URI },
      secretPost: { clientId: "secret-post", clientSecret: "secret-post-secret" },
      privateKeyJwt: { clientId: "pubkey-jwt", key: generateTestRsaKey("client-key"), redirectUri: WEB_REDIRECT_URI },
      device: { clientId: "device-app" },
    };
    const signingKey = generateTestRsaKey("op-signing-key");
    const provider = await withRealmLocalClone(
      () =>
        new ProviderClass(issuer, {
          clients: [...builtinClientMetadata(clients), ...((options.clients ?? []) as ClientMetadata[])],
          jwks: { keys: [{ ...crypto.createPrivateKey(signingKey.privateKeyPem).export({ format: "jwk" }), kid: "op-signing-key", alg: "RS256", use: "sig" } as JWK] },
          cookies: { keys: [crypto.randomBytes(16).toString("hex")] },
          findAccount: async (_ctx, sub) => ({
            accountId: sub,
            claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: `Test user ${sub}` }),
          }),
          claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
          scopes: ["openid", "offline_access", "email", "profile"],
          pkce: { required: (_ctx, client) => client.clientAuthMethod === "none" },
          ttl: { AccessToken: accessTokenTtl, ClientCredentials: accessTokenTtl, DeviceCode: options.deviceCodeTtl ?? 600 },
          issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
          features: {
            devInteractions: { enabled: false },
            deviceFlow: { enabled: true },
            clientCredentials: { enabled: true },
            introspection: { enabled: true },
            revocation: { enabled: true },
            userinfo: { enabled: true },
            dPoP: { enabled: true, nonceSecret: crypto.randomBytes(32), requireNonce: () => options.dpop?.requireNonce === true },
            resourceIndicators: {
              enabled: true,
              defaultResource: async (_ctx, _client, oneOf) => oneOf ?? (options.defaultResource === false ? undefined : apiAudience) ?? "",
              useGrantedResource: async () => false,
              getResourceServerInfo: async (_ctx, resource) => {
                if (resource !== apiAudience) throw new errors.InvalidTarget();
                return {
                  scope: apiScopes.join(" "),
                  audience: apiAudience,
                  accessTokenTTL: accessTokenTtl,
                  accessTokenFormat: options.accessTokenFormat ?? "jwt",
                  jwt: { sign: { alg: "RS256" } },
                };
              },
            },
          },
          ...options.configuration,
        }),
    );
    // Errors are provoked on purpose in tests: keep koa / oidc-provider from reporting them.
    const quietEvents = ["error", "server_error", "grant.error", "authorization.error", "introspection.error", "revocation.error", "userinfo.error"] as const;
    const events: EventEmitter = provider;
    for (const ev of quietEvents) events.on(ev, () => {});
    server.on("request", interactionHandler(provider, accountId, apiScopes, options.signInPage === true));

    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    const http = got.extend({ retry: { limit: 0 }, timeout: { request: 10_000 }, throwHttpErrors: false });
    const discovery = await got(discoveryUrl, { timeout: { request: 10_000 } }).json<Record<string, string>>();
    const endpoints = {
      authorization: discovery.authorization_endpoint!,
      token: discovery.token_endpoint!,
      deviceAuthorization: discovery.device_authorization_endpoint!,
      introspection: discovery.introspection_endpoint!,
      revocation: discovery.revocation_endpoint!,
      userinfo: discovery.userinfo_endpoint!,
      jwks: discovery.jwks_uri!,
    };
    const browser = new ScriptedBrowser(issuer, got);

    async function tokenResponse(request: Promise<{ statusCode: number; body: string }>, what: string): Promise<Record<string, unknown>> {
      const res = await request;
      if (res.statusCode !== 200) throw new DevtoolsException(`Development issuer: ${what} failed with HTTP ${res.statusCode}: ${res.body.slice(0, 300)}`);
      return JSON.parse(res.body) as Record<string, unknown>;
    }

    return {
      issuer,
      discoveryUrl,
      apiAudience,
      accountId,
      endpoints,
      clients,
      provider,
      authClientConfig: (clientType, overrides = {}) => ({ ...authClientConfig({ issuer, clients, apiScopes, apiAudience }, clientType), ...overrides }),
      scriptedUser: (o) => browser.user(o),
      authorize: (url, o) => browser.authorize(url, o),
      approveDevice: (userCode, o) => browser.approveDevice(userCode, o),
      async authCodeTokens(o = {}) {
        const clientId = o.clientId ?? clients.publicApp.clientId;
        const redirectUri = o.redirectUri ?? "http://127.0.0.1:9/callback";
        const verifier = crypto.randomBytes(32).toString("base64url");
        const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
        const query = new URLSearchParams({
          client_id: clientId,
          response_type: "code",
          redirect_uri: redirectUri,
          scope: o.scope ?? "openid offline_access email profile",
          state: crypto.randomBytes(8).toString("hex"),
          code_challenge: challenge,
          code_challenge_method: "S256",
        });
        const { code, error } = await browser.authorize(`${endpoints.authorization}?${query}`, { redirectPrefix: redirectUri });
        if (!code) throw new DevtoolsException(`Development issuer: authorization failed: ${error}`);
        const form = { grant_type: "authorization_code", code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier, ...(o.resource ? { resource: o.resource } : {}) };
        return tokenResponse(http.post(endpoints.token, { form }), "code redemption");
      },
      clientCredentialsTokens(o = {}) {
        const { clientId: username, clientSecret: password } = clients.secretBasic;
        const form = { grant_type: "client_credentials", scope: o.scope ?? apiScopes.join(" ") };
        return tokenResponse(http.post(endpoints.token, { username, password, form }), "client credentials");
      },
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        unmute();
      },
    };
  }
}

function builtinClientMetadata(clients: DevIssuerClients): ClientMetadata[] {
  return [
    {
      client_id: clients.publicApp.clientId,
      application_type: "native",
      token_endpoint_auth_method: "none",
      redirect_uris: [LOOPBACK_REDIRECT_URI, LOCALHOST_REDIRECT_URI, "http://127.0.0.1/", "com.example.test:/cb"],
      grant_types: ["authorization_code", "refresh_token", DEVICE_GRANT],
      response_types: ["code"],
    },
    {
      client_id: clients.secretBasic.clientId,
      client_secret: clients.secretBasic.clientSecret,
      token_endpoint_auth_method: "client_secret_basic",
      redirect_uris: [WEB_REDIRECT_URI],
      grant_types: ["client_credentials", "authorization_code", "refresh_token", DEVICE_GRANT],
      response_types: ["code"],
    },
    {
      client_id: clients.secretPost.clientId,
      client_secret: clients.secretPost.clientSecret,
      token_endpoint_auth_method: "client_secret_post",
      redirect_uris: [],
      grant_types: ["client_credentials", "refresh_token"],
      response_types: [],
    },
    {
      client_id: clients.privateKeyJwt.clientId,
      token_endpoint_auth_method: "private_key_jwt",
      token_endpoint_auth_signing_alg: "RS256",
      jwks: { keys: [clients.privateKeyJwt.key.publicJwk as JWK] },
      redirect_uris: [WEB_REDIRECT_URI],
      grant_types: ["client_credentials", "authorization_code", "refresh_token", DEVICE_GRANT],
      response_types: ["code"],
    },
    {
      client_id: clients.device.clientId,
      token_endpoint_auth_method: "none",
      redirect_uris: [],
      grant_types: [DEVICE_GRANT, "refresh_token"],
      response_types: [],
    },
  ];
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

/** The sign-in page: who signs in, which client asks for what, and two buttons. */
function signInPageHtml(action: string, accountId: string, clientId: string, scope: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in - planet-auth development issuer</title></head>
<body>
<h1>Sign in to the development issuer</h1>
<p>The client <code>${escapeHtml(clientId)}</code> asks to sign you in as <strong>${escapeHtml(accountId)}</strong>
with the scopes <code>${escapeHtml(scope || "(none)")}</code>.</p>
<form method="post" action="${escapeHtml(action)}">
<button type="submit" name="decision" value="allow">Sign in as ${escapeHtml(accountId)} and allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>
`;
}

/** A small urlencoded form body (the sign-in page's one field). */
async function formBody(req: http.IncomingMessage): Promise<URLSearchParams> {
  let body = "";
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4096) break;
  }
  return new URLSearchParams(body);
}

/**
 * The `/interaction/*` pages: sign the account in and grant every requested scope and resource —
 * at once, or (with `signInPage`) when a person submits the sign-in page's form.
 */
function interactionHandler(provider: Provider, accountId: string, apiScopes: string[], signInPage: boolean): http.RequestListener {
  const callback = provider.callback();
  return async (req, res) => {
    if (!req.url?.startsWith("/interaction/")) return void callback(req, res);
    try {
      const details = await provider.interactionDetails(req, res);
      const params = details.params as Record<string, string | string[] | undefined>;
      if (signInPage && req.method !== "POST") {
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(signInPageHtml(`/interaction/${details.uid}`, accountId, String(params.client_id), typeof params.scope === "string" ? params.scope : ""));
        return;
      }
      if (signInPage && (await formBody(req)).get("decision") !== "allow") {
        const denied = { error: "access_denied", error_description: "The user denied the request at the sign-in page" };
        await provider.interactionFinished(req, res, denied, { mergeWithLastSubmission: false });
        return;
      }
      const clientId = String(params.client_id);
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
      grant.addOIDCScope(typeof params.scope === "string" ? params.scope : "openid");
      const resources = params.resource === undefined ? [] : [params.resource].flat();
      const missing = (details.prompt.details as { missingResourceScopes?: Record<string, string[]> }).missingResourceScopes ?? {};
      for (const r of new Set([...resources, ...Object.keys(missing)])) grant.addResourceScope(r, apiScopes.join(" "));
      const grantId = await grant.save();
      await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
    } catch (err) {
      res.statusCode = 500;
      res.end(`interaction failed: ${(err as Error).message}`);
    }
  };
}

function authClientConfig(
  { issuer, clients, apiScopes, apiAudience }: { issuer: string; clients: DevIssuerClients; apiScopes: string[]; apiAudience: string },
  clientType: DevClientType,
): Record<string, unknown> {
  const user = ["openid", "offline_access", "email", "profile"];
  const audiences = [apiAudience];
  switch (clientType) {
    case "oidc_client_credentials_secret":
      return { client_type: clientType, auth_server: issuer, client_id: clients.secretPost.clientId, client_secret: clients.secretPost.clientSecret, scopes: apiScopes, audiences };
    case "oidc_client_credentials_pubkey":
      return { client_type: clientType, auth_server: issuer, client_id: clients.privateKeyJwt.clientId, client_privkey: clients.privateKeyJwt.key.privateKeyPem, scopes: apiScopes, audiences };
    case "oidc_auth_code":
      return { client_type: clientType, auth_server: issuer, client_id: clients.publicApp.clientId, local_redirect_uri: "http://127.0.0.1:0/callback", scopes: user };
    case "oidc_device_code":
      return { client_type: clientType, auth_server: issuer, client_id: clients.device.clientId, scopes: user };
    case "oidc_client_validator":
      return { client_type: clientType, auth_server: issuer, issuer, audiences };
    default:
      throw new DevtoolsException(`The development issuer has no built-in client for client_type ${JSON.stringify(clientType)}`);
  }
}
