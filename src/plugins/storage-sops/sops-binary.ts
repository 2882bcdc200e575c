/**
 * Fallback for key types the native code does not handle (PGP, cloud KMS, Vault, Shamir key groups):
 * the `sops` binary, driven through stdin/stdout. Cleartext never touches the disk: it is piped to
 * `sops --encrypt … /dev/stdin` and the encrypted text is read from stdout (and vice versa).
 */
import { spawn } from "node:child_process";
import { promises as fs, constants as fsConstants } from "node:fs";
import path from "node:path";
import { OrderedMap, parseOrderedJson, stringifyOrderedJson, type OrderedValue } from "../../kernel/index.js";
import type { SopsEnvironment } from "./age-keys.js";
import { SopsBinaryException, SopsUnsupportedKeyTypeException } from "./errors.js";
import { PARTIAL_ENCRYPTION_KEYS, SOPS_METADATA_KEY, type DocumentKind, type SopsMetadata } from "./sops-format.js";

/** Find an executable named `sops` on `$PATH` (of the injected environment). */
export async function findSopsBinary(environment: SopsEnvironment): Promise<string | undefined> {
  const pathVar = environment.env.PATH ?? environment.env.Path ?? "";
  const names = environment.platform === "win32" ? ["sops.exe", "sops.cmd", "sops"] : ["sops"];
  for (const dir of pathVar.split(path.delimiter)) {
    if (!dir) continue;
    for (const name of names) {
      const candidate = path.join(dir, name);
      try {
        const stat = await fs.stat(candidate);
        if (!stat.isFile()) continue;
        await fs.access(candidate, fsConstants.X_OK);
        return candidate;
      } catch {
        // keep looking
      }
    }
  }
  return undefined;
}

export interface SopsRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `binary args…`, writing `input` to its stdin; resolves with exit code and output. Rejects
 * only when the process cannot be started.
 */
export function runSops(
  binary: string,
  args: readonly string[],
  input: string,
  options: { cwd?: string; env: Readonly<Record<string, string | undefined>> },
): Promise<SopsRunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, [...args], {
      cwd: options.cwd,
      env: options.env as NodeJS.ProcessEnv,
      stdio: ["pipe", "pipe", "pipe"],
      windowsHide: true,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("error", reject);
    // A child that exits without reading its stdin makes the write fail with EPIPE: not our error.
    child.stdin.on("error", () => undefined);
    child.on("close", (code) => {
      resolve({ code, stdout: Buffer.concat(out).toString("utf8"), stderr: Buffer.concat(err).toString("utf8") });
    });
    child.stdin.end(input, "utf8");
  });
}

/** One line of sops' stderr for an error message: trimmed, single line, bounded. */
export function summarizeStderr(stderr: string): string {
  const line = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  if (!line) return "";
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** The `sops` binary to use: the configured one, none (`false`), else `sops` on `$PATH`. */
export async function sopsBinaryFor(environment: SopsEnvironment, options: { sopsBinary?: string | false }): Promise<string | undefined> {
  if (options.sopsBinary === false) return undefined;
  if (typeof options.sopsBinary === "string") return options.sopsBinary;
  return findSopsBinary(environment);
}

/** A working directory for the sops process that exists: the home dir, else the process's cwd. */
async function existingDir(dir: string): Promise<string> {
  try {
    if ((await fs.stat(dir)).isDirectory()) return dir;
  } catch {
    // fall through
  }
  return process.cwd();
}

function binaryEnv(environment: SopsEnvironment): Record<string, string | undefined> {
  return { ...environment.env, HOME: environment.env.HOME ?? environment.homeDir };
}

/** Decrypt a document with the `sops` binary (its stderr is summarised; it names keys, not values). */
export async function decryptWithBinary(
  binary: string,
  text: string,
  kind: DocumentKind,
  filePath: string,
  environment: SopsEnvironment,
): Promise<OrderedMap> {
  let result;
  try {
    result = await runSops(
      binary,
      ["--decrypt", "--input-type", kind, "--output-type", "json", "/dev/stdin"],
      text,
      { env: binaryEnv(environment), cwd: await existingDir(environment.homeDir) },
    );
  } catch (err) {
    throw new SopsBinaryException(`Cannot run sops (${binary}): ${(err as NodeJS.ErrnoException).code ?? "spawn error"}`, {
      filePath,
    });
  }
  if (result.code !== 0) {
    const why = summarizeStderr(result.stderr);
    throw new SopsBinaryException(`sops could not decrypt the file (exit ${result.code})${why ? `: ${why}` : ""}`, {
      filePath,
    });
  }
  let out: OrderedValue;
  try {
    out = parseOrderedJson(result.stdout);
  } catch {
    throw new SopsBinaryException("sops returned output that is not JSON", { filePath });
  }
  if (!(out instanceof OrderedMap)) throw new SopsBinaryException("sops returned JSON that is not an object", { filePath });
  return out;
}

/** `--age a,b --pgp fp …` flags that recreate a file's keys for `sops --encrypt`. */
export function keyFlagsFromMetadata(metadata: SopsMetadata): string[] {
  const map = metadata.map;
  const items = (field: string): OrderedMap[] => {
    const v = map.get(field);
    return Array.isArray(v) ? (v.filter((x) => x instanceof OrderedMap) as OrderedMap[]) : [];
  };
  const str = (m: OrderedMap, k: string) => {
    const v = m.get(k);
    return typeof v === "string" ? v : "";
  };
  const flags: string[] = [];
  const add = (flag: string, values: string[]) => {
    const list = values.filter(Boolean);
    if (list.length > 0) flags.push(flag, list.join(","));
  };
  add("--age", metadata.age.map((e) => e.recipient));
  add("--pgp", items("pgp").map((m) => str(m, "fp")));
  add("--kms", items("kms").map((m) => str(m, "arn")));
  add("--gcp-kms", items("gcp_kms").map((m) => str(m, "resource_id")));
  add(
    "--azure-kv",
    items("azure_kv").map((m) => `${str(m, "vault_url")}/keys/${str(m, "name")}/${str(m, "version")}`),
  );
  add(
    "--hc-vault-transit",
    items("hc_vault").map((m) => `${str(m, "vault_address")}/v1/${str(m, "engine_path")}/keys/${str(m, "key_name")}`),
  );
  for (const key of PARTIAL_ENCRYPTION_KEYS.slice(0, 4)) {
    const v = metadata.partial[key];
    if (v !== undefined) flags.push(`--${key.replace(/_/g, "-")}`, v);
  }
  if (metadata.partial.mac_only_encrypted) flags.push("--mac-only-encrypted");
  return flags;
}

/** Encrypt a cleartext tree with the `sops` binary; `extraArgs` select the keys. */
export async function encryptWithBinary(
  binary: string,
  tree: OrderedMap,
  filePath: string,
  environment: SopsEnvironment,
  extraArgs: string[],
  cwd: string,
): Promise<string> {
  const cleartext = stringifyOrderedJson(tree, "  ");
  let result;
  try {
    result = await runSops(
      binary,
      [
        "--encrypt",
        "--input-type",
        "json",
        "--output-type",
        "json",
        ...extraArgs,
        "--filename-override",
        filePath,
        "/dev/stdin",
      ],
      cleartext,
      { env: binaryEnv(environment), cwd: await existingDir(cwd) },
    );
  } catch (err) {
    throw new SopsBinaryException(`Cannot run sops (${binary}): ${(err as NodeJS.ErrnoException).code ?? "spawn error"}`, {
      filePath,
    });
  }
  // sops' stderr for an encryption may quote its input: report only the exit code.
  if (result.code !== 0) throw new SopsBinaryException(`sops could not encrypt the file (exit ${result.code})`, { filePath });
  try {
    const out = parseOrderedJson(result.stdout);
    if (!(out instanceof OrderedMap) || !out.has(SOPS_METADATA_KEY)) throw new Error("not a sops document");
  } catch {
    throw new SopsBinaryException("sops returned output that is not an encrypted JSON document", { filePath });
  }
  return result.stdout;
}

/** The error for keys only the `sops` binary handles, when there is none. */
export function unsupported(types: readonly string[], filePath: string, what: string): SopsUnsupportedKeyTypeException {
  return new SopsUnsupportedKeyTypeException(
    `${what} needs ${types.join(", ")}, which only the sops binary supports, and no sops binary was found on PATH`,
    { filePath },
  );
}
