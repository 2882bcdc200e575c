/**
 * An order-preserving JSON tree. JavaScript objects move integer-like keys ("0", "12") ahead of all
 * other keys, so code that needs a document's own key order (e.g. a MAC over the leaves in
 * file key order) or an exact key order on output (keys sorted as strings) parses into and serializes
 * from {@link OrderedMap}s. The parser can also report each number's source text, for writers that
 * keep the form a number was written in (`3600.0`, `1e-07`, integers beyond 2^53).
 */

/** A leaf or branch of the ordered tree. `bigint` holds YAML integers exactly (JSON has none). */
export type OrderedValue = OrderedMap | OrderedValue[] | string | number | bigint | boolean | null;

/** A JSON/YAML mapping whose entries keep the order they had in the document. */
export class OrderedMap {
  readonly entries: Array<[string, OrderedValue]>;

  /** A map with the given entries, in order. */
  constructor(entries: Array<[string, OrderedValue]> = []) {
    this.entries = entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** The value under `key`. */
  get(key: string): OrderedValue | undefined {
    const entry = this.entries.find(([k]) => k === key);
    return entry ? entry[1] : undefined;
  }

  /** True when `key` is present. */
  has(key: string): boolean {
    return this.entries.some(([k]) => k === key);
  }

  /** Replace the value of an existing key in place (keeping its position), or append. */
  set(key: string, value: OrderedValue): this {
    const entry = this.entries.find(([k]) => k === key);
    if (entry) entry[1] = value;
    else this.entries.push([key, value]);
    return this;
  }

  /** Remove `key`; true when it was present. */
  delete(key: string): boolean {
    const index = this.entries.findIndex(([k]) => k === key);
    if (index < 0) return false;
    this.entries.splice(index, 1);
    return true;
  }

  /** The keys, in order. */
  keys(): string[] {
    return this.entries.map(([k]) => k);
  }
}

/** Raised by {@link parseOrderedJson}; the message has a position and never echoes the text. */
export class OrderedJsonSyntaxError extends Error {
  /** A syntax error at `position` of the text parsed. */
  constructor(message: string, readonly position: number) {
    super(`${message} at position ${position}`);
    this.name = "OrderedJsonSyntaxError";
  }
}

/** Where a value sits in a document: object keys and array indexes from the root. */
export type JsonPath = ReadonlyArray<string | number>;

/** Options of `parseOrderedJson`: how numbers are read and what a duplicate key does. */
export interface ParseOrderedJsonOptions {
  /** Called for every number with its path, parsed value and exact source text. */
  onNumber?: (path: JsonPath, value: number, source: string) => void;
  /** "reject" (default): a repeated key in one object is an error. "last": the last value wins, as in JSON.parse. */
  duplicateKeys?: "reject" | "last";
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 512;

/**
 * Parse JSON text (RFC 8259) into an ordered tree. Duplicate keys in one object are rejected (their
 * order in a MAC would be ambiguous). Error messages give a position, never a piece of the text.
 */
export function parseOrderedJson(text: string, options: ParseOrderedJsonOptions = {}): OrderedValue {
  const { onNumber, duplicateKeys = "reject" } = options;
  const path: Array<string | number> = [];
  let pos = 0;
  if (text.charCodeAt(0) === 0xfeff) pos = 1;

  const skipWs = () => {
    while (pos < text.length && WHITESPACE.has(text[pos]!)) pos++;
  };
  const fail = (message: string): never => {
    throw new OrderedJsonSyntaxError(message, pos);
  };

  const parseString = (): string => {
    const start = pos;
    pos++; // opening quote
    while (pos < text.length) {
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        try {
          return JSON.parse(text.slice(start, pos)) as string;
        } catch {
          pos = start;
          return fail("Invalid string literal");
        }
      }
      if (c === 0x5c) pos += 2;
      else if (c < 0x20) return fail("Control character in string");
      else pos++;
    }
    pos = start;
    return fail("Unterminated string");
  };

  const parseValue = (depth: number): OrderedValue => {
    if (depth > MAX_DEPTH) fail("Nesting too deep");
    skipWs();
    const ch = text[pos];
    if (ch === "{") {
      pos++;
      const map = new OrderedMap();
      const seen = new Set<string>();
      skipWs();
      if (text[pos] === "}") {
        pos++;
        return map;
      }
      for (;;) {
        skipWs();
        if (text[pos] !== '"') fail("Expected a string key");
        const keyPos = pos;
        const key = parseString();
        const repeated = seen.has(key);
        if (repeated && duplicateKeys === "reject") {
          pos = keyPos;
          fail("Duplicate key in object");
        }
        seen.add(key);
        skipWs();
        if (text[pos] !== ":") fail("Expected ':'");
        pos++;
        path.push(key);
        const item = parseValue(depth + 1);
        path.pop();
        if (repeated) map.set(key, item);
        else map.entries.push([key, item]);
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "}") {
          pos++;
          return map;
        }
        fail("Expected ',' or '}'");
      }
    }
    if (ch === "[") {
      pos++;
      const list: OrderedValue[] = [];
      skipWs();
      if (text[pos] === "]") {
        pos++;
        return list;
      }
      for (;;) {
        path.push(list.length);
        list.push(parseValue(depth + 1));
        path.pop();
        skipWs();
        if (text[pos] === ",") {
          pos++;
          continue;
        }
        if (text[pos] === "]") {
          pos++;
          return list;
        }
        fail("Expected ',' or ']'");
      }
    }
    if (ch === '"') return parseString();
    if (text.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return false;
    }
    if (text.startsWith("null", pos)) {
      pos += 4;
      return null;
    }
    NUMBER_RE.lastIndex = pos;
    const m = NUMBER_RE.exec(text);
    if (m) {
      pos += m[0].length;
      const value = Number(m[0]);
      onNumber?.(path, value, m[0]);
      return value;
    }
    return fail(pos >= text.length ? "Unexpected end of input" : "Unexpected character");
  };

  const value = parseValue(0);
  skipWs();
  if (pos < text.length) fail("Unexpected data after the JSON value");
  return value;
}

/** Options of `stringifyOrderedJson`: how numbers are written. */
export interface StringifyOrderedJsonOptions {
  /** How to write a finite number found at `path` (default: JavaScript's shortest form). */
  number?: (value: number, path: JsonPath) => string;
}

/**
 * Serialize an ordered tree as JSON. `indent` is a string (e.g. "\t"); "" gives one
 * line. No trailing newline.
 */
export function stringifyOrderedJson(value: OrderedValue, indent = "\t", options: StringifyOrderedJsonOptions = {}): string {
  const nl = indent ? "\n" : "";
  const sep = indent ? ": " : ":";
  const path: Array<string | number> = [];
  const at = (key: string | number, item: OrderedValue, level: number): string => {
    path.push(key);
    const out = write(item, level);
    path.pop();
    return out;
  };
  const write = (v: OrderedValue, level: number): string => {
    if (v instanceof OrderedMap) {
      if (v.size === 0) return "{}";
      const pad = indent.repeat(level + 1);
      const items = v.entries.map(([k, item]) => `${pad}${JSON.stringify(k)}${sep}${at(k, item, level + 1)}`);
      return `{${nl}${items.join(`,${nl}`)}${nl}${indent.repeat(level)}}`;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return "[]";
      const pad = indent.repeat(level + 1);
      const items = v.map((item, i) => `${pad}${at(i, item, level + 1)}`);
      return `[${nl}${items.join(`,${nl}`)}${nl}${indent.repeat(level)}]`;
    }
    if (typeof v === "bigint") return v.toString();
    if (typeof v === "number") {
      if (!Number.isFinite(v)) return "null";
      return options.number ? options.number(v, path) : JSON.stringify(v);
    }
    return JSON.stringify(v);
  };
  return write(value, 0);
}

/** How {@link fromJs} orders the keys of each object. */
export type KeyOrder =
  /** Keys sorted as strings, recursively (the on-disk layout of the Python implementation). */
  | "sorted"
  /** JavaScript's own property order (survives a round trip through a JS object unchanged). */
  | "js";

/**
 * Build an ordered tree from a JSON-compatible JS value. Follows JSON.stringify for what it drops
 * (`undefined`, functions, symbols) and maps (non-finite numbers → null; `toJSON` is honoured).
 * Throws a TypeError for values JSON cannot hold (bigint, cycles).
 */
export function fromJs(value: unknown, order: KeyOrder = "js"): OrderedValue {
  const stack = new Set<object>();
  const convert = (v: unknown): OrderedValue | undefined => {
    if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
      v = (v as { toJSON: () => unknown }).toJSON();
    }
    if (v === null) return null;
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        return Number.isFinite(v) ? v : null;
      case "bigint":
        throw new TypeError("A bigint cannot be stored as JSON");
      case "undefined":
      case "function":
      case "symbol":
        return undefined;
    }
    const obj = v as object;
    if (stack.has(obj)) throw new TypeError("Cyclic structure cannot be stored as JSON");
    stack.add(obj);
    try {
      if (Array.isArray(obj)) return obj.map((item) => convert(item) ?? null);
      const keys = Object.keys(obj);
      if (order === "sorted") keys.sort();
      const map = new OrderedMap();
      for (const key of keys) {
        const item = convert((obj as Record<string, unknown>)[key]);
        if (item !== undefined) map.entries.push([key, item]);
      }
      return map;
    } finally {
      stack.delete(obj);
    }
  };
  return convert(value) ?? null;
}

/**
 * Convert an ordered tree to plain JS values. Object key order then follows JavaScript's rules
 * (integer-like keys first). `__proto__` is stored as an own property, never as a prototype.
 * YAML bigints become numbers (exact below 2^53).
 */
export function toJs(value: OrderedValue): unknown {
  if (value instanceof OrderedMap) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of value.entries) {
      Object.defineProperty(out, k, { value: toJs(v), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  if (Array.isArray(value)) return value.map(toJs);
  if (typeof value === "bigint") return Number(value);
  return value;
}
