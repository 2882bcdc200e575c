/**
 * Where sops finds age identities (to decrypt) and recipients (to encrypt a new file), made
 * injectable: every lookup goes through a {@link SopsEnvironment} (env vars, home dir, platform),
 * so tests use temp dirs and never the real home.
 *
 * Identities (combined, like sops): `SOPS_AGE_KEY` (the keys themselves), `SOPS_AGE_KEY_FILE` (a
 * file, which must exist when set), and `<user config dir>/sops/age/keys.txt`, where the user config
 * dir is `$XDG_CONFIG_HOME` or `~/.config` on Linux, `$XDG_CONFIG_HOME` or
 * `~/Library/Application Support` on macOS, `%AppData%` on Windows.
 *
 * Recipients for a new file: `SOPS_AGE_RECIPIENTS` (comma-separated), else the first matching
 * `creation_rules` entry of the nearest `.sops.yaml`, searched from the file's directory upwards.
 */
import { promises as fs } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SopsConfigException } from "./errors.js";
import { loadYaml } from "./lazy-deps.js";
import { compileGoRegex, OTHER_KEY_BACKENDS, PARTIAL_ENCRYPTION_KEYS, type PartialEncryption } from "./sops-format.js";

/** The process facts the lookups depend on. */
export interface SopsEnvironment {
  env: Readonly<Record<string, string | undefined>>;
  homeDir: string;
  platform: NodeJS.Platform;
}

/** Injectable environment; every field defaults to the real process. */
export interface SopsEnvironmentOptions {
  env?: Readonly<Record<string, string | undefined>>;
  homeDir?: string;
  platform?: NodeJS.Platform;
}

export function resolveEnvironment(options: SopsEnvironmentOptions = {}): SopsEnvironment {
  const env = options.env ?? process.env;
  return {
    env,
    homeDir: options.homeDir ?? (env.HOME || os.homedir()),
    platform: options.platform ?? process.platform,
  };
}

export const SOPS_AGE_KEY = "SOPS_AGE_KEY";
export const SOPS_AGE_KEY_FILE = "SOPS_AGE_KEY_FILE";
export const SOPS_AGE_RECIPIENTS = "SOPS_AGE_RECIPIENTS";

/** The user config dir the way sops (Go `os.UserConfigDir`, plus XDG on macOS) computes it. */
export function userConfigDir(environment: SopsEnvironment): string {
  const { env, homeDir, platform } = environment;
  const xdg = env.XDG_CONFIG_HOME;
  if (platform === "win32") return env.AppData || env.APPDATA || path.join(homeDir, "AppData", "Roaming");
  if (xdg && path.isAbsolute(xdg)) return xdg;
  if (platform === "darwin") return path.join(homeDir, "Library", "Application Support");
  return path.join(homeDir, ".config");
}

/** Path of the default identity file, `<user config dir>/sops/age/keys.txt`. */
export function defaultAgeKeyFile(environment: SopsEnvironment): string {
  return path.join(userConfigDir(environment), "sops", "age", "keys.txt");
}

/**
 * Age identities in an identity file's text: one per line, `#` comments and blank lines skipped.
 * Native X25519 (`AGE-SECRET-KEY-1…`) and post-quantum hybrid (`AGE-SECRET-KEY-PQ-1…`) keys are
 * returned; other lines (plugin identities, SSH keys) are ignored.
 */
export function parseAgeIdentities(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => /^AGE-SECRET-KEY-(?:PQ-)?1[0-9A-Z]+$/.test(line));
}

export interface LoadedIdentities {
  identities: string[];
  /** Where identities were looked for (names and paths only), for messages. */
  sources: string[];
}

/** Gather identities from every place sops reads them, plus `extra` (explicit ones first). */
export async function loadAgeIdentities(
  environment: SopsEnvironment,
  extra: readonly string[] = [],
  filePath?: string,
): Promise<LoadedIdentities> {
  const identities: string[] = [...extra];
  const sources: string[] = extra.length > 0 ? ["identities passed in options"] : [];
  const { env } = environment;
  const inline = env[SOPS_AGE_KEY];
  if (inline) {
    identities.push(...parseAgeIdentities(inline));
    sources.push(`$${SOPS_AGE_KEY}`);
  }
  const keyFile = env[SOPS_AGE_KEY_FILE];
  if (keyFile) {
    sources.push(`$${SOPS_AGE_KEY_FILE} (${keyFile})`);
    try {
      identities.push(...parseAgeIdentities(await fs.readFile(keyFile, "utf8")));
    } catch (err) {
      throw new SopsConfigException(
        `Cannot read the age identity file named by ${SOPS_AGE_KEY_FILE} (${keyFile}): ${(err as NodeJS.ErrnoException).code ?? "read error"}`,
        { filePath },
      );
    }
  }
  const defaultFile = defaultAgeKeyFile(environment);
  sources.push(defaultFile);
  try {
    identities.push(...parseAgeIdentities(await fs.readFile(defaultFile, "utf8")));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOENT" && code !== "ENOTDIR") {
      throw new SopsConfigException(`Cannot read the age identity file ${defaultFile}: ${code ?? "read error"}`, {
        filePath,
      });
    }
  }
  return { identities: [...new Set(identities)], sources };
}

/** Split a recipients setting (comma-separated string or list) into trimmed age recipients. */
export function parseRecipients(value: unknown): string[] {
  const items = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
  return items
    .flatMap((item) => (typeof item === "string" ? item.split(",") : []))
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The parts of a `.sops.yaml` creation rule this plugin uses. */
export interface CreationRule {
  /** The config file the rule comes from. */
  configPath: string;
  pathRegex?: string;
  /** age recipients (from `age` and from the first key group). */
  age: string[];
  /** Non-age key backends the rule also asks for (human names), e.g. ["PGP"]; needs the sops binary. */
  otherKeyTypes: string[];
  partial: PartialEncryption;
}

const CONFIG_NAMES = [".sops.yaml", ".sops.yml"];

/** Find the nearest `.sops.yaml` (or `.sops.yml`) from `startDir` upwards. */
export async function findSopsConfig(startDir: string): Promise<string | undefined> {
  let dir = path.resolve(startDir);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const candidate = path.join(dir, name);
      try {
        if ((await fs.stat(candidate)).isFile()) return candidate;
      } catch {
        // not here
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

function nonEmpty(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return typeof v === "string" ? v.trim().length > 0 : v !== undefined && v !== null;
}

/**
 * The first creation rule of `configPath` whose `path_regex` matches `filePath` (relative to the
 * config file's directory, as sops compares it), or undefined when the file has no rules or none
 * matches. A rule without `path_regex` matches every file.
 */
export async function creationRuleFor(configPath: string, filePath: string): Promise<CreationRule | undefined> {
  const { parse: parseYaml } = await loadYaml();
  let doc: unknown;
  try {
    doc = parseYaml(await fs.readFile(configPath, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new SopsConfigException(`Cannot read SOPS config ${configPath}: ${code ?? "invalid YAML"}`, { filePath });
  }
  const rules = (doc as { creation_rules?: unknown } | null)?.creation_rules;
  if (rules === undefined || rules === null) return undefined;
  if (!Array.isArray(rules)) {
    throw new SopsConfigException(`SOPS config ${configPath}: 'creation_rules' is not a list`, { filePath });
  }
  const configDir = path.dirname(path.resolve(configPath));
  const absolute = path.resolve(filePath);
  let relative = absolute.startsWith(configDir + path.sep) ? absolute.slice(configDir.length + 1) : absolute;
  relative = relative.split(path.sep).join("/");
  for (const raw of rules) {
    if (!raw || typeof raw !== "object") continue;
    const rule = raw as Record<string, unknown>;
    const pathRegex = typeof rule.path_regex === "string" && rule.path_regex !== "" ? rule.path_regex : undefined;
    if (pathRegex !== undefined) {
      let re: RegExp;
      try {
        re = compileGoRegex(pathRegex);
      } catch {
        throw new SopsConfigException(`SOPS config ${configPath}: invalid path_regex`, { filePath });
      }
      if (!re.test(relative)) continue;
    }
    const age = parseRecipients(rule.age);
    const others = new Set<string>();
    const backendOf: Record<string, string> = {
      ...OTHER_KEY_BACKENDS,
      azure_keyvault: OTHER_KEY_BACKENDS.azure_kv!,
      hc_vault_transit_uri: OTHER_KEY_BACKENDS.hc_vault!,
    };
    for (const [field, name] of Object.entries(backendOf)) if (nonEmpty(rule[field])) others.add(name);
    const groups = rule.key_groups;
    if (Array.isArray(groups) && groups.length > 0) {
      if (groups.length > 1) others.add("key groups (Shamir secret sharing)");
      for (const group of groups) {
        if (!group || typeof group !== "object") continue;
        const g = group as Record<string, unknown>;
        age.push(...parseRecipients(g.age));
        for (const [field, name] of Object.entries(backendOf)) if (nonEmpty(g[field])) others.add(name);
      }
    }
    const partial: PartialEncryption = {};
    for (const key of PARTIAL_ENCRYPTION_KEYS) {
      if (typeof rule[key] === "string" && rule[key] !== "") partial[key] = rule[key] as string;
    }
    if (rule.mac_only_encrypted === true) partial.mac_only_encrypted = true;
    return { configPath, pathRegex, age: [...new Set(age)], otherKeyTypes: [...others], partial };
  }
  return undefined;
}
