/** Keys whose values are secret wherever they appear (configs, credentials, form bodies). */
export const SECRET_KEYS: ReadonlySet<string> = new Set([
  "access_token", "refresh_token", "id_token", "token", "device_code", "code", "code_verifier",
  "client_secret", "client_privkey", "client_privkey_password", "client_assertion",
  "password", "user_password", "api_key", "key", "jwt", "authorization", "cookie",
]);

const REDACTED = "<redacted>";

/** A deep copy of `value` with every secret key's value replaced. Safe to log. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = SECRET_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined && v !== "" ? REDACTED : redact(v);
    }
    return out;
  }
  return value;
}
