/**
 * Output formats of plauth: sorted 2-space JSON, human-readable times, the unverified JWT dump — and
 * the one filter every printed text goes through, so a server, a token or a file cannot drive the
 * terminal.
 */

/** C0 controls except tab and newline, DEL, and the C1 controls (U+0080–U+009F, e.g. CSI U+009B). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
const C1_AND_DEL = /[\u007f-\u009f]/g;
const unicodeEscape = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;

/**
 * `text` with every control character but tab and newline shown as a `\uXXXX` escape: terminal
 * escapes (ANSI CSI, OSC hyperlinks and titles, C1 controls, carriage returns that overwrite a line)
 * arriving in a user code, a URL, a token or an error message are printed, never obeyed.
 */
export function neutralizeControls(text: string): string {
  return text.replace(CONTROL_CHARACTERS, unicodeEscape);
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** JSON with 2-space indentation and keys sorted at every level. */
export function formatJson(value: unknown): string {
  // JSON.stringify escapes C0 controls but leaves DEL and C1 raw; escaped, the JSON is the same value.
  return (JSON.stringify(sortDeep(value), null, 2) ?? "null").replace(C1_AND_DEL, unicodeEscape);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, "0");

/** Local time as `YYYY-MM-DDTHH:MM:SS±HHMM`. */
export function localTimeString(seconds: number): string {
  const d = new Date(seconds * 1000);
  const offset = -d.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(Math.abs(offset) / 60))}${pad(Math.abs(offset) % 60)}`
  );
}

/** Integer `iat`, `exp`, `nbf` at any depth become local-time strings; a past `exp` gets ` (Expired)`. */
export function humanize(value: unknown, nowSeconds = Math.floor(Date.now() / 1000)): unknown {
  if (Array.isArray(value)) return value.map((v) => humanize(v, nowSeconds));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if ((k === "iat" || k === "exp" || k === "nbf") && Number.isInteger(v)) {
        out[k] = localTimeString(v as number) + (k === "exp" && (v as number) < nowSeconds ? " (Expired)" : "");
      } else out[k] = humanize(v, nowSeconds);
    }
    return out;
  }
  return value;
}

const indent = (text: string) => text.split("\n").map((l) => `    ${l}`).join("\n");

function base64UrlJson(segment: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return parsed && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export interface JwtParts {
  raw: string;
  header: Record<string, unknown> | null;
  body: Record<string, unknown> | null;
  signature: string;
}

/** Split a compact JWT without verifying anything. */
export function jwtParts(token: string): JwtParts {
  const [h = "", b = "", s = ""] = token.split(".");
  return { raw: token, header: h ? base64UrlJson(h) : null, body: b ? base64UrlJson(b) : null, signature: s };
}

/** The `UNTRUSTED JWT Decoding` dump (RAW, HEADER, BODY, SIGNATURE sections; empty ones omitted). */
export function formatJwtDump(parts: JwtParts, options: { humanReadable?: boolean; title?: string } = {}): string {
  const lines = [options.title ?? "UNTRUSTED JWT Decoding", ""];
  if (!parts.raw) return lines[0] + "\n";
  const show = (v: unknown) => indent(formatJson(options.humanReadable ? humanize(v) : v));
  lines.push("RAW:", indent(parts.raw), "");
  if (parts.header && Object.keys(parts.header).length) lines.push("HEADER:", show(parts.header), "");
  if (parts.body && Object.keys(parts.body).length) lines.push("BODY:", show(parts.body), "");
  const sig = parts.signature ? Buffer.from(parts.signature, "base64url") : Buffer.alloc(0);
  if (sig.length) {
    const hex = [...sig].map((b) => b.toString(16).padStart(2, "0"));
    const rows: string[] = [];
    for (let i = 0; i < hex.length; i += 16) rows.push(hex.slice(i, i + 16).join(":"));
    lines.push("SIGNATURE:", indent(rows.join("\n")), "");
  }
  return lines.join("\n") + "\n";
}
