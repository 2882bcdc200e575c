/**
 * Compiles a plugin's config schema when the plugin is registered, so a schema the validator cannot
 * use fails `use()` — naming the plugin, the client type, the schema keyword at fault and its JSON
 * Pointer in the schema — instead of failing later, as an invalid profile, on first use.
 *
 * Vendor keywords (`x-` followed by anything) are annotations: allowed anywhere, never validated.
 */
import type { Ajv2020, ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { PluginSchemaException } from "./errors.js";

/** Keywords whose value is one subschema. */
const SCHEMA_KEYWORDS = [
  "additionalProperties", "items", "additionalItems", "not", "if", "then", "else", "contains", "propertyNames",
  "unevaluatedItems", "unevaluatedProperties",
];
/** Keywords whose value maps names to subschemas. */
const SCHEMA_MAP_KEYWORDS = ["properties", "patternProperties", "$defs", "definitions", "dependentSchemas"];
/** Keywords whose value is a list of subschemas. */
const SCHEMA_LIST_KEYWORDS = ["allOf", "anyOf", "oneOf", "prefixItems"];

export const VENDOR_KEYWORD = /^x-/;

interface SchemaNode {
  node: Record<string, unknown>;
  /** JSON Pointer of the node within the plugin's schema ("" for the root). */
  pointer: string;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every schema object in a schema, the root first, with its JSON Pointer. */
export function* schemaNodes(node: unknown, pointer = ""): Generator<SchemaNode> {
  if (!isObject(node)) return;
  yield { node, pointer };
  for (const [key, value] of Object.entries(node)) {
    const at = `${pointer}/${escapePointer(key)}`;
    if (SCHEMA_KEYWORDS.includes(key)) yield* schemaNodes(value, at);
    else if (SCHEMA_LIST_KEYWORDS.includes(key) && Array.isArray(value)) {
      for (const [i, sub] of value.entries()) yield* schemaNodes(sub, `${at}/${i}`);
    } else if (SCHEMA_MAP_KEYWORDS.includes(key) && isObject(value)) {
      for (const [name, sub] of Object.entries(value)) yield* schemaNodes(sub, `${at}/${escapePointer(name)}`);
    }
  }
}

export interface PluginSchemaSource {
  plugin: string;
  clientType: string;
  schema: Record<string, unknown>;
}

interface Fault {
  keyword: string;
  schemaPath: string;
  reason: string;
}

function fail(source: PluginSchemaSource, fault: Fault, cause?: unknown): PluginSchemaException {
  return new PluginSchemaException(
    `Plugin "${source.plugin}": the schema of client_type "${source.clientType}" is not usable: ` +
      `keyword "${fault.keyword}" at ${fault.schemaPath || "/"} (schema ${String(source.schema.$id)}): ${fault.reason}`,
    { plugin: source.plugin, clientType: source.clientType, keyword: fault.keyword, schemaPath: fault.schemaPath, cause },
  );
}

function unknownKeyword(ajv: Ajv2020, schema: Record<string, unknown>): Fault | undefined {
  for (const { node, pointer } of schemaNodes(schema)) {
    for (const key of Object.keys(node)) {
      if (!VENDOR_KEYWORD.test(key) && !ajv.RULES.keywords[key]) {
        return {
          keyword: key,
          schemaPath: `${pointer}/${escapePointer(key)}`,
          reason: 'unknown keyword (name vendor keywords "x-…"; the supported keywords are JSON Schema draft 2020-12\'s)',
        };
      }
    }
  }
  return undefined;
}

/** The meta-schema's first complaint, blamed on the keyword of the plugin's schema it concerns. */
function metaSchemaFault(errors: readonly ErrorObject[]): Fault {
  const first = errors.find((e) => e.instancePath !== "") ?? errors[0]!;
  const keyword = first.instancePath.split("/").pop() || first.keyword;
  const allowed = (first.params as { allowedValues?: unknown[] }).allowedValues;
  const reason = `${first.message ?? "is invalid"}${allowed ? ` (${allowed.map((v) => JSON.stringify(v)).join(", ")})` : ""}`;
  return { keyword, schemaPath: first.instancePath, reason };
}

/** Locate what ajv's compiler refused (its errors carry a message, not a location). */
function compileFault(err: Error & { missingRef?: string }, schema: Record<string, unknown>): Fault {
  const unknownFormat = /^unknown format "(.*)" ignored in schema at path "#(.*)"$/.exec(err.message);
  if (unknownFormat) {
    return {
      keyword: "format",
      schemaPath: `${unknownFormat[2]}/format`,
      reason: `unknown format "${unknownFormat[1]}" (the supported formats are ajv-formats' full set)`,
    };
  }
  if (err.missingRef !== undefined) {
    const ref = [...schemaNodes(schema)].find(({ node }) => typeof node.$ref === "string" && err.missingRef!.endsWith(node.$ref));
    return { keyword: "$ref", schemaPath: ref ? `${ref.pointer}/$ref` : "", reason: `cannot resolve ${err.missingRef}` };
  }
  if (/\bUR[IN]\b/.test(err.message)) {
    const withId = [...schemaNodes(schema)].find(({ node }) => node.$id !== undefined) ?? { pointer: "" };
    return { keyword: "$id", schemaPath: `${withId.pointer}/$id`, reason: err.message };
  }
  const named = /keyword[: ]+"([^"]+)"/.exec(err.message);
  return { keyword: named?.[1] ?? "(schema)", schemaPath: "", reason: err.message };
}

/** Register the vendor keywords a schema uses as annotations on this ajv instance. */
function allowVendorKeywords(ajv: Ajv2020, schema: Record<string, unknown>): void {
  for (const { node } of schemaNodes(schema)) {
    for (const key of Object.keys(node)) if (VENDOR_KEYWORD.test(key) && !ajv.RULES.keywords[key]) ajv.addKeyword({ keyword: key });
  }
}

/** Remove a schema (by identity) from ajv, e.g. when its plugin is not registered after all. */
export function forgetSchema(ajv: Ajv2020, schema: Record<string, unknown>): void {
  try {
    ajv.removeSchema(schema);
  } catch {
    // An $id ajv cannot parse was never added.
  }
}

/**
 * Compile a plugin's schema with `ajv` or throw PluginSchemaException (ERR_PLUGIN_SCHEMA). The schema
 * stays in `ajv` only when it compiles.
 */
export function compilePluginSchema(ajv: Ajv2020, source: PluginSchemaSource): ValidateFunction {
  const { schema } = source;
  allowVendorKeywords(ajv, schema);
  const unknown = unknownKeyword(ajv, schema);
  if (unknown) throw fail(source, unknown);
  if (!ajv.validateSchema(schema)) throw fail(source, metaSchemaFault(ajv.errors ?? []));
  try {
    const existing = typeof schema.$id === "string" ? ajv.getSchema(schema.$id) : undefined;
    if (existing && existing.schema !== schema) {
      throw fail(source, { keyword: "$id", schemaPath: "/$id", reason: "another plugin's schema on this kernel has the same $id" });
    }
    return existing ?? ajv.compile(schema);
  } catch (err) {
    if (err instanceof PluginSchemaException) throw err;
    forgetSchema(ajv, schema);
    throw fail(source, compileFault(err as Error, schema), err);
  }
}
