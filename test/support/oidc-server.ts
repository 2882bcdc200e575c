/**
 * A real OpenID Provider (oidc-provider 9) running in-process on 127.0.0.1 with a random port, for
 * integration tests. Logs are silenced. No browser is needed: a custom `/interaction/*` handler logs the
 * test user in and grants everything requested, and `authorize()` / `approveDevice()` drive the
 * user-agent side with a tiny cookie jar.
 *
 * ```ts
 * const op = await startOidcServer();
 * // op.issuer, op.discoveryUrl, op.apiAudience, op.clients.{publicApp,secretBasic,secretPost,privateKeyJwt,device}
 * const tokens = await op.authCodeTokens({ scope: "openid offline_access" }); // whole auth-code+PKCE flow
 * const cb = await op.authorize(authUrl);                   // drive an authorization URL; returns the callback
 * await op.authorize(authUrl, { deliver: true });            // …and GET the callback (e.g. a loopback listener)
 * await op.approveDevice(userCode);                          // or { deny: true }
 * await op.stop();
 * ```
 *
 * What is configured:
 * - discovery, JWKS (one RS256 signing key), userinfo, introspection, revocation, device flow,
 *   client credentials; PKCE required for public clients (oidc-provider default);
 * - refresh tokens are issued whenever the client may use the refresh_token grant (no offline_access
 *   or consent prompt needed); public clients get rotating refresh tokens (oidc-provider default);
 * - resource indicators: one API resource (`apiAudience`, scopes `api:read api:write`) issuing **JWT**
 *   access tokens (RS256). It is the default resource of every request, so client-credentials tokens
 *   are JWTs for the API; for a grant that includes `openid`, the token endpoint issues an opaque
 *   access token usable at userinfo unless `resource` is sent to the token endpoint (oidc-provider's
 *   rules). Set `defaultResource: false` to turn the default off.
 */
import http from "node:http";
import crypto from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Got } from "got";
import type Provider from "oidc-provider";
import type { ClientMetadata } from "oidc-provider";

export const DEFAULT_ACCOUNT_ID = "alice";
export const DEFAULT_API_AUDIENCE = "https://api.example.test/";
export const DEFAULT_API_SCOPES = ["api:read", "api:write"];
/** The web redirect URI registered for the confidential auth-code clients. */
export const WEB_REDIRECT_URI = "https://client.example.test/cb";
/** Loopback redirect URI registered for the native public client (any port is accepted, RFC 8252). */
export const LOOPBACK_REDIRECT_URI = "http://127.0.0.1/callback";
export const LOCALHOST_REDIRECT_URI = "http://localhost/callback";

export interface TestRsaKey {
  /** PKCS#8 `PRIVATE KEY` PEM. */
  privateKeyPem: string;
  /** PKCS#1 `RSA PRIVATE KEY` PEM. */
  privateKeyPkcs1Pem: string;
  /** Encrypted PKCS#8 `ENCRYPTED PRIVATE KEY` PEM, password `privateKeyPassword`. */
  encryptedPrivateKeyPem: string;
  privateKeyPassword: string;
  publicKey: crypto.KeyObject;
  publicJwk: crypto.JsonWebKey & { kid: string; alg: string; use: string };
}

/** A fresh RSA-2048 key pair in every format the tests need. */
export function generateTestRsaKey(kid: string = crypto.randomUUID()): TestRsaKey {
  const { privateKey, publicKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const privateKeyPassword = "test-key-password";
  return {
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKeyPkcs1Pem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    encryptedPrivateKeyPem: privateKey
      .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: privateKeyPassword })
      .toString(),
    privateKeyPassword,
    publicKey,
    publicJwk: { ...publicKey.export({ format: "jwk" }), kid, alg: "RS256", use: "sig" },
  };
}

export interface OidcServerOptions {
  /** Extra clients (oidc-provider metadata), added to the built-in ones. */
  clients?: ClientMetadata[];
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
  /** The account every interaction logs in. Default `alice`. */
  accountId?: string;
  /** Extra oidc-provider configuration, shallow-merged last (escape hatch). */
  configuration?: Record<string, unknown>;
}

export interface TestClient {
  clientId: string;
  clientSecret?: string;
  redirectUri?: string;
}

export interface OidcServerClients {
  /** Native public client (`none`): auth code + PKCE, refresh, device code. Loopback/web redirects. */
  publicApp: TestClient & { redirectUri: string };
  /** Confidential, client_secret_basic: client credentials, auth code, refresh, device code. */
  secretBasic: TestClient & { clientSecret: string; redirectUri: string };
  /** Confidential, client_secret_post: client credentials, refresh. */
  secretPost: TestClient & { clientSecret: string };
  /** Confidential, private_key_jwt (RS256): client credentials, auth code, refresh, device code. */
  privateKeyJwt: TestClient & { key: TestRsaKey; redirectUri: string };
  /** Public device client (`none`): device code, refresh. */
  device: TestClient;
}

export interface AuthorizeOptions {
  /** GET the final redirect (e.g. to a loopback callback listener) and report its answer. */
  deliver?: boolean;
  /** Stop following when the redirect starts with this. Default: any URL not on the issuer. */
  redirectPrefix?: string;
}

export interface AuthorizeResult {
  /** The redirect back to the client, with `code`/`state` or `error`. */
  callbackUrl: string;
  code?: string;
  state?: string;
  error?: string;
  /** The callback's answer when `deliver` was set. */
  delivered?: { status: number; body: string };
}

export interface OidcServer {
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
  clients: OidcServerClients;
  /** The oidc-provider instance, for anything not covered here. */
  provider: Provider;
  /** Drive an authorization URL as a logged-in user who consents to everything. */
  authorize(url: string, options?: AuthorizeOptions): Promise<AuthorizeResult>;
  /** Approve (or deny) a device-flow user code as the test user. */
  approveDevice(userCode: string, options?: { deny?: boolean }): Promise<void>;
  /** Whole auth-code + PKCE flow for a public client (default `publicApp`); returns the token response. */
  authCodeTokens(options?: { clientId?: string; scope?: string; redirectUri?: string; resource?: string }): Promise<Record<string, unknown>>;
  /** Client-credentials grant with `secretBasic`; returns the token response. */
  clientCredentialsTokens(options?: { scope?: string }): Promise<Record<string, unknown>>;
  stop(): Promise<void>;
}

let providerModule: Promise<typeof import("oidc-provider")> | undefined;

/**
 * oidc-provider prints notices ("Unsupported runtime" on Node 20, "you SHOULD change…" the first time
 * a default is used) through console.info/warn. While any fixture server runs, those lines are dropped;
 * everything else passes through. Reference-counted so several servers may run at once.
 */
let muteCount = 0;
let restoreConsole: (() => void) | undefined;
function muteProviderNotices(): () => void {
  if (muteCount++ === 0) {
    const { warn, info } = console;
    const isNotice = (args: unknown[]) => typeof args[0] === "string" && args[0].startsWith("oidc-provider ");
    console.warn = (...args: unknown[]) => void (isNotice(args) || warn(...args));
    console.info = (...args: unknown[]) => void (isNotice(args) || info(...args));
    restoreConsole = () => {
      console.warn = warn;
      console.info = info;
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--muteCount === 0) restoreConsole?.();
  };
}

/**
 * Run `fn` with a realm-local `structuredClone`: under jest's vm modules the native one returns objects
 * of the outer realm, which oidc-provider's `constructor === Object` checks reject (e.g. a client's
 * `jwks` is then "invalid").
 */
async function withRealmLocalClone<T>(fn: () => T | Promise<T>): Promise<T> {
  const clone = globalThis.structuredClone;
  globalThis.structuredClone = ((v: unknown) => (v === undefined ? v : JSON.parse(JSON.stringify(v)))) as typeof structuredClone;
  try {
    return await fn();
  } finally {
    globalThis.structuredClone = clone;
  }
}

async function loadGot(): Promise<Got> {
  return (await import("got")).default;
}

/** A got instance with a cookie jar that follows nothing and never retries. */
async function jarClient(): Promise<Got> {
  const got = await loadGot();
  const jar = new Map<string, string>();
  return got.extend({
    followRedirect: false,
    throwHttpErrors: false,
    retry: { limit: 0 },
    cookieJar: {
      getCookieString: async () => [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
      setCookie: async (raw: string) => {
        const [nv = "", ...attrs] = raw.split(";");
        const i = nv.indexOf("=");
        const name = nv.slice(0, i).trim();
        const value = nv.slice(i + 1).trim();
        const expiredCookie = /max-age=0|expires=thu, 01 jan 1970/i;
        const expired = attrs.some((a) => expiredCookie.exec(a.trim()) !== null);
        if (expired || value === "") jar.delete(name);
        else jar.set(name, value);
      },
    },
  });
}

function hiddenForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new Error(`oidc-server fixture: no form in page:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  return { action, fields };
}

/** Start a provider; always `stop()` it (afterAll). */
export async function startOidcServer(options: OidcServerOptions = {}): Promise<OidcServer> {
  const unmute = muteProviderNotices();
  try {
    return await start(options, unmute);
  } catch (err) {
    unmute();
    throw err;
  }
}

async function start(options: OidcServerOptions, unmute: () => void): Promise<OidcServer> {
  const { default: ProviderClass } = await (providerModule ??= import("oidc-provider"));
  const accountId = options.accountId ?? DEFAULT_ACCOUNT_ID;
  const apiAudience = options.apiAudience ?? DEFAULT_API_AUDIENCE;
  const apiScopes = options.apiScopes ?? DEFAULT_API_SCOPES;

  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  try {
    return await configure(server);
  } catch (err) {
    server.closeAllConnections();
    server.close();
    throw err;
  }

  async function configure(server: http.Server): Promise<OidcServer> {
    const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const signingKey = generateTestRsaKey("op-signing-key");
    const clientKey = generateTestRsaKey("client-key");
    const clients: OidcServerClients = {
      publicApp: { clientId: "public-app", redirectUri: LOOPBACK_REDIRECT_URI },
      secretBasic: { clientId: "secret-basic", clientSecret: "secret-basic-secret:with:colons", redirectUri: WEB_REDIRECT_URI },
      secretPost: { clientId: "secret-post", clientSecret: "secret-post-secret" },
      privateKeyJwt: { clientId: "pubkey-jwt", key: clientKey, redirectUri: WEB_REDIRECT_URI },
      device: { clientId: "device-app" },
    };
    const DEVICE = "urn:ietf:params:oauth:grant-type:device_code";
    const clientMetadata: ClientMetadata[] = [
      {
        client_id: clients.publicApp.clientId,
        application_type: "native",
        token_endpoint_auth_method: "none",
        redirect_uris: [LOOPBACK_REDIRECT_URI, LOCALHOST_REDIRECT_URI, "http://127.0.0.1/", "com.example.test:/cb"],
        grant_types: ["authorization_code", "refresh_token", DEVICE],
        response_types: ["code"],
      },
      {
        client_id: clients.secretBasic.clientId,
        client_secret: clients.secretBasic.clientSecret,
        token_endpoint_auth_method: "client_secret_basic",
        redirect_uris: [WEB_REDIRECT_URI],
        grant_types: ["client_credentials", "authorization_code", "refresh_token", DEVICE],
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
        jwks: { keys: [clientKey.publicJwk as any] },
        redirect_uris: [WEB_REDIRECT_URI],
        grant_types: ["client_credentials", "authorization_code", "refresh_token", DEVICE],
        response_types: ["code"],
      },
      {
        client_id: clients.device.clientId,
        token_endpoint_auth_method: "none",
        redirect_uris: [],
        grant_types: [DEVICE, "refresh_token"],
        response_types: [],
      },
      ...(options.clients ?? []),
    ];

    const provider: Provider = await withRealmLocalClone(
      () =>
        new ProviderClass(issuer, {
          clients: clientMetadata,
          jwks: { keys: [{ ...crypto.createPrivateKey(signingKey.privateKeyPem).export({ format: "jwk" }), kid: "op-signing-key", alg: "RS256", use: "sig" } as any] },
          cookies: { keys: ["oidc-server-fixture-cookie-key"] },
          findAccount: async (_ctx: unknown, sub: string) => ({
            accountId: sub,
            claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, name: `Test user ${sub}` }),
          }),
          claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
          scopes: ["openid", "offline_access", "email", "profile"],
          pkce: { required: (_ctx: unknown, client: { clientAuthMethod: string }) => client.clientAuthMethod === "none" },
          ttl: {
            AccessToken: options.accessTokenTtl ?? 3600,
            ClientCredentials: options.accessTokenTtl ?? 3600,
            DeviceCode: options.deviceCodeTtl ?? 600,
          },
          issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(g: string): boolean }) => client.grantTypeAllowed("refresh_token"),
          features: {
            devInteractions: { enabled: false },
            deviceFlow: { enabled: true },
            clientCredentials: { enabled: true },
            introspection: { enabled: true },
            revocation: { enabled: true },
            userinfo: { enabled: true },
            resourceIndicators: {
              enabled: true,
              defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string | string[]) =>
                oneOf ?? (options.defaultResource === false ? undefined : apiAudience),
              useGrantedResource: async () => false,
              getResourceServerInfo: async (_ctx: unknown, resource: string) => {
                if (resource !== apiAudience) throw new (ProviderClass as any).errors.InvalidTarget();
                return {
                  scope: apiScopes.join(" "),
                  audience: apiAudience,
                  accessTokenTTL: options.accessTokenTtl ?? 3600,
                  accessTokenFormat: options.accessTokenFormat ?? "jwt",
                  jwt: { sign: { alg: "RS256" } },
                };
              },
            },
          },
          ...(options.configuration ?? {}),
        } as any),
    );
    // Silence koa/oidc-provider error reporting (tests provoke errors on purpose).
    const emitter = provider as unknown as { on(ev: string, fn: () => void): void };
    for (const ev of ["error", "server_error", "grant.error", "authorization.error", "introspection.error", "revocation.error", "userinfo.error"]) {
      emitter.on(ev, () => {});
    }

    const callback = provider.callback();
    server.on("request", async (req, res) => {
      if (req.url?.startsWith("/interaction/")) {
        try {
          const details = await provider.interactionDetails(req, res);
          const params = details.params as Record<string, string | string[] | undefined>;
          const grant = details.grantId
            ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId, clientId: String(params.client_id) }))
            : new provider.Grant({ accountId, clientId: String(params.client_id) });
          const scope = typeof params.scope === "string" ? params.scope : "openid";
          grant.addOIDCScope(scope);
          const resources = params.resource === undefined ? [] : Array.isArray(params.resource) ? params.resource : [params.resource];
          const missing = (details.prompt.details as { missingResourceScopes?: Record<string, string[]> }).missingResourceScopes ?? {};
          for (const r of new Set([...resources, ...Object.keys(missing)])) grant.addResourceScope(r, apiScopes.join(" "));
          const grantId = await grant.save();
          await provider.interactionFinished(req, res, { login: { accountId }, consent: { grantId } }, { mergeWithLastSubmission: false });
        } catch (err) {
          res.statusCode = 500;
          res.end(`interaction failed: ${(err as Error).message}`);
        }
        return;
      }
      callback(req, res);
    });

    const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
    const got = await loadGot();
    const discovery = await got(discoveryUrl).json<Record<string, string>>();
    const endpoints = {
      authorization: discovery.authorization_endpoint!,
      token: discovery.token_endpoint!,
      deviceAuthorization: discovery.device_authorization_endpoint!,
      introspection: discovery.introspection_endpoint!,
      revocation: discovery.revocation_endpoint!,
      userinfo: discovery.userinfo_endpoint!,
      jwks: discovery.jwks_uri!,
    };

    async function authorize(url: string, opts: AuthorizeOptions = {}): Promise<AuthorizeResult> {
      const c = await jarClient();
      const isCallback = (u: string) => (opts.redirectPrefix ? u.startsWith(opts.redirectPrefix) : !u.startsWith(issuer));
      let current = url;
      for (let i = 0; i < 15; i++) {
        const r = await c.get(current);
        const loc = r.headers.location;
        if (!loc) throw new Error(`oidc-server fixture: authorization stopped at ${current} with ${r.statusCode}: ${r.body.slice(0, 300)}`);
        current = new URL(loc, current).href;
        if (isCallback(current)) {
          const q = new URL(current).searchParams;
          const result: AuthorizeResult = {
            callbackUrl: current,
            code: q.get("code") ?? undefined,
            state: q.get("state") ?? undefined,
            error: q.get("error") ?? undefined,
          };
          if (opts.deliver) {
            const d = await got(current, { throwHttpErrors: false, retry: { limit: 0 }, followRedirect: false });
            result.delivered = { status: d.statusCode, body: d.body };
          }
          return result;
        }
      }
      throw new Error("oidc-server fixture: too many redirects");
    }

    async function approveDevice(userCode: string, opts: { deny?: boolean } = {}): Promise<void> {
      const c = await jarClient();
      let page = await c.get(`${issuer}/device?${new URLSearchParams({ user_code: userCode })}`);
      let f = hiddenForm(page.body);
      page = await c.post(new URL(f.action, issuer).href, { form: f.fields }); // confirm page
      f = hiddenForm(page.body);
      const form = opts.deny ? { ...f.fields, abort: "yes" } : f.fields;
      page = await c.post(new URL(f.action, issuer).href, { form });
      if (opts.deny) return;
      let loc = page.headers.location;
      let url = issuer;
      for (let i = 0; loc && i < 10; i++) {
        url = new URL(loc, url).href;
        page = await c.get(url);
        loc = page.headers.location;
      }
      if (page.statusCode !== 200) throw new Error(`oidc-server fixture: device approval ended with ${page.statusCode}`);
    }

    async function authCodeTokens(o: { clientId?: string; scope?: string; redirectUri?: string; resource?: string } = {}) {
      const clientId = o.clientId ?? clients.publicApp.clientId;
      const redirectUri = o.redirectUri ?? "http://127.0.0.1:9/callback";
      const verifier = crypto.randomBytes(32).toString("base64url");
      const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
      const state = crypto.randomBytes(8).toString("hex");
      const url =
        `${endpoints.authorization}?` +
        new URLSearchParams({
          client_id: clientId,
          response_type: "code",
          redirect_uri: redirectUri,
          scope: o.scope ?? "openid offline_access email profile",
          state,
          code_challenge: challenge,
          code_challenge_method: "S256",
        });
      const { code, error } = await authorize(url, { redirectPrefix: redirectUri });
      if (!code) throw new Error(`oidc-server fixture: authorization failed: ${error}`);
      const res = await got.post(endpoints.token, {
        throwHttpErrors: false,
        form: {
          grant_type: "authorization_code",
          code,
          redirect_uri: redirectUri,
          client_id: clientId,
          code_verifier: verifier,
          ...(o.resource ? { resource: o.resource } : {}),
        },
      });
      const body = JSON.parse(res.body) as Record<string, unknown>;
      if (res.statusCode !== 200) throw new Error(`oidc-server fixture: code redemption failed: ${res.body}`);
      return body;
    }

    async function clientCredentialsTokens(o: { scope?: string } = {}) {
      const res = await got.post(endpoints.token, {
        throwHttpErrors: false,
        username: clients.secretBasic.clientId,
        password: clients.secretBasic.clientSecret,
        form: { grant_type: "client_credentials", scope: o.scope ?? apiScopes.join(" ") },
      });
      if (res.statusCode !== 200) throw new Error(`oidc-server fixture: client credentials failed: ${res.body}`);
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
      authorize,
      approveDevice,
      authCodeTokens,
      clientCredentialsTokens,
      async stop() {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
        unmute();
      },
    };
  }
}
