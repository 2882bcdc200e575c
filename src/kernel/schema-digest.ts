/** Identifies a schema by content, so a build-time validator is used only for the very schema it was compiled from. */
import { createHash } from "node:crypto";
import type { ValidateFunction } from "ajv/dist/2020.js";

export interface CompiledSchema {
  /** `schemaDigest` of the schema the validator was compiled from. */
  digest: string;
  validate: ValidateFunction;
}

/** SHA-256 of the schema's JSON text (key order included: schemas read from one file agree). */
export function schemaDigest(schema: object): string {
  return createHash("sha256").update(JSON.stringify(schema)).digest("base64url");
}
