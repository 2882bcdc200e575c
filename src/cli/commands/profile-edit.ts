/**
 * `plauth profile edit [profile]`: the profile's config in the user's editor. The editor works on a
 * 0600 copy in a private directory outside the shared temp directory (see edit-scratch.ts; decrypted
 * when the profile is SOPS-encrypted), removed afterwards whatever happens — and, after a SIGKILL, by
 * the next plauth run. The result is validated by the client type's config class and saved
 * through the profile's own storage (so an encrypted profile stays encrypted); until then the
 * original file is untouched.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { parseJsonObject, resolveProfileConfigFile, serializeJsonObject, validateProfileName, type Environment } from "../../kernel/index.js";
import type { PlanetAuthFactory } from "../../factory/index.js";
import { editScratchDir } from "../edit-scratch.js";
import { CliError } from "../errors.js";
import type { Handler } from "../program.js";

/** The profile named on the command line, else the selected one (without building its context, so a broken profile can be mended). */
async function profileToEdit(given: string | undefined, opts: Record<string, unknown>, factory: PlanetAuthFactory): Promise<string> {
  if (given) return given;
  if (typeof opts.authProfile === "string" && opts.authProfile) return opts.authProfile;
  return (await factory.profiles.selectedProfile()).name;
}

/**
 * Run `$VISUAL`, else `$EDITOR`, else `vi` on `file`: the command split at blanks and run without a
 * shell. While it runs, plauth outlives the signals that end a session: Ctrl-C and Ctrl-\ belong to
 * the editor (as git does), SIGTERM and SIGHUP are passed on to it, so the temp copy is always removed.
 */
async function runEditor(env: Environment, file: string, unchanged: string): Promise<void> {
  const [program, ...args] = (env.VISUAL?.trim() || env.EDITOR?.trim() || "vi").split(/\s+/);
  const { spawn } = await import("node:child_process");
  const child = spawn(program!, [...args, file], { stdio: "inherit", env: env as NodeJS.ProcessEnv });
  const handlers = new Map<NodeJS.Signals, () => void>([
    ["SIGINT", () => {}],
    ["SIGQUIT", () => {}],
    ["SIGTERM", () => child.kill("SIGTERM")],
    ["SIGHUP", () => child.kill("SIGHUP")],
  ]);
  handlers.forEach((handler, signal) => process.on(signal, handler));
  try {
    await new Promise<void>((resolve, reject) => {
      child.on("error", (err: NodeJS.ErrnoException) =>
        reject(new CliError(`Cannot run the editor "${program}" (${err.code ?? err.message}); set VISUAL or EDITOR; ${unchanged}`)));
      child.on("exit", (code, signal) =>
        code === 0 ? resolve() : reject(new CliError(`The editor "${program}" exited with ${signal ?? `code ${code}`}; ${unchanged}`)));
    });
  } finally {
    handlers.forEach((handler, signal) => process.off(signal, handler));
  }
}

/** Line and column of a JSON syntax error, from the parser's offset (its message may quote the text, which may hold secrets). */
function syntaxErrorPlace(text: string, err: unknown): string {
  const offset = /position (\d+)/.exec((err as Error).message)?.[1];
  if (offset === undefined) return "";
  const before = text.slice(0, Number(offset)).split("\n");
  return ` at line ${before.length}, column ${before[before.length - 1]!.length + 1}`;
}

export const edit: Handler = async (rt, opts, [given]) => {
  const factory = await rt.factory();
  const name = await profileToEdit(given, opts, factory);
  const builtin = factory.builtins().canonicalName(name);
  if (builtin) {
    throw new CliError(`"${builtin}" is a built-in profile and cannot be edited; copy it and edit the copy: plauth profile copy ${builtin} <new-name>`);
  }
  const lower = name.toLowerCase();
  validateProfileName(lower);
  const key = await resolveProfileConfigFile(lower, factory.storage, factory.kernel.profileFileNames());
  if (!(await factory.storage.objExists(key))) {
    const where = (await factory.profiles.sourceOf(lower)) === "discovered" ? "it is defined in a project configuration file; edit that file" : `~/${key} does not exist`;
    throw new CliError(`Auth profile "${name}" has no config file to edit: ${where}`);
  }
  const original = await factory.storage.loadObj(key);
  // The stored layout, numbers in the form they were written in (`1.0`, integers beyond 2^53).
  const before = serializeJsonObject(original) + "\n";
  const unchanged = `~/${key} was not changed`;

  const dir = await editScratchDir(rt.env, rt.env.HOME || homedir());
  let edited: string;
  try {
    const file = path.join(dir, path.basename(key).replace(/\.sops\.json$/, ".json"));
    await writeFile(file, before, { mode: 0o600, flag: "wx" });
    await runEditor(rt.env, file, unchanged);
    edited = await readFile(file, "utf8");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  let parsed: unknown;
  try {
    parsed = JSON.parse(edited);
  } catch (err) {
    throw new CliError(`The edited config of profile "${lower}" is not valid JSON${syntaxErrorPlace(edited, err)}; ${unchanged}`);
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new CliError(`The edited config of profile "${lower}" must be a JSON object; ${unchanged}`);
  }
  // Read again keeping each number's written form, so the numbers the edit left alone are saved as they were.
  const data = parseJsonObject(edited);
  if (serializeJsonObject(data) + "\n" === before) {
    rt.io.err(`No changes; ${unchanged}.\n`);
    return;
  }
  let config;
  try {
    config = factory.kernel.configFromDict(data);
    config.check();
  } catch (err) {
    throw new CliError(`${(err as Error).message}; ${unchanged}`);
  }
  config.setPath(key);
  await config.save();
  rt.io.err(`Saved ~/${key}.\n`);
};
