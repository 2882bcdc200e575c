/**
 * The package is ESM; CommonJS consumers load it with require(), which Node ≥ 20.19 supports for ES
 * modules without top-level await. Checked in child processes against a built copy installed in a
 * consumer project.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { installedCopy, type InstalledCopy } from "./support/installed-copy.js";

let pkg: InstalledCopy;
beforeAll(async () => {
  pkg = await installedCopy();
}, 180_000);
afterAll(() => pkg?.cleanup());

test("require(\"planet-auth\") from a CommonJS module gives the public API, without warnings", async () => {
  const consumer = path.join(pkg.consumerDir, "consumer.cjs");
  await writeFile(consumer, [
    `const { Auth, createDefaultKernel, InvalidTokenException } = require("planet-auth");`,
    `Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k-123", bearer_token_prefix: "api-key" }, { kernel: createDefaultKernel() })`,
    `  .then((auth) => auth.requestAuthenticator().authorizationHeaders())`,
    `  .then((headers) => console.log(JSON.stringify({ authorization: headers.Authorization, error: typeof InvalidTokenException })));`,
  ].join("\n"));
  const { stdout, stderr } = await pkg.node([consumer]);
  expect(JSON.parse(stdout)).toEqual({ authorization: "api-key k-123", error: "function" });
  expect(stderr).toBe("");
});

test("the express and fastify subpaths load with require() too", async () => {
  const { stdout } = await pkg.node(["-e",
    `const e = require("planet-auth/express"); const f = require("planet-auth/fastify");` +
    `console.log(typeof e.bearerAuth, typeof e.requireScopes, typeof f.bearerAuth)`]);
  expect(stdout.trim()).toBe("function function function");
});

test("the JSON Schemas are exported as planet-auth/schemas/*", async () => {
  const { stdout } = await pkg.node(["-e",
    `const s = require("planet-auth/schemas/auth_client.schema.json"); console.log(s.$id, s.properties.client_type.enum.length)`]);
  expect(stdout.trim()).toBe("auth_client.schema.json 15");
});

test("import from an ES module resolves to the same build", async () => {
  const { stdout } = await pkg.node(["--input-type=module", "-e",
    `import { createRequire } from "node:module";` +
    `const esm = await import("planet-auth");` +
    `const cjs = createRequire(import.meta.url)("planet-auth");` +
    `console.log(esm.Auth === cjs.Auth)`]);
  expect(stdout.trim()).toBe("true");
});
