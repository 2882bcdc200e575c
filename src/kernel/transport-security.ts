/**
 * Where credentials may travel: origin comparison for redirects, and the plain-HTTP rule for
 * configured and discovered endpoint URLs (http:// only to loopback unless the config opts in).
 */
import { AuthClientException } from "./errors.js";
import { redactUrl } from "./http.js";

/** The origin (scheme, host, port) of an absolute URL, or null when it does not parse. */
export function originOf(url: string | URL): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** Whether two absolute URLs share an origin (scheme, host and port all equal). */
export function isSameOrigin(a: string | URL, b: string | URL): boolean {
  const oa = originOf(a);
  return oa !== null && oa !== "null" && oa === originOf(b);
}

/**
 * `localhost`, 127.0.0.0/8 and ::1: traffic that never leaves the machine. Names under `.localhost`
 * are not: the system resolver may ask DNS for them, whose answer could point anywhere.
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, "");
  if (host === "localhost") return true;
  if (host === "::1" || host === "0:0:0:0:0:0:0:1") return true;
  return /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The one rule for any transport that carries secrets: the `secure` scheme anywhere; the `cleartext`
 * scheme only to a loopback host unless `allowCleartext` (anyone on the path could read or alter it);
 * nothing else. Says which part failed; each caller words it for its own setting.
 */
export function transportVerdict(url: string, schemes: { secure: string; cleartext: string }, allowCleartext = false): "ok" | "not-a-url" | "wrong-scheme" | "cleartext" {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not-a-url";
  }
  if (parsed.protocol === schemes.secure) return "ok";
  if (parsed.protocol !== schemes.cleartext) return "wrong-scheme";
  return allowCleartext || isLoopbackHost(parsed.hostname) ? "ok" : "cleartext";
}

/**
 * Why `url` may not carry secrets, or undefined when it may: https anywhere; http only to loopback
 * unless `allowInsecureHttp`; nothing else.
 */
export function insecureTransportReason(url: string, allowInsecureHttp = false): string | undefined {
  switch (transportVerdict(url, { secure: "https:", cleartext: "http:" }, allowInsecureHttp)) {
    case "ok": return undefined;
    case "not-a-url": return "is not an absolute URL";
    case "wrong-scheme": return `must be an https URL, not ${new URL(url).protocol}`;
    case "cleartext": return `uses plain http to a non-loopback host (${redactUrl(url)}); use https, or set "allow_insecure_http": true to accept the risk`;
  }
}

/**
 * The plain-HTTP rule alone, for checking a config: a parsable http:// URL to a non-loopback host
 * without the opt-in. Other malformed values pass here (the Python library's check() accepts any
 * non-empty value) and fail where the URL is used.
 */
export function plainHttpReason(url: string, allowInsecureHttp = false): string | undefined {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    return undefined;
  }
  return protocol === "http:" ? insecureTransportReason(url, allowInsecureHttp) : undefined;
}

/**
 * What `checkTransportSecurity` needs to judge a URL: the config's opt-in to plain HTTP and the names for its
 * error message.
 */
export interface TransportSecurityContext {
  /** The config or discovery field the URL came from. */
  field: string;
  clientType?: string;
  /** The config's `allow_insecure_http`. */
  allowInsecureHttp?: boolean;
}

/** Throw AuthClientException naming the field and client type when `url` may not carry secrets. */
export function checkTransportSecurity(url: string, ctx: TransportSecurityContext): void {
  const reason = insecureTransportReason(url, ctx.allowInsecureHttp);
  if (!reason) return;
  const forType = ctx.clientType ? ` (client_type ${ctx.clientType})` : "";
  throw new AuthClientException(`"${ctx.field}"${forType} ${reason}`, { field: ctx.field, clientType: ctx.clientType });
}
