/**
 * The on-disk JSON layout shared with the Python implementation (its `json.dump(..., indent=2,
 * sort_keys=True)`): top-level nulls dropped, keys sorted as strings at every level (so "10" comes
 * before "9"), 2-space indent, non-ASCII escaped as \uXXXX, no trailing newline.
 *
 * Numbers keep the form they were read in. A parsed object remembers the source text of every number
 * whose written form would otherwise change (`3600.0`, `1E5`, `12345678901234567890`, which a double
 * cannot even hold); saving writes that text again while the value at that path is unchanged. Other
 * numbers are written as Python writes them: integers as digits, floats by `repr` (`1e-07`).
 */
import type { JsonObject } from "../storage-provider.js";
import { OrderedMap, fromJs, parseOrderedJson, stringifyOrderedJson, toJs, type JsonPath } from "./ordered-json.js";

interface NumberForm {
  readonly value: number;
  readonly source: string;
}
type NumberForms = ReadonlyMap<string, NumberForm>;

/**
 * Carried as an enumerable symbol so that object spreads (`{ ...data }`) keep it; symbols are
 * invisible to JSON, Object.keys and Object.entries.
 */
const NUMBER_FORMS = Symbol("planet-auth.numberForms");
type WithForms = JsonObject & { [NUMBER_FORMS]?: NumberForms };

const pathKey = (path: JsonPath): string => JSON.stringify(path);

/** Python's `repr` of a float: shortest round-trip digits, `.0` on whole numbers, exponent form below 1e-4 and from 1e16. */
export function pythonFloatRepr(value: number): string {
  if (!Number.isFinite(value)) return "null";
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  const sign = mantissa.startsWith("-") || Object.is(value, -0) ? "-" : "";
  const digits = mantissa.replace("-", "").replace(".", "");
  if (exponent < -4 || exponent >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    return `${sign}${m}e${exponent < 0 ? "-" : "+"}${String(Math.abs(exponent)).padStart(2, "0")}`;
  }
  if (exponent < 0) return `${sign}0.${"0".repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, "0");
  return `${sign}${whole}.${digits.slice(exponent + 1) || "0"}`;
}

/** How Python writes a number it computed: an integral value as an int, anything else as a float. */
function pythonNumber(value: number): string {
  return Number.isInteger(value) ? BigInt(value).toString() : pythonFloatRepr(value);
}

function formsOf(data: JsonObject): NumberForms | undefined {
  return (data as WithForms)[NUMBER_FORMS];
}

function setForms(data: JsonObject, forms: NumberForms): void {
  (data as WithForms)[NUMBER_FORMS] = forms;
}

/** True when the number at top-level `key` was read (or marked) as a float, e.g. `3600.0` or `1.5`. */
export function isFloatInSource(data: JsonObject, key: string): boolean {
  const value = data[key];
  if (typeof value !== "number") return false;
  if (!Number.isInteger(value)) return true;
  const form = formsOf(data)?.get(pathKey([key]));
  return form !== undefined && Object.is(form.value, value) && /[.eE]/.test(form.source);
}

/** Write the number now at top-level `key` as a Python float (e.g. `1700003600.0`). Mutates `data`'s own record only. */
export function markFloat(data: JsonObject, key: string): void {
  const value = data[key];
  if (typeof value !== "number") return;
  const forms = new Map(formsOf(data));
  forms.set(pathKey([key]), { value, source: pythonFloatRepr(value) });
  setForms(data, forms);
}

/**
 * A config or token object as the Python library writes it: keys sorted, two-space indent, nulls left out,
 * numbers in the form they were read or marked (`markFloat`).
 */
export function serializeJsonObject(data: JsonObject): string {
  const withoutNulls: JsonObject = {};
  for (const [k, v] of Object.entries(data)) if (v !== null && v !== undefined) withoutNulls[k] = v;
  const forms = formsOf(data);
  const text = stringifyOrderedJson(fromJs(withoutNulls, "sorted"), "  ", {
    number: (value, path) => {
      const form = forms?.get(pathKey(path));
      return form && Object.is(form.value, value) ? form.source : pythonNumber(value);
    },
  });
  return text.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/**
 * Parse stored text; throws a plain Error with the reason when it is not a JSON object. The reason
 * never quotes the text (stored objects hold secrets). A repeated key keeps its last value, as in
 * Python and JSON.parse.
 */
export function parseJsonObject(text: string): JsonObject {
  const forms = new Map<string, NumberForm>();
  let parsed: unknown;
  try {
    const tree = parseOrderedJson(text, {
      duplicateKeys: "last",
      onNumber: (path, value, source) => {
        if (source !== pythonNumber(value)) forms.set(pathKey(path), { value, source });
      },
    });
    parsed = tree instanceof OrderedMap ? toJs(tree) : tree;
  } catch {
    throw new Error(text.trim() === "" ? "the file is empty" : "the content is not valid JSON");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new Error(`expected a JSON object, found ${Array.isArray(parsed) ? "an array" : typeof parsed}`);
  }
  const data = parsed as JsonObject;
  if (forms.size > 0) setForms(data, forms);
  return data;
}
