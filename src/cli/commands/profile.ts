/**
 * `plauth profile …`: list, show, set, copy, create (edit has its own module). None of them needs a
 * working auth context, so they repair a broken selection rather than fail on it.
 */
import { validateProfileName, type AuthKernel, type JsonObject } from "../../index.js";
import { readUserConfig, updateUserConfig, type PlanetAuthFactory } from "../../factory/index.js";
import { CliError } from "../errors.js";
import { formatJson } from "../output.js";
import type { Handler } from "../program.js";
import { rootContext } from "./context.js";

/** Config data for printing: without nulls, secrets redacted unless asked for. */
function printable(kernel: AuthKernel, data: JsonObject | null, showSecrets: boolean): JsonObject {
  const clean = Object.fromEntries(Object.entries(data ?? {}).filter(([, v]) => v !== null && v !== undefined));
  return showSecrets ? clean : (kernel.redact(clean) as JsonObject);
}

/** On-disk profiles whose config loads and validates (others are skipped), with their data. */
async function validLocalProfiles(factory: PlanetAuthFactory): Promise<Map<string, JsonObject>> {
  const result = new Map<string, JsonObject>();
  for (const name of await factory.onDiskProfileNames()) {
    if (factory.builtins().canonicalName(name)) continue;
    try {
      const { config, source } = await factory.loadAuthClientConfigFromProfile(name);
      if (source !== "disk") continue;
      config.check();
      result.set(name, { ...config.data(), _file_path: config.path() });
    } catch {
      // An invalid profile directory is not listed.
    }
  }
  return result;
}

export const list: Handler = async (rt, opts) => {
  const factory = await rt.factory();
  const builtins = factory.builtins();
  const builtinNames = builtins.names();
  const local = await validLocalProfiles(factory);
  const showSecrets = Boolean(opts.showSecrets);
  const section = (names: string[], configOf: (n: string) => JsonObject | null) =>
    opts.long ? Object.fromEntries(names.map((n) => [n, printable(factory.kernel, configOf(n), showSecrets)])) : names;
  const builtinPart = section(builtinNames, (n) => builtins.config(n)?.config ?? null);
  const localPart = section([...local.keys()], (n) => local.get(n) ?? null);
  if (opts.json) return rt.io.out(formatJson({ builtin: builtinPart, local: localPart }) + "\n");
  rt.io.out(`Built-in profiles:\n${formatJson(builtinPart)}\n\nLocally defined profiles:\n${formatJson(localPart)}\n`);
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
  const builtinDefault = factory.builtinDefaultProfileName();
  if (opts.json) return rt.io.out(formatJson({ current, user_default: userDefault, builtin_default: builtinDefault }) + "\n");
  rt.io.out(`Current: ${current}\nUser Default: ${userDefault}\nGlobal Built-in Default: ${builtinDefault}\n`);
};

export const set: Handler = async (rt, _opts, [selected]) => {
  const factory = await rt.factory();
  let name: string;
  if (selected) {
    name = (await factory.loadAuthClientConfigFromProfile(selected)).name;
  } else {
    const choices = [...factory.builtins().names(), ...(await validLocalProfiles(factory)).keys()].map((n) => ({ name: n, value: n }));
    name = await rt.prompts().select("Select the default auth profile", choices);
  }
  await updateUserConfig(factory.storage, factory.envName("profile"), name);
};

async function saveConfigAs(factory: PlanetAuthFactory, dst: string, data: JsonObject, sops: boolean): Promise<void> {
  const name = dst.toLowerCase();
  validateProfileName(name);
  if (factory.builtins().canonicalName(name)) throw new CliError(`"${dst}" is a built-in profile; choose another name`);
  const config = factory.kernel.configFromDict(data);
  config.check();
  const key = factory.newProfileConfigKey(name, { sops });
  config.setPath(key);
  await config.save();
}

export const copy: Handler = async (rt, opts, [src, dst]) => {
  const factory = await rt.factory();
  const { config } = await factory.loadAuthClientConfigFromProfile(src!);
  await saveConfigAs(factory, dst!, config.data() ?? {}, Boolean(opts.sops));
};

export const create: Handler = async (rt, opts, [given]) => {
  const factory = await rt.factory();
  const prompts = rt.prompts();
  const name = given || (await prompts.input("Profile name:"));
  if (!name) throw new CliError("A profile name is required");
  validateProfileName(name.toLowerCase());
  const types = factory.kernel.clientTypes();
  const clientType = await prompts.select(
    "Client type:",
    types.map((t) => ({ name: t.meta.displayName, value: t.clientType, description: t.meta.description })),
  );
  const data: JsonObject = { client_type: clientType };
  const meta = factory.kernel.clientType(clientType).meta;
  for (const hint of meta.configHints) {
    const secret = /secret|password|privkey$|api_key/.test(hint.configKey);
    const question = `${hint.configKeyName} (${hint.configKey}; empty to skip):`;
    const answer = secret ? await prompts.password(question) : await prompts.input(question, { default: hint.configKeyDefault as string | undefined });
    if (answer) data[hint.configKey] = /^(audiences|scopes)$/.test(hint.configKey) ? answer.split(/[\s,]+/).filter(Boolean) : answer;
  }
  await saveConfigAs(factory, name, data, Boolean(opts.sops));
  rt.io.out(`Profile "${name.toLowerCase()}" saved.\n`);
};
