/**
 * The OAuth flows (RFC 6749 section 4, RFC 7636, RFC 8628): the first axis of the flow × client-authentication
 * composition. A flow knows how to obtain tokens and which request authenticator suits it; its
 * context supplies the config values, endpoints, client authentication and the seams (browser
 * opener, TTY prompt and display, sleep).
 */
import { givenOrPrompted, type JsonObject, type KernelServices } from "../../kernel/index.js";
import { AuthorizationApiClient, type AuthorizationResult } from "./api/authorization.js";
import type { DeviceAuthorizationResponse } from "./api/device-authorization.js";
import { createPkcePair } from "./api/pkce.js";
import { terminalQrCode } from "./qr-code.js";
import type { OidcFlow, OidcFlowContext, OidcLoginParams, OidcLoginResult } from "./client.js";
import { AuthCodeAuthClientException, DeviceCodeAuthClientException, ResourceOwnerAuthClientException } from "./errors.js";

/** Authorization code + PKCE, in browser mode (loopback listener) or TTY mode (pasted code). */
export const authCodeFlow: OidcFlow = {
  name: "authorization code",
  authenticator: "refreshing",
  canLoginUnattended: () => false,
  async login(context: OidcFlowContext, p: OidcLoginParams): Promise<OidcLoginResult> {
    const { config, seams } = context;
    if (!p.allowOpenBrowser && !p.allowTtyPrompt) {
      throw new AuthCodeAuthClientException(
        "There is no way to complete the user login: allow opening a browser or prompting on the terminal",
        { clientType: config.clientType() },
      );
    }
    const pkce = createPkcePair();
    const authz = new AuthorizationApiClient({
      authorizationUri: await context.endpoints.authorizationEndpoint({ signal: p.signal }),
      acknowledgementBody: await context.callbackAcknowledgement(),
      logger: seams.logger,
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
        browserOpener: seams.browserOpener,
        display: seams.display,
        timeoutMs: p.callbackTimeoutMs,
        signal: p.signal,
      });
    } else {
      result = await authz.authcodeFromPkceAuthRequestWithTtyInput({
        ...request,
        redirectUri: config.redirectUri()!,
        prompt: seams.prompt,
        display: seams.display,
      });
    }
    const api = await context.tokenApi();
    const tokens = await api.getTokenFromCode({
      redirectUri: result.redirectUri,
      code: result.code,
      codeVerifier: pkce.verifier,
      clientAuth: context.loginClientAuth(),
      signal: p.signal,
    });
    return { tokens, nonce: result.nonce };
  },
};

/**
 * Show the person where to approve a device login: open the browser on the verification URI, or
 * print it with the user code (and a QR code when asked).
 */
export async function presentDeviceLogin(
  seams: Pick<KernelServices, "display" | "browserOpener">,
  initiated: JsonObject,
  options: { allowOpenBrowser?: boolean; displayQrCode?: boolean },
  clientType: string,
): Promise<void> {
  const { display, browserOpener } = seams;
  const uri = String(initiated.verification_uri_complete || initiated.verification_uri);
  const scheme = URL.canParse(uri) ? new URL(uri).protocol : null;
  if (scheme !== "https:" && scheme !== "http:") {
    // Never hand a browser (or the person) a javascript:, file: or other URI from the server.
    throw new DeviceCodeAuthClientException(
      `The device authorization response's verification URI is not an http(s) URL (${scheme ? `scheme ${JSON.stringify(scheme.slice(0, -1).slice(0, 32))}` : "unparsable"}); refusing to open or show it`,
      { clientType, field: "verification_uri" },
    );
  }
  if (options.allowOpenBrowser) {
    display.print(`Opening a browser to complete the login. Confirm that it shows the code: ${initiated.user_code}`);
    await browserOpener(uri);
  } else {
    display.print(`To activate your client, visit the following URL in a browser:\n\n\t${uri}\n\nand enter the code: ${initiated.user_code}\n`);
    if (options.displayQrCode) display.print(`Or scan this QR code:\n\n${await terminalQrCode(uri)}\n`);
  }
}

/** RFC 8628 device authorization grant. */
export const deviceCodeFlow: OidcFlow = {
  name: "device code",
  authenticator: "refreshing",
  canLoginUnattended: () => false,
  async deviceLoginInitiate(context: OidcFlowContext, p: OidcLoginParams): Promise<JsonObject> {
    const api = await context.deviceAuthorizationApi({ signal: p.signal });
    return api.initiate({
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: context.loginClientAuth(),
      signal: p.signal,
    });
  },
  async deviceLoginComplete(context: OidcFlowContext, initiated: JsonObject, options: { signal?: AbortSignal }) {
    const api = await context.tokenApi();
    return api.pollForTokenFromDeviceCode({
      initiated: initiated as DeviceAuthorizationResponse,
      clientAuth: context.loginClientAuth(),
      sleep: context.seams.sleep,
      signal: options.signal,
    });
  },
  async login(context: OidcFlowContext, p: OidcLoginParams): Promise<OidcLoginResult> {
    if (!p.allowTtyPrompt) {
      throw new DeviceCodeAuthClientException("Device code login requires terminal input (allow the TTY prompt)", {
        clientType: context.config.clientType(),
      });
    }
    const initiated = (await deviceCodeFlow.deviceLoginInitiate!(context, p)) as DeviceAuthorizationResponse;
    await presentDeviceLogin(context.seams, initiated, p, context.config.clientType());
    const tokens = await deviceCodeFlow.deviceLoginComplete!(context, initiated, { signal: p.signal });
    return { tokens };
  },
};

/** Client credentials: unattended. */
export const clientCredentialsFlow: OidcFlow = {
  name: "client credentials",
  authenticator: "refresh-or-relogin",
  canLoginUnattended: () => true,
  async login(context: OidcFlowContext, p: OidcLoginParams): Promise<OidcLoginResult> {
    const api = await context.tokenApi();
    const tokens = await api.getTokenFromClientCredentials({
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: context.loginClientAuth(),
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

function ask(context: OidcFlowContext, given: string | null | undefined, question: string, hidden: boolean, allowPrompt: boolean, what: keyof typeof SUPPLY): Promise<string> {
  const clientType = context.config.clientType();
  return givenOrPrompted(context.seams.prompt, given, question, {
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
  canLoginUnattended: (config) => Boolean(config.userName() && config.userPassword()),
  async login(context: OidcFlowContext, p: OidcLoginParams): Promise<OidcLoginResult> {
    const c = context.config;
    const username = await ask(context, p.username || c.userName(), "Email: ", false, p.allowTtyPrompt, "username");
    const password = await ask(context, p.password || c.userPassword(), "Password: ", true, p.allowTtyPrompt, "password");
    const api = await context.tokenApi();
    const tokens = await api.getTokenFromPassword({
      username,
      password,
      requestedScopes: p.requestedScopes,
      requestedAudiences: p.requestedAudiences,
      extra: p.extra,
      clientAuth: context.loginClientAuth(),
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
  async login(context: OidcFlowContext): Promise<OidcLoginResult> {
    throw context.notSupported("login");
  },
};
