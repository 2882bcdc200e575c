/** Identifies a schema by content, so a build-time validator is used only for the very schema it was compiled from. */
import { createHash } from "node:crypto";

/** A schema compiled at build time: which schema, and where its code is. */
export interface CompiledSchemaModule {
  /** `schemaDigest` of the schema the validator was compiled from. */
  digest: string;
  /** File name of the CommonJS module (in generated/validators/) whose `validate` export is the validator. */
  module: string;
}

/** SHA-256 of the schema's JSON text (key order included: schemas read from one file agree). */
export function schemaDigest(schema: object): string {
  return createHash("sha256").update(JSON.stringify(schema)).digest("base64url");
}
