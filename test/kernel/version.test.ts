import { expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import { LIBRARY_VERSION, X_PLANET_APP } from "../../src/index.js";

test("the library version constant matches package.json and names the TS library in X-Planet-App", () => {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  expect(LIBRARY_VERSION).toBe(pkg.version);
  expect(X_PLANET_APP).toBe(`planet-auth-library-ts-${pkg.version}`);
});
