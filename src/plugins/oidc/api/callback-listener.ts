/**
 * The loopback redirect listener of the browser auth-code flow: binds loopback only (for a
 * `localhost` redirect both 127.0.0.1 and ::1, failing when another process holds either), before
 * the browser opens; only GETs to the redirect path count (anything else ⇒ 404, ignored); the query is checked (error, state, code) *before* answering, so the browser
 * sees an error page on failure and the acknowledgement page only on success; one overall deadline;
 * the server is always closed; cancellable with an AbortSignal.
 */
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { type AuthLogger } from "../../../kernel/index.js";
import { AuthorizationApiException } from "../errors.js";

const DEFAULT_CALLBACK_TIMEOUT_MS = 60_000;

const DEFAULT_CALLBACK_ACKNOWLEDGEMENT_PAGE = `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Planet Labs Resources</title></head>
<body>
<h1>Planet Labs Sign-in</h1>
<p>Sign-in callback received. You may close this window; control has returned to the application.</p>
<ul>
<li><a href="https://www.planet.com/account/">Planet account</a></li>
<li><a href="https://www.planet.com/explorer/">Planet Explorer</a></li>
<li><a href="https://developers.planet.com/quickstart/">Developer quickstart</a></li>
</ul>
</body>
</html>
`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The page shown when the callback carried an error or failed a check. */
function defaultCallbackErrorPage(message: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Planet Labs Resources</title></head>
<body>
<h1>Planet Labs Sign-in failed</h1>
<p>${escapeHtml(message)}</p>
<p>Return to the application and try again.</p>
</body>
</html>
`;
}

export interface CallbackListenerOptions {
  /** The local redirect URI (`local_redirect_uri`): host localhost or 127.0.0.1; port 80 when absent. */
  redirectUri: string;
  /** The `state` sent in the authorization request. */
  expectedState: string;
  /** Success page HTML (config literal > config file > built-in). */
  acknowledgementBody?: string;
  /** Error page HTML for a failure message (the message never contains the code). */
  errorPage?: (message: string) => string;
  /** Overall deadline from the moment the listener is bound. Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  logger?: AuthLogger;
}

export interface CallbackListener {
  /** The bound port (useful when the redirect URI asked for port 0). */
  readonly port: number;
  /** The redirect URI with the bound port filled in. */
  readonly redirectUri: string;
  /** Resolves with the authorization code; rejects with AuthorizationApiException (or the abort reason). Closes the server. */
  waitForCode(): Promise<string>;
  /** Stop listening (idempotent). A pending `waitForCode` rejects. */
  close(): Promise<void>;
}

/** Parse and check a loopback redirect URI: host must be localhost / 127.0.0.1; port defaults to 80. */
export function parseLoopbackRedirectUri(redirectUri: string): { url: URL; hosts: string[]; port: number; path: string } {
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch (err) {
    throw new AuthorizationApiException(`Invalid local redirect URI: ${redirectUri}`, { cause: err });
  }
  const host = url.hostname.toLowerCase();
  if (host !== "localhost" && host !== "127.0.0.1") {
    throw new AuthorizationApiException(`Local redirect URI has an unexpected hostname (expected localhost or 127.0.0.1): ${redirectUri}`);
  }
  const port = url.port === "" ? 80 : Number(url.port);
  // "localhost" may resolve to either loopback family: listen on both (the IPv6 one best-effort).
  const hosts = host === "localhost" ? ["127.0.0.1", "::1"] : ["127.0.0.1"];
  return { url, hosts, port, path: url.pathname || "/" };
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/**
 * Bind the loopback listener (call this before opening the browser), then `waitForCode()`.
 * Binding errors (port in use...) ⇒ AuthorizationApiException with the cause.
 */
export async function startCallbackListener(options: CallbackListenerOptions): Promise<CallbackListener> {
  const { expectedState, signal, logger } = options;
  const parsed = parseLoopbackRedirectUri(options.redirectUri);
  const { url, hosts, path } = parsed;
  let port = parsed.port;
  const ackBody = options.acknowledgementBody ?? DEFAULT_CALLBACK_ACKNOWLEDGEMENT_PAGE;
  const errorPage = options.errorPage ?? defaultCallbackErrorPage;
  signal?.throwIfAborted();

  let settled = false;
  let resolveCode!: (code: string) => void;
  let rejectCode!: (err: unknown) => void;
  const result = new Promise<string>((res, rej) => {
    resolveCode = res;
    rejectCode = rej;
  });
  result.catch(() => {}); // observed by waitForCode; avoid unhandled rejections if never awaited

  const settle = (fn: () => void) => {
    if (settled) return;
    settled = true;
    fn();
  };

  const send = (res: ServerResponse, status: number, body: string, done?: () => void) => {
    res.writeHead(status, { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", Connection: "close" });
    res.end(body, done);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const reqUrl = new URL(req.url ?? "/", "http://localhost");
    if (req.method !== "GET" || reqUrl.pathname !== path) {
      logger?.debug(`Ignoring request to ${req.method} ${reqUrl.pathname} on the callback listener`);
      send(res, 404, errorPage("Not found."));
      return;
    }
    if (settled) {
      send(res, 409, errorPage("This sign-in callback was already handled."));
      return;
    }
    const q = reqUrl.searchParams;
    const error = q.get("error");
    let failure: AuthorizationApiException | undefined;
    if (error !== null) {
      failure = new AuthorizationApiException(`Authorization error: ${error}: ${q.get("error_description") || "no error description"}`, {
        errorCode: error,
      });
    } else if (q.get("state") !== expectedState) {
      failure = new AuthorizationApiException(
        `Callback state mismatch: expected "${expectedState}", received ${q.has("state") ? `"${q.get("state")}"` : "none"}`,
      );
    } else if (!q.get("code")) {
      failure = new AuthorizationApiException("Callback did not include an authorization code");
    }
    if (failure) {
      const f = failure;
      settled = true; // no second callback may race in while the page is written
      send(res, 400, errorPage(f.message), () => rejectCode(f));
      return;
    }
    const code = q.get("code")!;
    settled = true;
    send(res, 200, ackBody, () => resolveCode(code));
  };

  // node:http (with net, streams, …) is loaded by the one flow that listens, not at import.
  const { createServer } = await import("node:http");
  const servers: Server[] = [];
  try {
    for (const [i, host] of hosts.entries()) {
      const server = createServer(handler);
      try {
        port = await listen(server, port, host);
        servers.push(server);
      } catch (err) {
        // The IPv4 loopback is mandatory. ::1 is skipped only where this machine has no IPv6 loopback:
        // when another process holds it, a browser resolving "localhost" to ::1 would hand it the code.
        if (i === 0 || (err as NodeJS.ErrnoException).code === "EADDRINUSE") throw err;
        logger?.debug(`Callback listener could not bind ${host}:${port}: ${(err as Error).message}`);
      }
    }
  } catch (err) {
    await Promise.all(servers.map(closeServer));
    throw new AuthorizationApiException(`Could not listen for the authorization callback on ${url.hostname}:${port}: ${(err as Error).message}`, {
      cause: err,
    });
  }

  const timer = setTimeout(
    () => settle(() => rejectCode(new AuthorizationApiException("Timeout: no callback data was received"))),
    options.timeoutMs ?? DEFAULT_CALLBACK_TIMEOUT_MS,
  );
  const onAbort = () => settle(() => rejectCode(signal!.reason));
  signal?.addEventListener("abort", onAbort, { once: true });

  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      settle(() => rejectCode(new AuthorizationApiException("Callback listener closed before a callback was received")));
      await Promise.all(servers.map(closeServer));
    })();
    return closed;
  };

  const bound = new URL(url.href);
  bound.port = String(port);
  return {
    port,
    redirectUri: port === parsed.port ? options.redirectUri : bound.href,
    async waitForCode() {
      try {
        return await result;
      } finally {
        await close();
      }
    },
    close,
  };
}
