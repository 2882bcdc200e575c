/**
 * The on-disk JSON layout shared with the Python implementation (files-and-profiles.md §5):
 * top-level nulls dropped, keys sorted recursively, 2-space indent, non-ASCII escaped, no trailing newline.
 */
import type { JsonObject } from "../storage-provider.js";

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) out[key] = sortDeep((value as Record<string, unknown>)[key]);
    return out;
  }
  return value;
}

export function serializeJsonObject(data: JsonObject): string {
  const withoutNulls: JsonObject = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) withoutNulls[k] = v;
  return JSON.stringify(sortDeep(withoutNulls), null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"),
  );
}

/**
 * Parse stored text; throws a plain Error with the reason when it is not a JSON object. The reason
 * never quotes the text (V8's parse errors do, and stored objects hold secrets).
 */
export function parseJsonObject(text: string): JsonObject {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(text.trim() === "" ? "the file is empty" : "the content is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`expected a JSON object, found ${Array.isArray(parsed) ? "an array" : typeof parsed}`);
  }
  return parsed as JsonObject;
}
