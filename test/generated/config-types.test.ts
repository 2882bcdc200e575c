import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { CONFIG_TYPES_FILE, configTypesSource } from "../../scripts/generate-config-types.js";

describe("config dict types generated from schemas/", () => {
  test("src/generated/config-types.ts is what scripts/generate-config-types.ts makes of schemas/ (run npm run generate:config-types)", () => {
    expect(readFileSync(CONFIG_TYPES_FILE, "utf8")).toBe(configTypesSource());
  });

  test("every key of a built-in client type's schema has a TypeScript type: none is left unknown", () => {
    expect(configTypesSource()).not.toMatch(/: unknown;/);
  });

  test("the generated module is types only (nothing to load at run time)", () => {
    const code = readFileSync(CONFIG_TYPES_FILE, "utf8").replace(/\/\*\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    expect(code).not.toMatch(/^\s*(import|export\s+(const|function|class|let|var|default))\b/m);
  });
});
