/**
 * `npm run demo`: a tour of the library as a user meets it, against servers it starts on 127.0.0.1 —
 * the embedded OpenID Provider of `planet-auth/devtools`, an API protected by the Express middleware, and
 * a stand-in for Planet's legacy login and API. Every step prints what happened and checks it; the exit
 * code is 0 only when every check passed. Profiles live in a temporary home directory, removed at the end.
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import got from "got";
import {
  Auth, OidcMultiIssuerValidator, createDefaultKernel, type AuthKernel, type FileBackedOidcCredential, type KernelServiceOverrides,
  type OidcAuthClient, type RefreshingOidcTokenRequestAuthenticator,
} from "planet-auth";
import { startDevIssuer, type DevIssuer, type ScriptedUser } from "planet-auth/devtools";
import { DemoReport, type StepContext } from "./support/demo-report.js";
import { startDemoResourceServer, type DemoResourceServer } from "./support/demo-resource-server.js";
import { startPlanetApiServer, type PlanetApiServer } from "./support/planet-api-server.js";

const EMAIL = "demo@example.com";
const PASSWORD = "demo-password";
const API_KEY = "PLAK-demo-0000000000";
const STEPS = 10;

const mask = (secret: string) => `${secret.slice(0, 8)}…`;
const bearerOf = (header: string | undefined) => /^Bearer (\S+)$/.exec(header ?? "")?.[1] ?? "";

interface Servers {
  op: DevIssuer;
  planet: PlanetApiServer;
  api: DemoResourceServer;
}

class Tour {
  readonly report = new DemoReport(STEPS);
  /** The person at the terminal and the browser, played by the devtools' scripted user. */
  readonly user: ScriptedUser;
  /** The user's kernel has its own clock, so the refresh step can move time forward. */
  readonly #clockSkew = { ms: 0 };
  serviceAccount?: Auth;
  userLogin?: Auth;
  deviceLogin?: Auth;

  constructor(readonly home: string, readonly servers: Servers) {
    this.user = servers.op.scriptedUser({ display: { print: (text) => this.report.say(text) } });
  }

  kernel(services: KernelServiceOverrides = {}): AuthKernel {
    return createDefaultKernel({ homeDir: () => this.home, services: { ...this.user.services, ...services } });
  }

  async savedToken(auth: Auth, c: StepContext): Promise<Record<string, unknown>> {
    const file = path.resolve(this.home, auth.tokenFilePath()!);
    const mode = (await stat(file)).mode & 0o777;
    c.check(mode === 0o600, `token saved to ~/${path.relative(this.home, file)} (mode 0600)`);
    return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
  }

  async clientCredentials(c: StepContext): Promise<void> {
    const { op, planet } = this.servers;
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret"), {
      kernel: this.kernel(),
      tokenFile: ".planet/service-account/token.json",
      profileName: "service-account",
    });
    await auth.ensureRequestAuthenticatorIsReady(); // unattended: no login yet, the first request gets a token
    const viaGot = await got.extend(auth.requestAuthenticator().gotHooks()).get(planet.echoUrl, { timeout: { request: 10_000 } }).json<{ headers: Record<string, string> }>();
    const token = bearerOf(viaGot.headers.authorization);
    c.say(`got   → Authorization: Bearer ${mask(token)}`);
    c.check(token.split(".").length === 3, "the first got request logged in by client credentials and carried a JWT access token");
    const res = await auth.requestAuthenticator().fetch()(planet.echoUrl, { signal: AbortSignal.timeout(10_000) });
    const viaFetch = ((await res.json()) as { headers: Record<string, string> }).headers;
    c.say(`fetch → Authorization: Bearer ${mask(bearerOf(viaFetch.authorization))}; X-Planet-App: ${viaFetch["x-planet-app"]}`);
    c.check(bearerOf(viaFetch.authorization) === token, "the fetch request reused the same token (no second login)");
    c.check((await this.savedToken(auth, c)).access_token === token, "the saved token is the one the requests carried");
    this.serviceAccount = auth;
  }

  async deviceCode(c: StepContext): Promise<void> {
    const { op } = this.servers;
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_device_code"), {
      kernel: this.kernel(),
      tokenFile: ".planet/device-user/token.json",
      profileName: "device-user",
    });
    c.say("(the library shows, through its display seam:)");
    const shownBefore = this.user.shown.length;
    const cred = await auth.login({ allowTtyPrompt: true, displayQrCode: true });
    const shown = this.user.shown.slice(shownBefore);
    const code = this.user.deviceCodes.at(-1) ?? "";
    c.check(shown.some((t) => t.includes(code) && t.includes(op.issuer)), `the verification URL and user code ${code} were shown`);
    c.check(shown.some((t) => t.startsWith("Or scan this QR code:") && t.split("\n").length > 10), "a QR code of the verification URL was shown");
    c.say(`(the user approved ${code} at the provider; polling then received the tokens)`);
    c.check(Boolean(cred.data()?.access_token && cred.data()?.refresh_token), "the login returned an access token and a refresh token");
    await this.savedToken(auth, c);
    this.deviceLogin = auth;
  }

  async authCode(c: StepContext): Promise<void> {
    const { op } = this.servers;
    const skew = this.#clockSkew;
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_auth_code"), {
      kernel: this.kernel({ clock: { now: () => Date.now() + skew.ms } }),
      tokenFile: ".planet/user/token.json",
      profileName: "user",
    });
    const before = this.user.authorizations.length;
    await auth.login({ allowOpenBrowser: true });
    const visit = this.user.authorizations[before];
    const opened = new URL(this.user.opened.at(-1) ?? op.issuer);
    c.say(`browser opened → ${opened.origin}${opened.pathname}?${[...opened.searchParams.keys()].join("&")}`);
    c.check(opened.searchParams.get("code_challenge_method") === "S256" && /^http:\/\/127\.0\.0\.1:\d+\/callback$/.test(opened.searchParams.get("redirect_uri") ?? ""), "the authorization request carried a PKCE challenge (S256) and a loopback redirect_uri");
    c.say(`provider → ${visit?.callbackUrl.replace(/code=[^&]+/, "code=…")}`);
    c.check(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/.test(visit?.callbackUrl ?? ""), "the provider redirected the browser to the library's loopback listener");
    c.check(visit?.delivered?.status === 200, "the listener received the code and answered the browser");
    const client = auth.authClient() as OidcAuthClient;
    const cred = (await auth.requestAuthenticator().credential()) as FileBackedOidcCredential;
    c.check(Boolean(cred.idToken()), "the code was redeemed with the PKCE verifier; the ID token was validated (signature, issuer, audience, nonce)");
    const info = await client.userinfoFromAccessToken((await cred.accessToken())!);
    c.say(`userinfo → sub=${info.sub} email=${info.email}`);
    c.check(info.sub === op.accountId, "userinfo accepted the access token");
    this.userLogin = auth;
  }

  async forcedRefresh(c: StepContext): Promise<void> {
    const auth = this.userLogin!;
    const authenticator = auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
    const before = await this.savedToken(auth, c);
    this.#clockSkew.ms = 50 * 60_000; // past ¾ of the token's hour: the next request refreshes first
    c.say("the user's kernel clock is moved 50 minutes ahead (the token is refreshed after ¾ of its life)");
    const headers = await authenticator.authorizationHeaders();
    const after = await this.savedToken(auth, c);
    c.check(authenticator.refreshCount() === 1 && authenticator.lastRefreshError() === null, "the next request refreshed the token first (one refresh, no error)");
    c.check(bearerOf(headers.Authorization) === after.access_token && after.access_token !== before.access_token, "the request carried the new access token, which was saved");
    c.check(after.refresh_token !== before.refresh_token, "the provider rotated the refresh token; the new one was saved");
  }

  async validation(c: StepContext): Promise<void> {
    const { op } = this.servers;
    const jwt = bearerOf((await this.serviceAccount!.requestAuthenticator().authorizationHeaders()).Authorization);
    const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience, kernel: this.kernel(), logResult: false });
    const [claims] = await validator.validateAccessToken(jwt, { scopesAnyof: ["api:read"] });
    c.say(`local  → iss=${claims.iss} aud=${claims.aud} client_id=${claims.client_id} scope="${claims.scope}"`);
    c.check(claims.iss === op.issuer && claims.aud === op.apiAudience, "the service account's JWT validated locally (JWKS signature, issuer, audience, expiry, scope)");
    const rs = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_pubkey"), { kernel: this.kernel() });
    const deviceToken = (await this.deviceLogin!.requestAuthenticator().credential())!.data()!.access_token as string;
    const introspection = await (rs.authClient() as OidcAuthClient).validateAccessTokenRemote(deviceToken);
    c.say(`remote → active=${introspection.active} sub=${introspection.sub} client_id=${introspection.client_id}`);
    c.check(introspection.active === true && introspection.sub === op.accountId, "the device user's opaque token was introspected (private_key_jwt client authentication): active");
  }

  async resourceServer(c: StepContext): Promise<void> {
    const { api } = this.servers;
    const call = async (route: string, fetchFn: typeof fetch = fetch, headers: Record<string, string> = {}) => {
      const res = await fetchFn(`${api.url}${route}`, { headers, signal: AbortSignal.timeout(10_000) });
      const challenge = res.headers.get("www-authenticate");
      c.say(`GET ${route.padEnd(10)} → ${res.status}${challenge ? `  WWW-Authenticate: ${challenge}` : `  ${await res.text()}`}`);
      return { status: res.status, challenge: challenge ?? "" };
    };
    const serviceFetch = this.serviceAccount!.requestAuthenticator().fetch();
    c.check((await call("/v1/items", serviceFetch)).status === 200, "a valid token with scope api:read: 200");
    const missing = await call("/v1/items");
    c.check(missing.status === 401 && !missing.challenge.includes("error="), "no token: 401 with a bare Bearer challenge");
    const forged = await call("/v1/items", fetch, { authorization: "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJ4In0.c2ln" });
    c.check(forged.status === 401 && forged.challenge.includes('error="invalid_token"'), "an invalid token: 401 invalid_token");
    const admin = await call("/v1/admin", serviceFetch);
    c.check(admin.status === 403 && admin.challenge.includes('error="insufficient_scope"') && admin.challenge.includes('scope="admin"'), "a valid token without scope admin: 403 insufficient_scope");
  }

  async dpop(c: StepContext): Promise<void> {
    const { op, api } = this.servers;
    const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), {
      kernel: this.kernel(),
      tokenFile: ".planet/dpop-service/token.json",
      profileName: "dpop-service",
    });
    await auth.ensureRequestAuthenticatorIsReady();
    const saved = await this.savedToken(auth, c);
    const keyFile = path.resolve(this.home, ".planet/dpop-service/token.dpop.json");
    c.check(saved.token_type === "DPoP" && ((await stat(keyFile)).mode & 0o777) === 0o600, "the provider issued a DPoP-bound token; the profile's key pair is saved beside it (token.dpop.json, mode 0600)");
    const url = `${api.url}/v2/items`;
    const headers = await auth.requestAuthenticator().authorizationHeaders({ method: "GET", url });
    c.say(`→ Authorization: ${headers.Authorization!.slice(0, 13)}…  DPoP: ${mask(headers.DPoP!)} (a proof of GET ${url})`);
    const res = await auth.requestAuthenticator().fetch()(url, { signal: AbortSignal.timeout(10_000) });
    c.say(`GET /v2/items (DPoP required) → ${res.status} ${await res.text()}`);
    c.check(res.status === 200, "the API checked the proof (method, URL, time, token hash, signature) and the token's binding to its key: 200");
    const stolen = saved.access_token as string;
    for (const [what, authorization] of [["without its key", `DPoP ${stolen}`], ["as a Bearer token", `Bearer ${stolen}`]] as const) {
      const r = await fetch(url, { headers: { authorization }, signal: AbortSignal.timeout(10_000) });
      c.say(`the token ${what} → ${r.status}  WWW-Authenticate: ${r.headers.get("www-authenticate")}`);
      c.check(r.status === 401, `a stolen DPoP token ${what} is refused`);
    }
    const first = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    const again = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
    c.say(`the proof shown above, sent twice → ${first.status}, then ${again.status}  WWW-Authenticate: ${again.headers.get("www-authenticate")}`);
    c.check(first.status === 200 && again.status === 401 && again.headers.get("www-authenticate")!.includes('error="invalid_dpop_proof"'), "a captured proof is good once: replayed, it is refused (invalid_dpop_proof)");
  }

  async revocation(c: StepContext): Promise<void> {
    const { api } = this.servers;
    const auth = this.userLogin!;
    const userFetch = auth.requestAuthenticator().fetch();
    const me = async () => userFetch(`${api.url}/me`, { signal: AbortSignal.timeout(10_000) });
    const before = await me();
    c.say(`GET /me (introspected) → ${before.status} ${await before.text()}`);
    c.check(before.status === 200, "the API accepted the user's access token");
    const token = (await auth.requestAuthenticator().credential())!.data()!.access_token as string;
    await (auth.authClient() as OidcAuthClient).revokeAccessToken(token);
    c.say("revoked the access token at the provider (RFC 7009)");
    const after = await me();
    c.say(`GET /me (introspected) → ${after.status}  WWW-Authenticate: ${after.headers.get("www-authenticate")}`);
    c.check(after.status === 401 && after.headers.get("www-authenticate")!.includes('error="invalid_token"'), "the API refused the revoked token: 401 invalid_token");
    c.say("(JWT access tokens are self-contained: this provider cannot revoke them; they end at their expiry)");
  }

  async staticKey(c: StepContext): Promise<void> {
    const { planet } = this.servers;
    const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: API_KEY, bearer_token_prefix: "api-key" }, { kernel: this.kernel() });
    await auth.ensureRequestAuthenticatorIsReady();
    const echoed = await got.extend(auth.requestAuthenticator().gotHooks()).get(planet.echoUrl, { timeout: { request: 10_000 } }).json<{ headers: Record<string, string> }>();
    c.say(`got → Authorization: ${echoed.headers.authorization!.replace(API_KEY, mask(API_KEY))}`);
    c.check(echoed.headers.authorization === `api-key ${API_KEY}`, "the request carried the API key with the configured prefix");
  }

  async legacy(c: StepContext): Promise<void> {
    const { planet } = this.servers;
    const config = { client_type: "planet_legacy", legacy_auth_endpoint: planet.loginUrl };
    const options = { tokenFile: ".planet/legacy/token.json", profileName: "legacy" };
    const auth = await Auth.initializeFromConfigDict(config, { kernel: this.kernel(), ...options });
    await auth.login({ username: EMAIL, password: PASSWORD });
    const saved = await this.savedToken(auth, c);
    c.check(saved.key === API_KEY && typeof saved.jwt === "string", `logged in as ${EMAIL}; the saved credential holds the API key (${mask(API_KEY)}) and the JWT`);
    const again = await Auth.initializeFromConfigDict(config, { kernel: this.kernel(), ...options });
    await again.ensureRequestAuthenticatorIsReady();
    const res = await again.requestAuthenticator().fetch()(planet.echoUrl, { signal: AbortSignal.timeout(10_000) });
    const headers = ((await res.json()) as { headers: Record<string, string> }).headers;
    c.say(`fetch from a new context → Authorization: ${headers.authorization!.replace(API_KEY, mask(API_KEY))}`);
    c.check(headers.authorization === `api-key ${API_KEY}` && planet.logins.length === 1, "a new context reused the saved key without logging in again");
  }
}

async function main(): Promise<number> {
  const home = await mkdtemp(path.join(tmpdir(), "planet-auth-demo-"));
  console.log("== planet-auth demo: every flow against servers on 127.0.0.1 ==");
  console.log(`Profile and token files live in a temporary home directory: ${home} (removed at the end)`);
  const [op, planet] = await Promise.all([startDevIssuer(), startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } })]);
  let api: DemoResourceServer | undefined;
  let tour: Tour | undefined;
  try {
    const kernel = createDefaultKernel({ homeDir: () => home });
    const jwtValidator = await OidcMultiIssuerValidator.fromAuthServerUrls([op.issuer], { audience: op.apiAudience, kernel, logResult: false });
    const introspector = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_pubkey"), { kernel });
    api = await startDemoResourceServer(jwtValidator, introspector.authClient() as OidcAuthClient);
    console.log(`OpenID Provider (planet-auth/devtools): ${op.issuer}   API (planet-auth/express): ${api.url}   Planet stand-in: ${planet.baseUrl}`);
    const t = (tour = new Tour(home, { op, planet, api }));
    const { report } = t;
    await report.step("Client credentials (client_secret_post): requests with got and fetch", (c) => t.clientCredentials(c));
    await report.step("Device code: the user code and a QR code on the terminal; the user approves", (c) => t.deviceCode(c));
    await report.step("Auth code + PKCE: loopback listener, browser opened for the user", (c) => t.authCode(c));
    await report.step("Forced refresh: the token ages, the next request refreshes it", (c) => t.forcedRefresh(c));
    await report.step("Token validation: local (JWT) and remote (introspection)", (c) => t.validation(c));
    await report.step("Resource server protected by planet-auth/express: 200, 401, 403", (c) => t.resourceServer(c));
    await report.step("DPoP: a token bound to the profile's key; stolen or replayed, it is refused", (c) => t.dpop(c));
    await report.step("Revocation: the API then refuses the token", (c) => t.revocation(c));
    await report.step("Static API key", (c) => t.staticKey(c));
    await report.step("Planet legacy login: login once, reuse the saved key", (c) => t.legacy(c));
  } finally {
    await Promise.all([api?.close(), planet.close(), op.stop()]);
    await rm(home, { recursive: true, force: true });
  }
  console.log(`\nTemporary home ${home} removed.`);
  return tour ? tour.report.finish() : 1;
}

process.exitCode = await main().catch((err: unknown) => {
  console.error("The demo could not run:", err);
  return 1;
});
