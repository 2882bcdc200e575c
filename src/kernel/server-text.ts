/**
 * Text a server sent, made safe to quote in an error: a server that echoes what it was sent (a
 * client secret in `error_description`, a password in its status line) must not put that secret in
 * our messages. Every auth-server call quotes server text through here.
 */
import type { HttpRequest, HttpResponse } from "./http.js";
import { REDACTED, SecretNames } from "./redact.js";

/** Longest excerpt of a server's text kept in a message. */
export const MAX_SERVER_TEXT = 200;

/** Names secret whatever registered them (HTTP credentials), for callers without a kernel's names. */
const GENERIC = new SecretNames();

/** The forms a value may come back in: as sent, percent-encoded, form-encoded, JSON-escaped. */
function encodings(value: string): string[] {
  return [value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), JSON.stringify(value).slice(1, -1)];
}

/** What a credential header carries: its value, its token, and for Basic the decoded `id:secret` and secret (also form-decoded). */
function headerSecrets(value: string): string[] {
  const [scheme, token] = value.split(/\s+/, 2);
  const out = [value];
  if (!token) return out;
  out.push(token);
  if (scheme!.toLowerCase() === "basic") {
    const decoded = Buffer.from(token, "base64").toString("utf8");
    const secret = decoded.slice(decoded.indexOf(":") + 1);
    out.push(decoded, secret);
    try {
      out.push(decodeURIComponent(secret.replace(/\+/g, " ")));
    } catch {
      // not form-encoded
    }
  }
  return out;
}

/** String values of `names`-secret keys in a JSON value, at any depth. */
function secretValues(value: unknown, names: Pick<SecretNames, "has">, out: string[]): void {
  if (Array.isArray(value)) return value.forEach((v) => secretValues(v, names, out));
  if (!value || typeof value !== "object") return;
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (names.has(k) && typeof v === "string" && v) out.push(v);
    else secretValues(v, names, out);
  }
}

/**
 * The secret values a request carried — secret-named form and JSON fields, credential headers — in
 * every form a server may echo them, longest first.
 */
export function requestSecrets(request: HttpRequest | undefined, names: Pick<SecretNames, "has"> = GENERIC): string[] {
  if (!request) return [];
  const raw: string[] = [];
  secretValues(request.form ?? {}, names, raw);
  secretValues(request.json, names, raw);
  for (const [header, value] of Object.entries(request.headers ?? {})) if (names.has(header) && value) raw.push(...headerSecrets(value));
  const all = new Set(raw.flatMap(encodings).filter((s) => s.length > 0));
  return [...all].sort((a, b) => b.length - a.length);
}

/** Below this length a secret is replaced only where it stands alone, so that a one-letter secret does not garble the text. */
const SHORT_SECRET = 8;

function redactIn(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (!out.includes(secret)) continue;
    if (secret.length >= SHORT_SECRET) out = out.split(secret).join(REDACTED);
    else out = out.replace(new RegExp(`(?<![\\w-])${secret.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}(?![\\w-])`, "g"), REDACTED);
  }
  return out;
}

/**
 * A server-sent value as an error message may quote it: every secret the request carried replaced
 * by `<redacted>` (before shortening, so no part of one survives; a secret shorter than 8 characters
 * only where it is not part of a longer word), then at most `MAX_SERVER_TEXT`
 * characters — a hostile or broken server cannot fill logs through a message either.
 */
export function quoteServerText(value: unknown, request: HttpRequest | undefined, names?: Pick<SecretNames, "has">): string {
  const text = redactIn(String(value), requestSecrets(request, names));
  return text.length > MAX_SERVER_TEXT ? `${text.slice(0, MAX_SERVER_TEXT)}…` : text;
}

/** A copy of a response to attach to an error: its status line, headers and body without the secrets the request carried. */
export function responseForError(response: HttpResponse, request: HttpRequest | undefined, names?: Pick<SecretNames, "has">): HttpResponse {
  const secrets = requestSecrets(request, names);
  if (secrets.length === 0) return response;
  const headers = Object.fromEntries(Object.entries(response.headers).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => redactIn(x, secrets)) : v === undefined ? v : redactIn(v, secrets)]));
  return { ...response, statusText: redactIn(response.statusText, secrets), headers, body: redactIn(response.body, secrets) };
}
