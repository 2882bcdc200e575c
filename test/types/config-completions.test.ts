/**
 * What an editor offers: completions from the TypeScript language service (the engine behind VS Code
 * and other editors) on a typed config's `data().` and inside a config dict literal, with the
 * schema's description as each key's documentation.
 */
import { describe, expect, test } from "@jest/globals";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const FILE = path.join(ROOT, ".completions-probe.ts");
const CURSOR = "/*|*/";

const OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  customConditions: ["planet-auth-source"], lib: ["lib.es2022.d.ts"], types: ["node"], strict: true, skipLibCheck: true,
  experimentalDecorators: true, emitDecoratorMetadata: true,
};

function serviceFor(source: string): ts.LanguageService {
  const host: ts.LanguageServiceHost = {
    getCompilationSettings: () => OPTIONS,
    getScriptFileNames: () => [FILE],
    getScriptVersion: () => "1",
    getScriptSnapshot: (f) => {
      const content = f === FILE ? source : ts.sys.readFile(f);
      return content === undefined ? undefined : ts.ScriptSnapshot.fromString(content);
    },
    getCurrentDirectory: () => ROOT,
    getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
    fileExists: (f) => f === FILE || ts.sys.fileExists(f),
    readFile: (f) => (f === FILE ? source : ts.sys.readFile(f)),
    readDirectory: ts.sys.readDirectory,
    directoryExists: ts.sys.directoryExists,
    getDirectories: ts.sys.getDirectories,
  };
  return ts.createLanguageService(host);
}

/** The compiler's errors for `text` (a module in the package root), as `line: message`. */
function errorsOf(text: string): string[] {
  const service = serviceFor(text);
  return service.getSemanticDiagnostics(FILE).map((d) => {
    const line = d.file!.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    return `${line}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`;
  });
}

/** The language service's completions at CURSOR in `text`, a module in the package root importing `planet-auth`. */
function completionsAt(text: string): { names: string[]; docs: Record<string, string> } {
  const offset = text.indexOf(CURSOR);
  const source = text.replace(CURSOR, "");
  const service = serviceFor(source);
  const entries = (service.getCompletionsAtPosition(FILE, offset, {})?.entries ?? []).filter((e) => e.kind === ts.ScriptElementKind.memberVariableElement);
  const docs: Record<string, string> = {};
  for (const e of entries) {
    const details = service.getCompletionEntryDetails(FILE, offset, e.name, {}, undefined, undefined, undefined);
    docs[e.name] = ts.displayPartsToString(details?.documentation);
  }
  return { names: entries.map((e) => e.name).sort(), docs };
}

describe("editor completions for config keys", () => {
  test("on data() of a built-in config: that client type's keys, documented from its schema", () => {
    const { names, docs } = completionsAt(
      'import type { PlanetLegacyAuthClientConfig } from "planet-auth";\n' +
      "export function f(config: PlanetLegacyAuthClientConfig): unknown {\n  return config.data()./*|*/;\n}\n",
    );
    expect(names).toEqual(["allow_insecure_http", "api_key", "client_type", "legacy_auth_endpoint"]);
    expect(docs.legacy_auth_endpoint).toBe("Planet legacy authentication endpoint (URL)");
  });

  test("inside a dict literal given to Auth.initializeFromConfigDict: the keys of the client_type it names", () => {
    const { names } = completionsAt(
      'import { Auth } from "planet-auth";\n' +
      'export const auth = Auth.initializeFromConfigDict({ client_type: "static_apikey", /*|*/ });\n',
    );
    expect(names).toEqual(expect.arrayContaining(["api_key", "bearer_token_prefix"]));
    expect(names).not.toContain("auth_server");
  });
});

describe("compiler errors for a mistaken config key", () => {
  test("a misspelt key is reported on its own line, by name and with the client type", () => {
    const errors = errorsOf(
      'import { Auth } from "planet-auth";\n' +
      "export const auth = Auth.initializeFromConfigDict({\n" +
      '  client_type: "oidc_client_credentials_secret", auth_server: "https://a", client_id: "c", client_secret: "s",\n' +
      '  client_secert: "s",\n' +
      "});\n",
    );
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^4: /);
    expect(errors[0]).toContain('UnknownKey<"client_secert", "oidc_client_credentials_secret">');
  });

  test("the correct dict compiles", () => {
    expect(errorsOf(
      'import { Auth } from "planet-auth";\n' +
      'export const auth = Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "k" });\n',
    )).toEqual([]);
  });
});
