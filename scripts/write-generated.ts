/** Writing what a generator made: every file of `sources`, after removing the files of `dir` it no longer makes. */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export function writeGenerated(sources: ReadonlyMap<string, string>, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  for (const name of readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!sources.has(file)) rmSync(file);
  }
  for (const [file, text] of sources) writeFileSync(file, text);
  return [...sources.keys()];
}
