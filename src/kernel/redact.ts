/**
 * Redaction of secret values before anything is logged or put in an error. What is secret is not a
 * fixed list: it is every property a registered client type's JSON Schema marks `"x-secret": true`,
 * plus the runtime secret names plugins declare (e.g. a protocol's one-time codes and tokens).
 */

export const REDACTED = "<redacted>";

/** The generic names that are secret whatever registered them: HTTP credentials. */
const ALWAYS_SECRET = ["authorization", "cookie", "set-cookie", "proxy-authorization"];

/** Schema keywords whose subschemas describe the same property (or its items). */
const SAME_PROPERTY = ["allOf", "anyOf", "oneOf", "not", "if", "then", "else", "items", "prefixItems"];
/** Schema keywords whose subschemas describe properties by name. */
const NAMED_PROPERTIES = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];

/** The names of the properties a JSON Schema marks `"x-secret": true`, at any depth. */
export function secretFieldNames(schema: unknown): string[] {
  const names = new Set<string>();
  const walk = (node: unknown, name: string | undefined): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, name));
    if (!node || typeof node !== "object") return;
    const obj = node as Record<string, unknown>;
    if (obj["x-secret"] === true && name !== undefined) names.add(name);
    for (const [keyword, value] of Object.entries(obj)) {
      if (NAMED_PROPERTIES.includes(keyword) && value && typeof value === "object") {
        for (const [prop, sub] of Object.entries(value as Record<string, unknown>)) walk(sub, keyword === "properties" ? prop : undefined);
      } else if (SAME_PROPERTY.includes(keyword)) {
        walk(value, name);
      } else if (keyword === "additionalProperties" || keyword === "contains") {
        walk(value, undefined);
      }
    }
  };
  walk(schema, undefined);
  return [...names];
}

/** A set of secret key names, compared case-insensitively. Each kernel has its own. */
export class SecretNames {
  readonly #names = new Set<string>(ALWAYS_SECRET);

  /** Add secret key names (e.g. those a plugin's schema marks `x-secret`). */
  add(names: Iterable<string>): this {
    for (const name of names) this.#names.add(name.toLowerCase());
    return this;
  }

  /** True when values under this key name are secret. */
  has(name: string): boolean {
    return this.#names.has(name.toLowerCase());
  }

  /** The names, sorted (for messages and tests). */
  list(): string[] {
    return [...this.#names].sort();
  }

  /** A deep copy of `value` with the value of every secret key replaced (empty values stay as they are). */
  redact(value: unknown): unknown {
    return redact(value, this);
  }
}

/** A deep copy of `value` with the value of every key in `secretNames` replaced. Safe to log. */
export function redact(value: unknown, secretNames: Pick<SecretNames, "has">): unknown {
  if (Array.isArray(value)) return value.map((v) => redact(v, secretNames));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      out[k] = secretNames.has(k) && v !== null && v !== undefined && v !== "" ? REDACTED : redact(v, secretNames);
    }
    return out;
  }
  return value;
}
