#!/usr/bin/env node
/**
 * The README's TypeScript blocks as modules a compiler can check, so the README is checked like code.
 *
 * Every ```ts block is one module, named after the README line it starts on (`readme-L67.ts`), so a
 * compiler error points at the README. A block whose first line is `// (continues the block above)`
 * is a fragment: it is appended to the module of the block before it, and the two are checked joined.
 *
 * Usage: node scripts/readme-blocks.mjs OUT_DIR [README]   — writes the modules into OUT_DIR and prints
 * how many it wrote. scripts/check-packed.sh type-checks them against the packed package.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const CONTINUATION = "// (continues the block above)";

/** @returns {{ name: string, line: number, text: string }[]} modules in README order */
export function readmeModules(markdown) {
  const modules = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== "```ts") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end] !== "```") end++;
    if (end === lines.length) throw new Error(`README line ${i + 1}: a \`\`\`ts block is never closed`);
    const body = lines.slice(start, end).join("\n") + "\n";
    if (lines[start] === CONTINUATION) {
      const previous = modules.at(-1);
      if (!previous) throw new Error(`README line ${start + 1}: a continuation with no block above it`);
      previous.text += `\n// --- README line ${start + 1}\n${body}`;
    } else {
      // Each block is a module of its own (no names leak between blocks), even without imports.
      modules.push({ name: `readme-L${start}.ts`, line: start, text: `${body}export {};\n` });
    }
    i = end;
  }
  return modules;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [outDir, readme = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "README.md")] = process.argv.slice(2);
  if (!outDir) {
    console.error("usage: node scripts/readme-blocks.mjs OUT_DIR [README]");
    process.exit(2);
  }
  mkdirSync(outDir, { recursive: true });
  const modules = readmeModules(readFileSync(readme, "utf8"));
  for (const m of modules) writeFileSync(path.join(outDir, m.name), m.text);
  console.log(`${modules.length} README modules written to ${outDir}`);
}
