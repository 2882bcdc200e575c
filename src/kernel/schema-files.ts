/**
 * Reads the JSON Schemas shipped in the package's `schemas/` directory, and finds validators compiled
 * from them at build time, so neither ajv nor its compiler runs for the package's own schemas.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import path from "node:path";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { validatorModules } from "../generated/validators.js";
import { schemaDigest } from "./schema-digest.js";

const here = fileURLToPath(import.meta.url);

/**
 * The package root: the nearest directory above this module with a package.json. Found rather than
 * fixed, as this module may run from src/kernel/, dist/kernel/ or a bundled chunk of dist/.
 */
function packageRoot(): string {
  for (let dir = path.dirname(here); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "package.json"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`planet-auth: no package.json above ${here}`);
  }
}

const ROOT = packageRoot();
const SCHEMA_DIR = path.join(ROOT, "schemas");
/** Where the compiled validators are: beside the sources when running from src/, else in dist/. */
const VALIDATOR_DIR = path.join(ROOT, here.startsWith(path.join(ROOT, "src") + path.sep) ? "src" : "dist", "generated/validators");

/** A JSON Schema shipped in the package's `schemas/` directory, parsed. */
export function readSchemaFile(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, fileName), "utf8")) as Record<string, unknown>;
}

// The compiled validators are CommonJS: a synchronous require keeps validation synchronous.
const requireCjs = createRequire(import.meta.url);
const loaded = new Map<string, ValidateFunction>();

/**
 * A schema file's compiled validator. Its module is required on the first validation, so that
 * importing the package parses no validator and a process parses only those it uses.
 */
function compiledValidator(fileName: string, moduleFile: string): ValidateFunction {
  let validate = loaded.get(fileName);
  if (validate) return validate;
  let compiled: ValidateFunction | undefined;
  const lazy = function (this: unknown, ...args: Parameters<ValidateFunction>): boolean {
    compiled ??= (requireCjs(path.join(VALIDATOR_DIR, moduleFile)) as { validate: ValidateFunction }).validate;
    const valid = compiled.apply(this, args);
    lazy.errors = compiled.errors;
    return valid;
  } as ValidateFunction;
  loaded.set(fileName, (validate = lazy));
  return validate;
}

let byDigest: Map<string, string> | undefined;

/**
 * The build-time validator of a schema with exactly the content of one in `schemas/` (as
 * `readSchemaFile` returns it); undefined for any other schema, which ajv compiles at run time.
 */
export function precompiledValidator(schema: object): ValidateFunction | undefined {
  byDigest ??= new Map(Object.entries(validatorModules).map(([file, m]) => [m.digest, file]));
  const file = byDigest.get(schemaDigest(schema));
  return file === undefined ? undefined : shippedValidator(file);
}

/** The build-time validator of one of the package's schema files (e.g. the plugin manifest's). */
export function shippedValidator(fileName: string): ValidateFunction {
  const compiled = validatorModules[fileName];
  if (!compiled) throw new Error(`No compiled validator for schemas/${fileName}: run scripts/generate-validators.ts`);
  return compiledValidator(fileName, compiled.module);
}
