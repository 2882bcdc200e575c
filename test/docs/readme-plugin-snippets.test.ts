/**
 * The README's "Writing a plugin" section compiles as written: every TypeScript block is type-checked
 * under strict settings, importing `planet-auth` by name as a third party would; the walkthrough's
 * blocks are exactly the example plugin's source file, in order.
 */
import { describe, expect, test } from "@jest/globals";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const README = readFileSync(path.join(ROOT, "README.md"), "utf8");

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`### ${heading}\n`);
  if (start < 0) throw new Error(`README has no "### ${heading}" section`);
  const next = markdown.indexOf("\n## ", start + 1);
  const nextSub = markdown.indexOf("\n### ", start + 1);
  const end = Math.min(...[next, nextSub].filter((i) => i > 0), markdown.length);
  return markdown.slice(start, end);
}

/** The blocks' text; a fragment's "continues the block above" line is the README's, not the file's. */
function tsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```ts\n([\s\S]*?)```\n/g)].map((m) => m[1]!.replace(/^\/\/ \(continues the block above\)\n/, ""));
}

const WRITING = section(README, "Writing a plugin");
const walkthrough = /<!-- walkthrough: (\S+) -->\n([\s\S]*?)<!-- \/walkthrough -->/.exec(WRITING);

/** Type-check modules given as text, placed in the package root so `planet-auth` resolves to this package. */
function typeErrors(modules: Record<string, string>): Record<string, string[]> {
  const files = new Map(Object.entries(modules).map(([name, text]) => [path.join(ROOT, name), text]));
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
    customConditions: ["planet-auth-source"], lib: ["lib.es2022.d.ts"], types: ["node"], strict: true,
    verbatimModuleSyntax: true, exactOptionalPropertyTypes: true, noUncheckedIndexedAccess: true, noImplicitOverride: true,
    skipLibCheck: true, noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => files.has(f) || fileExists.call(host, f);
  host.readFile = (f) => files.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) => {
    const text = files.get(f);
    return text !== undefined ? ts.createSourceFile(f, text, lang) : getSourceFile.call(host, f, lang, ...rest);
  };
  const program = ts.createProgram([...files.keys()], options, host);
  const errors: Record<string, string[]> = Object.fromEntries(Object.keys(modules).map((name) => [name, []]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    if (!d.file || !files.has(d.file.fileName)) continue;
    const line = d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    errors[path.relative(ROOT, d.file.fileName)]!.push(`${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }
  return errors;
}

describe('README "Writing a plugin"', () => {
  test("the walkthrough's blocks are the example plugin's source, verbatim and in order", () => {
    expect(walkthrough).not.toBeNull();
    const [, file, body] = walkthrough!;
    expect(tsBlocks(body!).join("\n")).toBe(readFileSync(path.join(ROOT, file!), "utf8"));
  });

  test("every TypeScript block type-checks under strict, verbatimModuleSyntax and exactOptionalPropertyTypes (and a mistake would not)", () => {
    const walkthroughText = walkthrough![0];
    const standalone = tsBlocks(WRITING.replace(walkthroughText, ""));
    expect(standalone.length).toBeGreaterThan(0);
    const modules: Record<string, string> = {
      ".readme-walkthrough.ts": tsBlocks(walkthroughText).join("\n"),
      ".readme-broken.ts": 'import { definePlugn } from "planet-auth";\nexport const x = definePlugn;\n',
    };
    standalone.forEach((text, i) => (modules[`.readme-snippet-${i}.ts`] = text));
    const { ".readme-broken.ts": broken, ...rest } = typeErrors(modules);
    expect(broken!.join("\n")).toMatch(/has no exported member named 'definePlugn'/);
    expect(rest).toEqual(Object.fromEntries(Object.keys(rest).map((name) => [name, []])));
  });
});
