/**
 * The authorization endpoint (RFC 6749 section 4.1, RFC 7636): builds the PKCE authorization URL and obtains a code
 * through the browser + loopback listener, or by a TTY prompt. No HTTP call is made here; the user's
 * browser talks to the endpoint. No client authentication is ever added.
 */
import { NoTerminalException, encodeForm, type AuthLogger, type BrowserOpener, type TtyDisplay, type TtyPrompt } from "../../../kernel/index.js";
import { AuthorizationApiException } from "../errors.js";
import { composeParams, joinList } from "./api-client.js";
import { startCallbackListener } from "./callback-listener.js";
import { randomNonce, randomState } from "./pkce.js";

/**
 * What goes into an authorization request: redirect URI, scopes, PKCE challenge, state, nonce and extra
 * parameters.
 */
export interface AuthorizationRequestParams {
  clientId: string;
  redirectUri: string;
  requestedScopes?: readonly string[];
  requestedAudiences?: readonly string[];
  /** The PKCE S256 challenge. */
  pkceCodeChallenge: string;
  /** Default: a fresh 128-bit random value. */
  state?: string;
  /** Default: a fresh 128-bit random value. */
  nonce?: string;
  /** Extra params; they lose to the protocol params of the same name. */
  extra?: Record<string, unknown>;
}

/** What an authorization round trip yields. Keep `nonce` to check the ID token. */
export interface AuthorizationResult {
  code: string;
  state: string;
  nonce: string;
  /** The redirect URI used (it must be sent again at code redemption). */
  redirectUri: string;
}

/** An authorization request completed in the browser, with the loopback listener and the browser opener. */
export interface BrowserAuthorizationParams extends AuthorizationRequestParams {
  browserOpener: BrowserOpener;
  display?: TtyDisplay;
  /** Overall deadline for the callback. Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** An authorization request completed by asking the user to paste the code. */
export interface TtyAuthorizationParams extends AuthorizationRequestParams {
  prompt: TtyPrompt;
  display: TtyDisplay;
}

/**
 * The authorization endpoint (RFC 6749 section 4.1 with PKCE): builds the authorization URL and obtains the
 * code through the browser and a loopback callback listener, or by asking the user to paste it. Makes no HTTP
 * call itself.
 */
export class AuthorizationApiClient {
  readonly authorizationUri: string;
  readonly acknowledgementBody?: string;
  readonly logger?: AuthLogger;

  /**
   * A client of the authorization endpoint at `authorizationUri`; `acknowledgementBody` is the page shown
   * after the browser login.
   */
  constructor(options: { authorizationUri: string; acknowledgementBody?: string; logger?: AuthLogger }) {
    this.authorizationUri = options.authorizationUri;
    this.acknowledgementBody = options.acknowledgementBody;
    this.logger = options.logger;
  }

  /** The authorization request parameters: extras first, then the protocol params (which win). */
  static prepPkceAuthPayload(p: AuthorizationRequestParams & { state: string; nonce: string }): Record<string, string> {
    return composeParams(p.extra, {
      client_id: p.clientId,
      response_type: "code",
      redirect_uri: p.redirectUri,
      state: p.state,
      nonce: p.nonce,
      code_challenge: p.pkceCodeChallenge,
      code_challenge_method: "S256",
      scope: joinList(p.requestedScopes),
      audience: joinList(p.requestedAudiences),
    }) as Record<string, string>;
  }

  /** `<authorization_endpoint>?<form-encoded params>`, plus the state and nonce used. */
  buildAuthorizationUrl(p: AuthorizationRequestParams): { url: string; state: string; nonce: string } {
    const state = p.state ?? randomState();
    const nonce = p.nonce ?? randomNonce();
    const url = `${this.authorizationUri}?${encodeForm(AuthorizationApiClient.prepPkceAuthPayload({ ...p, state, nonce }))}`;
    return { url, state, nonce };
  }

  /**
   * Browser mode: bind the loopback listener on `redirectUri` first, then print a notice and open the
   * browser, then wait for the callback (error/state/code checked). AuthorizationApiException on failure.
   */
  async authcodeFromPkceAuthRequestWithBrowserAndCallbackListener(p: BrowserAuthorizationParams): Promise<AuthorizationResult> {
    const state = p.state ?? randomState();
    const nonce = p.nonce ?? randomNonce();
    const listener = await startCallbackListener({
      redirectUri: p.redirectUri,
      expectedState: state,
      acknowledgementBody: this.acknowledgementBody,
      timeoutMs: p.timeoutMs,
      signal: p.signal,
      logger: this.logger,
    });
    try {
      const { url } = this.buildAuthorizationUrl({ ...p, redirectUri: listener.redirectUri, state, nonce });
      p.display?.print(
        "Opening a browser to complete the login. If no browser opens, or the login does not complete, " +
          "retry with the option that disables opening a browser.",
      );
      try {
        await p.browserOpener(url);
      } catch (err) {
        throw new AuthorizationApiException(`Could not open a browser for the login: ${(err as Error).message ?? String(err)}`, { cause: err });
      }
      const code = await listener.waitForCode();
      return { code, state, nonce, redirectUri: listener.redirectUri };
    } finally {
      await listener.close();
    }
  }

  /** TTY mode: print the URL, read the code with a hidden prompt. No state check is possible. */
  async authcodeFromPkceAuthRequestWithTtyInput(p: TtyAuthorizationParams): Promise<AuthorizationResult> {
    const { url, state, nonce } = this.buildAuthorizationUrl(p);
    p.display.print(`Please go to the following URL to proceed with login.\nAfter successful login, enter the resulting authentication code below.\n\n\t${url}\n`);
    let code: string;
    try {
      code = (await p.prompt.prompt("Authentication code: ", { hidden: true })).trim();
    } catch (err) {
      if (!(err instanceof NoTerminalException)) throw err;
      throw new AuthorizationApiException(
        "The authentication code cannot be asked for without a terminal (standard input is not a terminal or is closed). " +
          "Log in where a terminal is available, or allow opening a browser so the code is received by the local redirect listener",
        { cause: err },
      );
    }
    if (!code) throw new AuthorizationApiException("No authentication code was entered");
    return { code, state, nonce, redirectUri: p.redirectUri };
  }
}
