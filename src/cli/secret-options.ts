/**
 * Secrets given to plauth: on the command line (visible to other users through `ps` and kept in shell
 * history), so a warning names the safer forms; from a file or standard input (`--…-file FILE`,
 * `-` for standard input); or from the option's environment variable.
 */
import { readFile } from "node:fs/promises";
import { CliError, UsageError } from "./errors.js";
import type { PlauthRuntime } from "./runtime.js";

export interface SecretOption {
  /** commander's key of the literal option, e.g. `password`. */
  key: string;
  flag: string;
  /** commander's key and flag of the file option. */
  fileKey: string;
  fileFlag: string;
  /** The variable (without namespace) that gives it. */
  variable: string;
}

/** Every option that takes a secret, with its file form and variable. */
export const SECRET_OPTIONS: readonly SecretOption[] = [
  { key: "authClientSecret", flag: "--auth-client-secret", fileKey: "authClientSecretFile", fileFlag: "--auth-client-secret-file", variable: "PL_AUTH_CLIENT_SECRET" },
  { key: "authApiKey", flag: "--auth-api-key", fileKey: "authApiKeyFile", fileFlag: "--auth-api-key-file", variable: "PL_API_KEY" },
  { key: "password", flag: "--password", fileKey: "passwordFile", fileFlag: "--password-file", variable: "PL_AUTH_PASSWORD" },
  { key: "token", flag: "--token", fileKey: "tokenFile", fileFlag: "--token-file", variable: "PL_AUTH_TOKEN" },
];

async function readStdin(): Promise<string> {
  let text = "";
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

/** A secret from a file (`-`: standard input), without its final line break. */
async function readSecretFile(file: string, flag: string): Promise<string> {
  let text: string;
  try {
    text = file === "-" ? await readStdin() : await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read the ${flag} file ${file}: ${(err as NodeJS.ErrnoException).code ?? "read error"}`);
  }
  return text.replace(/\r?\n$/, "");
}

/**
 * Warn about each secret given on the command line (`fromArgv(key)`), and fill each literal option
 * from its file form. Giving both forms of one secret is a usage error.
 */
export async function resolveSecretOptions(
  rt: PlauthRuntime,
  opts: Record<string, unknown>,
  fromArgv: (key: string) => boolean,
  envName: (variable: string) => string,
): Promise<Record<string, unknown>> {
  const resolved = { ...opts };
  for (const s of SECRET_OPTIONS) {
    const literal = typeof opts[s.key] === "string" && fromArgv(s.key);
    if (literal) {
      rt.io.err(`WARNING: ${s.flag} puts a secret on the command line, where other users of this machine can see it (ps, shell history); ` +
        `use ${s.fileFlag} FILE ("-" reads standard input) or ${envName(s.variable)} instead.\n`);
    }
    const file = opts[s.fileKey];
    if (typeof file !== "string" || !file) continue;
    if (literal) throw new UsageError(`Give ${s.flag} or ${s.fileFlag}, not both`);
    resolved[s.key] = await readSecretFile(file, s.fileFlag);
  }
  return resolved;
}
