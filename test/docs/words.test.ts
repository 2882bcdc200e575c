/**
 * Words a package user understands: the sources and the shipped declaration files name the Python
 * library (`planet_auth`) and its functions, never the project-internal word "seed".
 * The jest setup builds dist/ from the current sources, so its .d.ts files are checked as shipped.
 */
import { expect, test } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function filesUnder(dir: string, keep: (file: string) => boolean): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p, keep) : keep(p) ? [p] : [];
  });
}

/** `file:line: text` for every line that says "seed" as a word. */
function linesSayingSeed(files: string[]): string[] {
  return files.flatMap((file) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, i) => (/\bseed\b/i.test(line) ? [`${path.relative(ROOT, file)}:${i + 1}: ${line.trim()}`] : [])),
  );
}

test("src/ (generated code included) never says \"seed\"", () => {
  const files = filesUnder(path.join(ROOT, "src"), () => true);
  expect(files.length).toBeGreaterThan(50);
  expect(linesSayingSeed(files)).toEqual([]);
});

test("the shipped declaration files never say \"seed\"", () => {
  const files = filesUnder(path.join(ROOT, "dist"), (f) => f.endsWith(".d.ts"));
  expect(files.length).toBeGreaterThan(50);
  expect(linesSayingSeed(files)).toEqual([]);
});
