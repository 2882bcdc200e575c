/** Reads the JSON Schemas shipped in the package's `schemas/` directory. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import path from "node:path";

// src/kernel/x.ts and dist/kernel/x.js both sit two levels below the package root.
const SCHEMA_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../schemas");

export function readSchemaFile(fileName: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(SCHEMA_DIR, fileName), "utf8")) as Record<string, unknown>;
}
