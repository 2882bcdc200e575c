/**
 * A person at a browser, without a browser: plain HTTP with a cookie jar, submitting the HTML forms
 * of the development issuer's pages as a person would (the device-code page, its confirmation, the
 * sign-in page). Only what the pages show is used — no script, no API of the issuer.
 */
export interface Page {
  url: string;
  status: number;
  html: string;
}

export interface Form {
  action: string;
  method: string;
  fields: Record<string, string>;
  /** The submit buttons: name=value pairs. */
  buttons: Array<{ name: string; value: string; label: string }>;
}

const attr = (tag: string, name: string) => new RegExp(`\\s${name}="([^"]*)"`, "i").exec(tag)?.[1];
const unescape = (s: string) => s.replace(/&amp;/g, "&").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">");

/** The page's first form: its action, fields and submit buttons (also those outside it that name it with `form="…"`). */
export function firstForm(page: Page): Form {
  const form = /<form\b[^>]*>([\s\S]*?)<\/form>/i.exec(page.html);
  if (!form) throw new Error(`No form on ${page.url} (HTTP ${page.status}):\n${page.html.slice(0, 500)}`);
  const open = /<form\b[^>]*>/i.exec(form[0])![0];
  const id = attr(open, "id");
  const belongs = (tag: string, inside: boolean) => (inside ? !attr(tag, "form") || attr(tag, "form") === id : Boolean(id) && attr(tag, "form") === id);
  const start = form.index;
  const end = start + form[0].length;
  const fields: Record<string, string> = {};
  const buttons: Form["buttons"] = [];
  for (const input of page.html.matchAll(/<input\b[^>]*>/gi)) {
    const name = attr(input[0], "name");
    const type = (attr(input[0], "type") ?? "text").toLowerCase();
    if (name && type !== "submit" && belongs(input[0], input.index >= start && input.index < end)) fields[name] = unescape(attr(input[0], "value") ?? "");
  }
  for (const b of page.html.matchAll(/<button\b([^>]*)>([\s\S]*?)<\/button>/gi)) {
    if (!belongs(b[0], b.index >= start && b.index < end)) continue;
    buttons.push({ name: attr(b[0], "name") ?? "", value: unescape(attr(b[0], "value") ?? ""), label: b[2]!.replace(/<[^>]+>/g, "").trim() });
  }
  return { action: new URL(unescape(attr(open, "action") ?? page.url), page.url).href, method: (attr(open, "method") ?? "get").toLowerCase(), fields, buttons };
}

export class Person {
  readonly #jar = new Map<string, string>();
  /** Every page seen, in order. */
  readonly pages: Page[] = [];

  /** GET `url`, following redirects while they stay on `stayOn` (default: the URL's origin). */
  async open(url: string, stayOn = new URL(url).origin): Promise<Page> {
    return this.#follow(url, { method: "GET" }, stayOn);
  }

  /** Submit `form`, pressing the button whose label matches `button` (if any), with `fill` typed in. */
  async submit(form: Form, options: { button?: RegExp; fill?: Record<string, string>; stayOn?: string } = {}): Promise<Page> {
    const pressed = options.button ? form.buttons.find((b) => b.label.match(options.button!) !== null) : form.buttons[0];
    if (options.button && !pressed) throw new Error(`No button ${options.button} in the form (${form.buttons.map((b) => b.label).join(", ")})`);
    const body = new URLSearchParams({ ...form.fields, ...options.fill, ...(pressed?.name ? { [pressed.name]: pressed.value } : {}) });
    return this.#follow(form.action, { method: "POST", body, headers: { "content-type": "application/x-www-form-urlencoded" } }, options.stayOn ?? new URL(form.action).origin);
  }

  async #follow(url: string, init: RequestInit, stayOn: string): Promise<Page> {
    let current = url;
    let request = init;
    for (let i = 0; i < 20; i++) {
      const headers = new Headers(request.headers);
      if (this.#jar.size) headers.set("cookie", [...this.#jar].map(([k, v]) => `${k}=${v}`).join("; "));
      const res = await fetch(current, { ...request, headers, redirect: "manual", signal: AbortSignal.timeout(10_000) });
      for (const raw of res.headers.getSetCookie()) {
        const [nv = ""] = raw.split(";");
        const at = nv.indexOf("=");
        const value = nv.slice(at + 1).trim();
        if (value && !raw.match(/max-age=0|expires=thu, 01 jan 1970/i)) this.#jar.set(nv.slice(0, at).trim(), value);
        else this.#jar.delete(nv.slice(0, at).trim());
      }
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).href;
        await res.arrayBuffer();
        request = { method: "GET" };
        if (!current.startsWith(stayOn)) {
          // Leaving the site (e.g. to the CLI's loopback listener): deliver like a browser would.
          const r = await fetch(current, { signal: AbortSignal.timeout(10_000) });
          const page = { url: current, status: r.status, html: await r.text() };
          this.pages.push(page);
          return page;
        }
        continue;
      }
      const page = { url: current, status: res.status, html: await res.text() };
      this.pages.push(page);
      return page;
    }
    throw new Error(`Too many redirects from ${url}`);
  }
}
