/**
 * JSON Schema validation of client configs with ajv (draft 2020-12). All errors are reported, each
 * with its key path; `x-error` on a schema node replaces the noise of a failed anyOf/oneOf with one
 * sentence. Values are never echoed (they may be secrets).
 *
 * The package's own schemas are compiled at build time (src/generated/validators/); ajv itself is
 * loaded only when a schema from elsewhere (a third-party plugin's) must be compiled at run time.
 */
import { createRequire } from "node:module";
import type { Ajv2020, ErrorObject, Options, ValidateFunction } from "ajv/dist/2020.js";
import { AuthClientConfigException } from "./errors.js";

/** The options of every validator, whether compiled at build time or at run time. */
export const AJV_OPTIONS = {
  allErrors: true, verbose: true, strict: true, strictTypes: false, strictRequired: false, allowUnionTypes: true,
} as const satisfies Options;

// ajv is CommonJS: a synchronous require keeps validation synchronous while loading ajv lazily.
const requireCjs = createRequire(import.meta.url);

/**
 * An ajv instance with the library's options, keywords (`x-error`, `x-secret`, `x-ts-type`) and the formats of
 * ajv-formats (`uri`, `email`, `date-time`, …); other vendor keywords are added per schema.
 */
export function createAjv(extra: Omit<Options, keyof typeof AJV_OPTIONS> = {}): Ajv2020 {
  const { Ajv2020 } = requireCjs("ajv/dist/2020.js") as typeof import("ajv/dist/2020.js");
  const { default: addFormats } = requireCjs("ajv-formats") as typeof import("ajv-formats");
  const ajv = new Ajv2020({ ...AJV_OPTIONS, ...extra });
  addFormats(ajv);
  ajv.addKeyword({ keyword: "x-error", schemaType: "string" });
  ajv.addKeyword({ keyword: "x-secret", schemaType: "boolean" });
  // The TypeScript type of a key (see SchemaData): for the compiler only, never validated.
  ajv.addKeyword({ keyword: "x-ts-type", schemaType: "string" });
  return ajv;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "";
  const custom = (error.parentSchema as Record<string, unknown> | undefined)?.["x-error"];
  if (typeof custom === "string" && (error.keyword === "anyOf" || error.keyword === "oneOf" || error.keyword === "not")) {
    return where ? `${where}: ${custom}` : custom;
  }
  if (error.keyword === "required") {
    const missing = (error.params as { missingProperty: string }).missingProperty;
    return `${where ? where + "." : ""}${missing}: is required`;
  }
  if (error.keyword === "minLength" && (error.params as { limit: number }).limit === 1) {
    return `${where}: must be a non-empty string`;
  }
  return `${where || "(root)"}: ${error.message ?? error.keyword}`;
}

/** Human-readable messages for all errors, with the branches of x-error'd anyOf/oneOf folded away. */
export function describeErrors(errors: readonly ErrorObject[]): string[] {
  const folded = errors
    .filter((e) => (e.keyword === "anyOf" || e.keyword === "oneOf" || e.keyword === "not") && (e.parentSchema as Record<string, unknown>)?.["x-error"])
    .map((e) => e.schemaPath + "/");
  const kept = errors.filter((e) => !folded.some((prefix) => e.schemaPath.startsWith(prefix)));
  return [...new Set(kept.map(describe))];
}

export function assertValid(validate: ValidateFunction, clientType: string, data: unknown): void {
  if (validate(data)) return;
  const problems = describeErrors(validate.errors ?? []);
  throw new AuthClientConfigException(`Invalid ${clientType} config: ${problems.join("; ")}`, {
    clientType,
    field: problems.length === 1 ? problems[0]!.split(":")[0] : undefined,
  });
}
