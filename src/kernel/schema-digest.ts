/** Identifies a schema by content, so a build-time validator is used only for the very schema it was compiled from. */

/** A schema compiled at build time: which schema, and where its code is. */
export interface CompiledSchemaModule {
  /** `schemaDigest` of the schema the validator was compiled from. */
  digest: string;
  /** File name of the CommonJS module (in generated/validators/) whose `validate` export is the validator. */
  module: string;
}

/**
 * The length and a 53-bit hash (cyrb53) of the schema's JSON text (key order included: schemas read
 * from one file agree). It tells a handful of known schemas apart; it authenticates nothing (a
 * plugin's schema is the plugin's own code), so it needs no node:crypto, which a kernel's start-up
 * then does not load.
 */
export function schemaDigest(schema: object): string {
  const text = JSON.stringify(schema);
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `${text.length}-${(4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(36)}`;
}
