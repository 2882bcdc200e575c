/**
 * The OAuth flows: the first axis of the flow × client-auth composition. A flow knows
 * how to obtain tokens and which request authenticator suits it; the client supplies endpoints,
 * client authentication and the seams (browser opener, TTY prompt and display, sleep).
 */
import { givenOrPrompted, type JsonObject } from "../../kernel/index.js";
import { AuthorizationApiClient, type AuthorizationResult } from "./api/authorization.js";
import { DeviceAuthorizationApiClient, type DeviceAuthorizationResponse } from "./api/device-authorization.js";
import { createPkcePair } from "./api/pkce.js";
import { terminalQrCode } from "./qr-code.js";
import type { OidcAuthClient, OidcFlow, OidcLoginParams, OidcLoginResult } from "./client.js";
import type { AuthCodeClientConfig, ResourceOwnerClientConfig } from "./configs.js";
import { AuthCodeAuthClientException, DeviceCodeAuthClientException, ResourceOwnerAuthClientException } from "./errors.js";

/** Authorization code + PKCE, in browser mode (loopback listener) or TTY mode (pasted code). */
export const authCodeFlow: OidcFlow = {
  name: "authorization code",
  authenticator: "refreshing",
  canLoginUnattended: () => false,
  async login(client: OidcAuthClient, p: OidcLoginParams): Promise<OidcLoginResult> {
    if (!p.allowOpenBrowser && !p.allowTtyPrompt) {
      throw new AuthCodeAuthClientException(
        "There is no way to complete the user login: allow opening a browser or prompting on the terminal",
        { clientType: client.config().clientType() },
      );
    }
    const config = client.config() as AuthCodeClientConfig;
    const { services } = client;
    const pkce = createPkcePair();
    const authz = new AuthorizationApiClient({
      authorizationUri: await client.endpoints().authorizationEndpoint({ signal: p.signal }),
      acknowledgementBody: await client.callbackAcknowledgement(),
      logger: services.logger,
    });
    const request = {
      clientId: config.clientId(),
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      pkceCodeChallenge: pkce.challenge,
      extra: p.extra,
    };
    let result: AuthorizationResult;
    if (p.allowOpenBrowser) {
      result = await authz.authcodeFromPkceAuthRequestWithBrowserAndCallbackListener({
        ...request,
        redirectUri: config.localRedirectUri()!,
        browserOpener: services.browserOpener,
        display: services.display,
        timeoutMs: p.callbackTimeoutMs,
        signal: p.signal,
      });
    } else {
      result = await authz.authcodeFromPkceAuthRequestWithTtyInput({
        ...request,
        redirectUri: config.redirectUri()!,
        prompt: services.prompt,
        display: services.display,
      });
    }
    const api = await client.tokenApi();
    const tokens = await api.getTokenFromCode({
      redirectUri: result.redirectUri,
      code: result.code,
      codeVerifier: pkce.verifier,
      clientAuth: client.loginClientAuth(),
      signal: p.signal,
    });
    return { tokens, nonce: result.nonce };
  },
};

/** RFC 8628 device authorization grant. */
export const deviceCodeFlow: OidcFlow = {
  name: "device code",
  authenticator: "refreshing",
  canLoginUnattended: () => false,
  async deviceLoginInitiate(client: OidcAuthClient, p: OidcLoginParams): Promise<JsonObject> {
    const uri = await client.endpoints().deviceAuthorizationEndpoint({ signal: p.signal });
    const api = new DeviceAuthorizationApiClient({ ...client.apiDeps(), deviceAuthorizationUri: uri });
    return api.initiate({
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: client.loginClientAuth(),
      signal: p.signal,
    });
  },
  async deviceLoginComplete(client: OidcAuthClient, initiated: JsonObject, options: { signal?: AbortSignal }) {
    const api = await client.tokenApi();
    return api.pollForTokenFromDeviceCode({
      initiated: initiated as DeviceAuthorizationResponse,
      clientAuth: client.loginClientAuth(),
      sleep: client.services.sleep,
      signal: options.signal,
    });
  },
  async login(client: OidcAuthClient, p: OidcLoginParams): Promise<OidcLoginResult> {
    if (!p.allowTtyPrompt) {
      throw new DeviceCodeAuthClientException("Device code login requires terminal input (allow the TTY prompt)", {
        clientType: client.config().clientType(),
      });
    }
    const initiated = (await deviceCodeFlow.deviceLoginInitiate!(client, p)) as DeviceAuthorizationResponse;
    const { display, browserOpener } = client.services;
    const uri = initiated.verification_uri_complete || initiated.verification_uri;
    const scheme = URL.canParse(uri) ? new URL(uri).protocol : null;
    if (scheme !== "https:" && scheme !== "http:") {
      // Never hand a browser (or the person) a javascript:, file: or other URI from the server.
      throw new DeviceCodeAuthClientException(
        `The device authorization response's verification URI is not an http(s) URL (${scheme ? `scheme ${JSON.stringify(scheme.slice(0, -1).slice(0, 32))}` : "unparsable"}); refusing to open or show it`,
        { clientType: client.config().clientType(), field: "verification_uri" },
      );
    }
    if (p.allowOpenBrowser) {
      display.print(`Opening a browser to complete the login. Confirm that it shows the code: ${initiated.user_code}`);
      await browserOpener(uri);
    } else {
      display.print(`To activate your client, visit the following URL in a browser:\n\n\t${uri}\n\nand enter the code: ${initiated.user_code}\n`);
      if (p.displayQrCode) display.print(`Or scan this QR code:\n\n${await terminalQrCode(uri)}\n`);
    }
    const tokens = await deviceCodeFlow.deviceLoginComplete!(client, initiated, { signal: p.signal });
    return { tokens };
  },
};

/** Client credentials: unattended. */
export const clientCredentialsFlow: OidcFlow = {
  name: "client credentials",
  authenticator: "refresh-or-relogin",
  canLoginUnattended: () => true,
  async login(client: OidcAuthClient, p: OidcLoginParams): Promise<OidcLoginResult> {
    const api = await client.tokenApi();
    const tokens = await api.getTokenFromClientCredentials({
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: client.loginClientAuth(),
      signal: p.signal,
    });
    return { tokens };
  },
};

/** How to supply a value the resource-owner flow would otherwise ask for. */
const SUPPLY = {
  username: 'the "user_name" config field or the username login option',
  password: 'the "user_password" config field or the password login option',
} as const;

function ask(client: OidcAuthClient, given: string | null | undefined, question: string, hidden: boolean, allowPrompt: boolean, what: keyof typeof SUPPLY): Promise<string> {
  const clientType = client.config().clientType();
  return givenOrPrompted(client.services.prompt, given, question, {
    hidden,
    allowPrompt,
    missing: (reason, cause) =>
      new ResourceOwnerAuthClientException(
        reason === "empty-answer"
          ? `No ${what} was entered`
          : reason === "no-terminal"
            ? `A ${what} is required to log in and none is configured; it cannot be asked for without a terminal (standard input is not a terminal or is closed). Supply it with ${SUPPLY[what]}`
            : `A ${what} is required to log in, none is configured, and prompting is not allowed`,
        { clientType, field: what, cause },
      ),
  });
}

/** Resource owner password credentials (not recommended): argument > config > prompt. */
export const resourceOwnerFlow: OidcFlow = {
  name: "resource owner",
  authenticator: "refresh-or-relogin",
  usesPassword: true,
  canLoginUnattended: (client) => {
    const c = client.config() as ResourceOwnerClientConfig;
    return Boolean(c.userName() && c.userPassword());
  },
  async login(client: OidcAuthClient, p: OidcLoginParams): Promise<OidcLoginResult> {
    const c = client.config() as ResourceOwnerClientConfig;
    const username = await ask(client, p.username || c.userName(), "Email: ", false, p.allowTtyPrompt, "username");
    const password = await ask(client, p.password || c.userPassword(), "Password: ", true, p.allowTtyPrompt, "password");
    const api = await client.tokenApi();
    const tokens = await api.getTokenFromPassword({
      username,
      password,
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: client.loginClientAuth(),
      signal: p.signal,
    });
    return { tokens };
  },
};

/** Validate-only: no login, no refresh, no outgoing request authentication. */
export const validatorFlow: OidcFlow = {
  name: "validator",
  authenticator: "forbidden",
  canRefresh: false,
  canLoginUnattended: () => false,
  async login(client: OidcAuthClient): Promise<OidcLoginResult> {
    throw client.notSupported("login");
  },
};
