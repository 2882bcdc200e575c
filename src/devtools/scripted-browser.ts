/**
 * The user-agent side of the development issuer, without a browser: a tiny cookie jar follows the
 * issuer's redirects through its `/interaction/*` pages (where the issuer signs the test user in and
 * grants what is asked) and fills in the device-flow forms.
 */
import type { Got } from "got";
import type { BrowserOpener, Sleep, TtyDisplay } from "../kernel/seams.js";
import { DevtoolsException } from "./errors.js";

/**
 * How far the scripted browser follows an authorization: where to stop, and whether to deliver the final redirect.
 */
export interface AuthorizeOptions {
  /** GET the final redirect (e.g. to a loopback callback listener) and report its answer. */
  deliver?: boolean;
  /** Stop following when the redirect starts with this. Default: any URL not on the issuer. */
  redirectPrefix?: string;
}

/** Where the scripted browser's authorization ended: the redirect URL with the code, or the error. */
export interface AuthorizeResult {
  /** The redirect back to the client, with `code`/`state` or `error`. */
  callbackUrl: string;
  code?: string;
  state?: string;
  error?: string;
  /** The callback's answer when `deliver` was set. */
  delivered?: { status: number; body: string };
}

/**
 * Seams for a kernel whose logins are completed by a scripted user: pass `services` to `createKernel`
 * / `createDefaultKernel`. The browser opener drives authorization URLs (and device verification URLs)
 * at the issuer; the display forwards text and approves the device-flow user code it shows; `sleep`
 * (the device flow's polling interval) waits for those approvals instead of the clock.
 */
export interface ScriptedUser {
  services: { browserOpener: BrowserOpener; display: TtyDisplay; sleep: Sleep };
  /** Every text shown through the display, in order. */
  shown: string[];
  /** The URLs the browser opener was given, in order. */
  opened: string[];
  /** Authorization results of the URLs the browser opener drove, in order. */
  authorizations: AuthorizeResult[];
  /** User codes approved (or denied), in order. */
  deviceCodes: string[];
  /** Resolves when every approval started so far has finished (rejects with the first failure). */
  settled(): Promise<void>;
}

const MAX_REDIRECTS = 15;
const REQUEST_TIMEOUT_MS = 10_000;

function hiddenForm(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
  if (!action) throw new DevtoolsException(`Development issuer: expected a form in the page:\n${html.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields[m[1]!] = m[2]!;
  return { action, fields };
}

export class ScriptedBrowser {
  readonly #issuer: string;
  readonly #got: Got;

  constructor(issuer: string, got: Got) {
    this.#issuer = issuer;
    this.#got = got.extend({ followRedirect: false, throwHttpErrors: false, retry: { limit: 0 }, timeout: { request: REQUEST_TIMEOUT_MS } });
  }

  /** A client with its own cookie jar: one browser session. */
  #session(): Got {
    const jar = new Map<string, string>();
    const expiredCookie = /max-age=0|expires=thu, 01 jan 1970/i;
    return this.#got.extend({
      cookieJar: {
        getCookieString: async () => [...jar].map(([k, v]) => `${k}=${v}`).join("; "),
        setCookie: async (raw: string) => {
          const [nv = "", ...attrs] = raw.split(";");
          const i = nv.indexOf("=");
          const name = nv.slice(0, i).trim();
          const value = nv.slice(i + 1).trim();
          if (value === "" || attrs.some((a) => expiredCookie.test(a.trim()))) jar.delete(name);
          else jar.set(name, value);
        },
      },
    });
  }

  /** Drive an authorization URL as the signed-in test user who consents to everything. */
  async authorize(url: string, options: AuthorizeOptions = {}): Promise<AuthorizeResult> {
    const session = this.#session();
    const isCallback = (u: string) => (options.redirectPrefix ? u.startsWith(options.redirectPrefix) : !u.startsWith(this.#issuer));
    let current = url;
    for (let i = 0; i < MAX_REDIRECTS; i++) {
      const r = await session.get(current);
      const loc = r.headers.location;
      if (!loc) throw new DevtoolsException(`Development issuer: authorization stopped at ${new URL(current).pathname} with HTTP ${r.statusCode}: ${r.body.slice(0, 300)}`);
      current = new URL(loc, current).href;
      if (!isCallback(current)) continue;
      const q = new URL(current).searchParams;
      const result: AuthorizeResult = {
        callbackUrl: current,
        code: q.get("code") ?? undefined,
        state: q.get("state") ?? undefined,
        error: q.get("error") ?? undefined,
      };
      if (options.deliver) {
        const d = await session.get(current);
        result.delivered = { status: d.statusCode, body: d.body };
      }
      return result;
    }
    throw new DevtoolsException("Development issuer: too many redirects during authorization");
  }

  /** Approve (or deny) a device-flow user code as the test user. */
  async approveDevice(userCode: string, options: { deny?: boolean } = {}): Promise<void> {
    const session = this.#session();
    const at = (action: string) => new URL(action, this.#issuer).href;
    let page = await session.get(`${this.#issuer}/device?${new URLSearchParams({ user_code: userCode })}`);
    let form = hiddenForm(page.body);
    page = await session.post(at(form.action), { form: form.fields }); // the confirmation page
    form = hiddenForm(page.body);
    page = await session.post(at(form.action), { form: options.deny ? { ...form.fields, abort: "yes" } : form.fields });
    if (options.deny) return;
    let url = this.#issuer;
    for (let i = 0; page.headers.location && i < MAX_REDIRECTS; i++) {
      url = new URL(page.headers.location, url).href;
      page = await session.get(url);
    }
    if (page.statusCode !== 200) throw new DevtoolsException(`Development issuer: device approval ended with HTTP ${page.statusCode}`);
  }

  /** The user code of a device verification URL of this issuer (`…/device?user_code=…`), if it is one. */
  deviceUserCode(text: string): string | undefined {
    const prefix = `${this.#issuer}/device?user_code=`;
    const at = text.indexOf(prefix);
    if (at < 0) return undefined;
    const url = new URL(/^\S+/.exec(text.slice(at))![0]);
    return url.searchParams.get("user_code") ?? undefined;
  }

  /** See `ScriptedUser`. `options.deny` makes the user deny device codes instead. */
  user(options: { display?: TtyDisplay; deny?: boolean } = {}): ScriptedUser {
    const pending: Promise<void>[] = [];
    const user: ScriptedUser = {
      shown: [],
      opened: [],
      authorizations: [],
      deviceCodes: [],
      settled: async () => {
        while (pending.length) await pending.shift();
      },
      services: {
        browserOpener: async (url) => {
          user.opened.push(url);
          const userCode = this.deviceUserCode(url);
          if (userCode !== undefined) {
            user.deviceCodes.push(userCode);
            await this.approveDevice(userCode, { deny: options.deny });
          } else {
            user.authorizations.push(await this.authorize(url, { deliver: true }));
          }
        },
        display: {
          print: (text) => {
            user.shown.push(text);
            options.display?.print(text);
            const userCode = this.deviceUserCode(text);
            if (userCode !== undefined && !user.deviceCodes.includes(userCode)) {
              user.deviceCodes.push(userCode);
              const approval = this.approveDevice(userCode, { deny: options.deny });
              approval.catch(() => {}); // reported by settled()
              pending.push(approval);
            }
          },
        },
        sleep: async (_ms, signal) => {
          signal?.throwIfAborted();
          await user.settled();
        },
      },
    };
    return user;
  }
}
