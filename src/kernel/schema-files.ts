/**
 * Reads the JSON Schemas shipped in the package's `schemas/` directory, and finds validators compiled
 * from them at build time, so neither ajv nor its compiler runs for the package's own schemas.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { validators } from "../generated/validators.js";
import { schemaDigest } from "./schema-digest.js";

// src/kernel/x.ts and dist/kernel/x.js both sit two levels below the package root.
const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schemas");

export function readSchemaFile(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, fileName), "utf8")) as Record<string, unknown>;
}

let byDigest: Map<string, ValidateFunction> | undefined;

/**
 * The build-time validator of a schema with exactly the content of one in `schemas/` (as
 * `readSchemaFile` returns it); undefined for any other schema, which ajv compiles at run time.
 */
export function precompiledValidator(schema: object): ValidateFunction | undefined {
  byDigest ??= new Map(Object.values(validators).map((v) => [v.digest, v.validate]));
  return byDigest.get(schemaDigest(schema));
}

/** The build-time validator of one of the package's schema files (e.g. the plugin manifest's). */
export function shippedValidator(fileName: string): ValidateFunction {
  const compiled = validators[fileName];
  if (!compiled) throw new Error(`No compiled validator for schemas/${fileName}: run scripts/generate-validators.ts`);
  return compiled.validate;
}
