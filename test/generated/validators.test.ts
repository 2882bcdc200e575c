import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ErrorObject, ValidateFunction } from "ajv/dist/2020.js";
import { VALIDATOR_MODULE_DIR, runtimeSchemaFiles, validatorsSources } from "../../scripts/generate-validators.js";
import { validatorModules } from "../../src/generated/validators.js";
import { createAjv, describeErrors } from "../../src/kernel/config-validation.js";
import { precompiledValidator, readSchemaFile, shippedValidator } from "../../src/kernel/schema-files.js";
import { AuthClientConfigException, createKernel } from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { InertClient, configClassFor } from "../support/generic-plugin.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
/** The schemas the library validates with (schemas/runtime/ and the plugin manifest). */
const SCHEMA_FILES = runtimeSchemaFiles();

/** Wrong values of every JSON type for each property, one at a time and all at once. */
function badInputs(schema: Record<string, unknown>): unknown[] {
  const properties = Object.keys((schema.properties ?? {}) as Record<string, unknown>);
  const clientType = ((schema.properties as Record<string, { const?: unknown }> | undefined)?.client_type)?.const;
  const base = clientType === undefined ? {} : { client_type: clientType };
  const wrong = [12345, "", [1], null, {}, true, "x", ["a", "b"], [""]];
  const inputs: unknown[] = [null, [], "x", 0, {}, base, { ...base, client_type: "other" }];
  for (const p of properties) for (const w of wrong) inputs.push({ ...base, [p]: w });
  for (const w of wrong) inputs.push({ ...base, ...Object.fromEntries(properties.filter((p) => p !== "client_type").map((p) => [p, w])) });
  return inputs;
}

function run(validate: ValidateFunction, data: unknown): { valid: boolean; errors: ErrorObject[] } {
  const valid = validate(structuredClone(data)) as boolean;
  return { valid, errors: validate.errors ?? [] };
}

describe("build-time compiled schema validators", () => {
  test("src/generated/ holds exactly what scripts/generate-validators.ts makes of schemas/ (run npm run generate:validators)", () => {
    const expected = validatorsSources();
    const modules = readdirSync(VALIDATOR_MODULE_DIR).map((f) => path.join(VALIDATOR_MODULE_DIR, f));
    expect(modules.filter((f) => !expected.has(f))).toEqual([]);
    for (const [file, text] of expected) expect({ file, text: readFileSync(file, "utf8") }).toEqual({ file, text });
  });

  test("every schema the library validates with has a compiled validator, in a module of its own; editor schemas have none", () => {
    expect(SCHEMA_FILES).toContain("runtime/oidc_auth_code.schema.json");
    expect(SCHEMA_FILES).toContain("runtime/planetauth-config.schema.json");
    expect(Object.keys(validatorModules).sort()).toEqual(SCHEMA_FILES);
    const modules = Object.values(validatorModules).map((m) => m.module);
    expect(new Set(modules).size).toBe(modules.length);
  });

  test.each(SCHEMA_FILES)("%s: compiled and run-time ajv report the same errors, with the same messages", (file) => {
    const schema = readSchemaFile(file);
    const compiled = shippedValidator(file);
    // Schemas may $ref each other (the auth_client dispatcher): the run-time ajv knows them all.
    const ajv = createAjv();
    for (const other of SCHEMA_FILES) if (other !== file) ajv.addSchema(readSchemaFile(other));
    const runtime = ajv.compile(readSchemaFile(file));
    let invalid = 0;
    for (const input of badInputs(schema)) {
      const a = run(compiled, input);
      const b = run(runtime, input);
      expect(a.valid).toBe(b.valid);
      // parentSchema / schema (verbose) included: describeErrors reads x-error from parentSchema.
      expect(JSON.stringify(a.errors)).toBe(JSON.stringify(b.errors));
      expect(describeErrors(a.errors)).toEqual(describeErrors(b.errors));
      if (!a.valid) invalid++;
    }
    expect(invalid).toBeGreaterThan(5);
  });

  test("a schema read from schemas/ gets its compiled validator; a changed copy gets none", () => {
    const schema = readSchemaFile("runtime/static_apikey.schema.json");
    expect(precompiledValidator(schema)).toBe(shippedValidator("runtime/static_apikey.schema.json"));
    expect(precompiledValidator(readSchemaFile("static_apikey.schema.json"))).toBeUndefined(); // the editor schema
    expect(precompiledValidator({ ...schema, required: ["client_type", "api_key", "extra"] })).toBeUndefined();
    expect(precompiledValidator({ $id: schema.$id, type: "object" })).toBeUndefined();
  });

  test("a third-party plugin's schema (even one reusing a built-in $id) is compiled at run time and enforced", () => {
    const schema = {
      ...readSchemaFile("runtime/none.schema.json"),
      $id: "urn:test:strict-none",
      properties: { client_type: { const: "none" }, level: { type: "integer", minimum: 3 } },
      required: ["client_type", "level"],
    };
    const kernel = createKernel({
      plugins: [definePlugin({
        name: "strict-none", version: "1.0.0",
        clientTypes: [{ clientType: "none", schema, configClass: configClassFor("none") as never, clientClass: InertClient, meta: { displayName: "Strict", description: "" } }],
      })],
    });
    expect(() => kernel.validateConfigData("none", { client_type: "none", level: 4 })).not.toThrow();
    expect(() => kernel.validateConfigData("none", { client_type: "none", level: 1 })).toThrow(AuthClientConfigException);
    expect(() => kernel.validateConfigData("none", { client_type: "none" })).toThrow("level: is required");
  });
});

describe("formats in build-time compiled validators", () => {
  test("a schema using format: uri compiles to standalone code that checks the format with ajv-formats", async () => {
    const { generatorAjv, standaloneCode } = await import("../../scripts/generate-validators.js");
    const ajv = generatorAjv();
    ajv.addSchema({ $id: "uri-test.schema.json", type: "object", properties: { url: { type: "string", format: "uri" } } });
    const code = standaloneCode(ajv, { validate: "uri-test.schema.json" });
    expect(code).toContain('require("ajv-formats/dist/formats").fullFormats');
    const dir = mkdtempSync(path.join(ROOT, ".tmp-formats-"));
    try {
      const file = path.join(dir, "validator.cjs");
      writeFileSync(file, code);
      const { validate } = createRequire(import.meta.url)(file) as { validate: (data: unknown) => boolean };
      expect(validate({ url: "https://example.com/x" })).toBe(true);
      expect(validate({ url: "not a uri" })).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
