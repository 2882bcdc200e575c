/**
 * Trust for a plugin module before it is imported: the module file, every file it imports by a
 * relative path (followed through those files in turn), and every package.json between it and its
 * package root (they decide how it is resolved and parsed) must pass the file trust rule. Imports
 * computed at run time cannot be seen here; a plugin's dependencies (bare imports) are installed
 * packages and are not checked.
 */
import { existsSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { AuthException } from "./errors.js";
import {
  assertTrustedOpenedFile, DEFAULT_MAX_FILE_BYTES, openNoFollow, UntrustedFileException, type OpenedFile, type TrustOptions,
} from "./file-trust.js";

/** Relative specifiers in static imports, re-exports, `import()` and `require()` with a literal argument. */
const RELATIVE_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(["'])(\.{1,2}\/[^"'\n]*)\1/g;

/** Files a plugin's import graph may hold before it is refused as too large to check. */
const MAX_MODULE_FILES = 2000;

/** TypeScript sources are imported as `./x.js`: the file that stands for such a specifier. */
const TS_FOR_JS: Record<string, string[]> = { ".js": [".ts", ".tsx"], ".mjs": [".mts"], ".cjs": [".cts"] };

/** The file a relative specifier in `from` names, or undefined when none exists (the import then fails by itself). */
function resolveRelative(specifier: string, from: string): string | undefined {
  const target = path.resolve(path.dirname(from), specifier.split(/[?#]/)[0]!);
  if (statSync(target, { throwIfNoEntry: false })?.isFile()) return target;
  const ext = path.extname(target);
  for (const alt of TS_FOR_JS[ext] ?? []) {
    const candidate = target.slice(0, -ext.length) + alt;
    if (existsSync(candidate)) return candidate;
  }
  try {
    return createRequire(from).resolve(specifier);
  } catch {
    return undefined;
  }
}

/** The package.json files from `file`'s directory up to its package root (the first with a `name`, or a node_modules boundary). */
async function checkPackageFiles(file: string, label: string, options: TrustOptions): Promise<void> {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    let opened: OpenedFile | undefined;
    try {
      opened = await openNoFollow(pkg, DEFAULT_MAX_FILE_BYTES);
    } catch (err) {
      if (err instanceof AuthException) throw err;
    }
    if (opened) {
      await assertTrustedOpenedFile(opened, `decides how ${label} is resolved and parsed`, options);
      if (hasName(opened.text)) return;
    }
    if (path.basename(path.dirname(dir)) === "node_modules" || path.dirname(dir) === dir) return;
  }
}

/**
 * The package.json Node reads to resolve the bare specifier `specifier` from `fromFile` — the first
 * `node_modules/<package>/package.json` up from its directory — which must pass the rule too: its
 * `main` or `exports` may point anywhere, even at a file outside its package. Nothing for relative
 * or absolute specifiers, or when there is no such file (resolution then fails by itself).
 */
export async function assertTrustedPackageOf(specifier: string, fromFile: string, label: string, options: TrustOptions = {}): Promise<void> {
  if (specifier.startsWith(".") || path.isAbsolute(specifier)) return;
  const parts = specifier.split("/");
  const name = specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
  for (let dir = path.dirname(fromFile); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "node_modules", name, "package.json");
    let opened: OpenedFile | undefined;
    try {
      opened = await openNoFollow(pkg, DEFAULT_MAX_FILE_BYTES);
    } catch (err) {
      if (err instanceof AuthException) throw err;
    }
    if (opened) return assertTrustedOpenedFile(opened, `decides which module ${label} is`, options);
    if (path.dirname(dir) === dir) return;
  }
}

function hasName(text: string): boolean {
  try {
    return typeof (JSON.parse(text) as { name?: unknown })?.name === "string";
  } catch {
    return false;
  }
}

/**
 * Throw UntrustedFileException unless the module `file`, the files it imports by relative path
 * (transitively) and its package.json files pass the file trust rule. `label` names the module in
 * messages (`the plugin module "x" named by <config>`). Returns the module's real path: what to import.
 */
export async function assertTrustedModule(file: string, label: string, trust: TrustOptions = {}): Promise<string> {
  const options = { ...trust, checkedDirs: trust.checkedDirs ?? new Set<string>() };
  await checkPackageFiles(file, label, options);
  const seen = new Set<string>();
  const pending = [file];
  let entry: string | undefined;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    let opened: OpenedFile;
    try {
      opened = await openNoFollow(next, DEFAULT_MAX_FILE_BYTES);
    } catch (err) {
      if (err instanceof AuthException) throw err;
      if (next === file) return file; // a missing module fails when it is imported, with its own error
      continue;
    }
    if (seen.has(opened.realPath)) continue;
    seen.add(opened.realPath);
    if (seen.size > MAX_MODULE_FILES) {
      throw new UntrustedFileException(`Refusing to import ${label}: it imports more than ${MAX_MODULE_FILES} files to check`, { filePath: file });
    }
    await assertTrustedOpenedFile(opened, next === file ? `is ${label}` : `is imported by ${label}`, options);
    entry ??= opened.realPath;
    for (const match of opened.text.matchAll(RELATIVE_SPECIFIER)) {
      const target = resolveRelative(match[2]!, opened.realPath);
      if (target) pending.push(target);
    }
  }
  return entry ?? file;
}
