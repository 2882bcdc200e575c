/**
 * `plauth profile …`: list, show, set, copy (create and edit have their own modules). None of them needs a
 * working auth context, so they repair a broken selection rather than fail on it.
 */
import {
  resolveProfileConfigFile, validateProfileName, type AuthClientConfig, type AuthKernel, type JsonObject,
} from "../../kernel/index.js";
import { readUserConfig, updateUserConfig, type PlanetAuthFactory } from "../../factory/index.js";
import type { ListedProfile } from "../../profiles/index.js";
import { CliError } from "../errors.js";
import { formatJson } from "../output.js";
import type { Handler } from "../program.js";
import { rootContext } from "./context.js";

/** Config data for printing: without nulls, secrets redacted unless asked for. */
function printable(kernel: AuthKernel, data: JsonObject | null, showSecrets: boolean): JsonObject {
  const clean = Object.fromEntries(Object.entries(data ?? {}).filter(([, v]) => v !== null && v !== undefined));
  return showSecrets ? clean : (kernel.redact(clean) as JsonObject);
}

interface Row extends ListedProfile {
  /** Absent for a profile listed unread (see `encodedLocalConfig`). */
  config?: AuthClientConfig;
  definedIn?: string;
}

/**
 * The config file of a local profile stored in a format that must be decoded to be read (a
 * `.sops.json` is decrypted: costly, and it needs your identity), or undefined for plain JSON.
 */
async function encodedLocalConfig(factory: PlanetAuthFactory, name: string): Promise<string | undefined> {
  const names = factory.kernel.profileFileNames().config;
  const file = await resolveProfileConfigFile(name.toLowerCase(), factory.storage, factory.kernel.profileFileNames());
  return file.endsWith(`/${names[names.length - 1]}`) ? undefined : file;
}

/**
 * Every profile of every source, in the resolver's order, with its config. A profile whose config
 * does not load or validate is left out (a broken profile directory is not listed) — except that,
 * unless `contents` are needed, a local profile in an encoded format (SOPS) is listed without being
 * read, so listing names never decrypts.
 */
async function listProfiles(factory: PlanetAuthFactory, { contents }: { contents: boolean }): Promise<Row[]> {
  const lookup = factory.profiles.lookup();
  const sources = new Map(factory.profiles.sources().map((s) => [s.name, s]));
  const rows: Row[] = [];
  for (const listed of await factory.profiles.list()) {
    if (!contents && listed.source === "local") {
      const definedIn = await encodedLocalConfig(factory, listed.name);
      if (definedIn) {
        rows.push({ ...listed, definedIn });
        continue;
      }
    }
    try {
      const found = await sources.get(listed.source)!.find(listed.name, lookup);
      if (!found) continue;
      found.config.check();
      rows.push({ ...listed, config: found.config, definedIn: found.definedIn });
    } catch {
      // Not listed: its config does not load or is invalid.
    }
  }
  return rows;
}

function note(row: Row): string {
  const notes = [row.shadowedBy ? `shadowed by ${row.shadowedBy}` : "", row.source === "discovered" && row.definedIn ? row.definedIn : ""];
  return notes.filter(Boolean).join("; ");
}

/** Rows as a table: NAME, SOURCE (which source defines it) and a note (shadowed, where it is defined). */
function table(rows: Row[]): string {
  const header: [string, string, string] = ["NAME", "SOURCE", "NOTE"];
  const cells = [header, ...rows.map((r): [string, string, string] => [r.name, r.source, note(r)])];
  const width = (i: number) => Math.max(...cells.map((c) => c[i]!.length));
  return cells.map((c) => `${c[0].padEnd(width(0))}  ${c[1].padEnd(width(1))}  ${c[2]}`.trimEnd()).join("\n") + "\n";
}

export const list: Handler = async (rt, opts) => {
  const factory = await rt.factory();
  const rows = await listProfiles(factory, { contents: Boolean(opts.long) });
  const showSecrets = Boolean(opts.showSecrets);
  const data = (r: Row): JsonObject => {
    const file = r.source === "builtin" ? {} : { _file_path: r.definedIn };
    return { ...printable(factory.kernel, r.config?.data() ?? null, showSecrets), ...file, ...(r.shadowedBy ? { _shadowed_by: r.shadowedBy } : {}) };
  };
  if (opts.json) {
    // One key per source, in the resolver's order (names, or with --long name → config).
    const bySource = Object.fromEntries(factory.profiles.sources().map((s) => {
      const mine = rows.filter((r) => r.source === s.name);
      return [s.name, opts.long ? Object.fromEntries(mine.map((r) => [r.name, data(r)])) : mine.map((r) => r.name)];
    }));
    return rt.io.out(formatJson(bySource) + "\n");
  }
  if (!opts.long) return rt.io.out(table(rows));
  rt.io.out(rows.map((r) => `${r.name}  (${[r.source, note(r)].filter(Boolean).join("; ")})\n${formatJson(data(r))}\n`).join("\n"));
};

export const show: Handler = async (rt, opts) => {
  const factory = await rt.factory();
  let current: string;
  try {
    current = (await rootContext(rt, opts)).profileName() ?? "None";
  } catch (err) {
    current = `N/A (${(err as Error).message})`;
  }
  let userDefault: string;
  try {
    const value = (await readUserConfig(factory.storage))[factory.envName("profile")];
    userDefault = typeof value === "string" && value ? value : "None";
  } catch {
    userDefault = "N/A";
  }
  const builtinDefault = factory.builtinDefaultProfileName() ?? "None";
  if (opts.json) return rt.io.out(formatJson({ current, user_default: userDefault, builtin_default: builtinDefault }) + "\n");
  rt.io.out(`Current: ${current}\nUser Default: ${userDefault}\nGlobal Built-in Default: ${builtinDefault}\n`);
};

export const set: Handler = async (rt, _opts, [selected]) => {
  const factory = await rt.factory();
  let name: string;
  if (selected) {
    name = (await factory.loadAuthClientConfigFromProfile(selected)).name;
  } else {
    const choices = (await listProfiles(factory, { contents: false })).filter((r) => !r.shadowedBy).map((r) => ({ name: r.name, value: r.name }));
    name = await rt.prompts().select("Select the default auth profile", choices);
  }
  await updateUserConfig(factory.storage, factory.envName("profile"), name);
};

/** An existing profile `name` (any of its config files) is refused: writing it needs `--force`. */
export async function refuseExistingProfile(factory: PlanetAuthFactory, name: string): Promise<void> {
  const existing = await resolveProfileConfigFile(name, factory.storage, factory.kernel.profileFileNames());
  if (await factory.storage.objExists(existing)) throw new CliError(`Profile "${name}" already exists (~/${existing}); use --force to overwrite it`);
}

/**
 * Save a profile's config (validated) under `dst`, in the file every write of a profile goes to (its
 * existing file of the highest priority; a new one SOPS-encrypted when asked). With `overwrite: false`
 * an existing profile of that name is refused.
 */
export async function saveConfigAs(
  factory: PlanetAuthFactory, dst: string, data: JsonObject, sops: boolean, options: { overwrite?: boolean } = {},
): Promise<void> {
  const name = dst.toLowerCase();
  validateProfileName(name);
  if (factory.builtins().canonicalName(name)) throw new CliError(`"${dst}" is a built-in profile; choose another name`);
  const config = factory.kernel.configFromDict(data);
  config.check();
  if (options.overwrite === false) await refuseExistingProfile(factory, name);
  config.setPath(await factory.profileConfigKeyForWrite(name, { sops }));
  await config.save();
}

export const copy: Handler = async (rt, opts, [src, dst]) => {
  const factory = await rt.factory();
  const { config } = await factory.loadAuthClientConfigFromProfile(src!);
  await saveConfigAs(factory, dst!, config.data() ?? {}, Boolean(opts.sops), { overwrite: Boolean(opts.force) });
};
