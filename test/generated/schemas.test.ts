import { describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { RUNTIME_SCHEMA_DIR, SCHEMA_DIR, schemaSources } from "../../scripts/generate-schemas.js";

describe("JSON Schemas generated from the client-type descriptions", () => {
  test("schemas/ holds exactly what scripts/generate-schemas.ts makes of them (run npm run generate:schemas)", () => {
    const expected = schemaSources();
    for (const [file, text] of expected) expect({ file, text: readFileSync(file, "utf8") }).toEqual({ file, text });
    // Nothing else: the plugin manifest's schema is the one file written by hand.
    const present = [
      ...readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".json")).map((f) => path.join(SCHEMA_DIR, f)),
      ...readdirSync(RUNTIME_SCHEMA_DIR).map((f) => path.join(RUNTIME_SCHEMA_DIR, f)),
    ];
    expect(present.filter((f) => !expected.has(f)).map((f) => path.relative(SCHEMA_DIR, f))).toEqual(["plugin-manifest.schema.json"]);
  });
});
