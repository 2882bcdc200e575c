/**
 * `plauth profile create [name]`: a dialog that makes a profile that logs in. It asks for each
 * setting of the chosen client type (again when a required one is left empty), tells the two
 * redirect URLs apart, and offers the auth server's `scopes_supported` with a default that works for
 * the flow. `--client-type` and `--set key=value` answer questions up front; with `--client-type`
 * only the required settings still missing are asked (scripts and `plauth dev issuer`'s lines).
 */
import { validateProfileName, type JsonObject, type RegisteredClientType } from "../../kernel/index.js";
import type { PlanetAuthFactory } from "../../factory/index.js";
import { CliError, UsageError } from "../errors.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { refuseExistingProfile, saveConfigAs } from "./profile.js";

const LIST_KEYS = new Set(["scopes", "audiences"]);
const listOf = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** `--set key=value` items as config values: lists for scopes/audiences, booleans for `true`/`false`. */
function settingsFrom(items: string[]): JsonObject {
  const data: JsonObject = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new UsageError(`--set takes key=value, not "${item.split("=")[0]}"`);
    const key = item.slice(0, i);
    const value = item.slice(i + 1);
    data[key] = LIST_KEYS.has(key) ? listOf(value) : value === "true" ? true : value === "false" ? false : value;
  }
  return data;
}

type SchemaNode = { required?: string[]; anyOf?: SchemaNode[]; allOf?: SchemaNode[]; properties?: Record<string, { "x-secret"?: boolean }> };

/** Groups of keys of which one must be set (e.g. redirect_uri / local_redirect_uri). */
function oneOfGroups(schema: SchemaNode): string[][] {
  return [schema, ...(schema.allOf ?? [])]
    .filter((n) => n.anyOf?.every((a) => a.required?.length === 1))
    .map((n) => n.anyOf!.map((a) => a.required![0]!));
}

/** Scopes a login of this client type needs to succeed: OpenID (and a refresh token) for a person's logins. */
function defaultScopes(clientType: string, supported: string[] | undefined): string[] {
  if (!/^oidc_(auth_code|device_code|resource_owner)/.test(clientType)) return [];
  return ["openid", "offline_access"].filter((s) => !supported || supported.includes(s));
}

async function scopesSupported(factory: PlanetAuthFactory, data: JsonObject): Promise<string[] | undefined> {
  try {
    const client = await factory.kernel.clientFromConfig(factory.kernel.configFromDict(data));
    const scopes = await client.getScopes();
    return scopes.length ? [...scopes].sort() : undefined;
  } catch {
    return undefined; // not an OIDC server, unreachable, or no scopes_supported: the default stands alone
  }
}

/** Ask until the answer is not empty (end of input cancels). */
async function askRequired(rt: PlauthRuntime, ask: () => Promise<string>, what: string): Promise<string> {
  for (;;) {
    const answer = (await ask()).trim();
    if (answer) return answer;
    rt.io.err(`A value is required for ${what}.\n`);
  }
}

function clientTypeOf(factory: PlanetAuthFactory, given: string): RegisteredClientType {
  const known = factory.kernel.clientTypes();
  const found = known.find((t) => t.clientType === given);
  if (!found) throw new UsageError(`Unknown client type "${given}"; one of: ${known.map((t) => t.clientType).join(", ")}`);
  return found;
}

export const create: Handler = async (rt, opts, [given]) => {
  const factory = await rt.factory();
  const prompts = rt.prompts();
  const settings = settingsFrom(opts.set === undefined ? [] : [opts.set].flat().map(String));
  const name = given || (await askRequired(rt, () => prompts.input("Profile name:"), "the profile name"));
  validateProfileName(name.toLowerCase());
  const overwrite = Boolean(opts.force);
  if (!overwrite) await refuseExistingProfile(factory, name.toLowerCase()); // before the dialog, not after it

  const compact = typeof opts.clientType === "string";
  const type = compact
    ? clientTypeOf(factory, opts.clientType as string)
    : clientTypeOf(factory, await prompts.select("Client type:", factory.kernel.clientTypes().map((t) => ({ name: t.meta.displayName, value: t.clientType, description: t.meta.description }))));
  const schema = type.schema as SchemaNode;
  const secretKeys = Object.entries(schema.properties ?? {}).filter(([, p]) => p["x-secret"] === true).map(([k]) => k);
  for (const key of Object.keys(settings).filter((k) => secretKeys.includes(k))) {
    rt.io.err(`WARNING: --set ${key}=… puts a secret on the command line, where other users of this machine can read it; leave it out to be asked for it (or pipe it to standard input).\n`);
  }

  const data: JsonObject = { client_type: type.clientType, ...settings };
  const groups = oneOfGroups(schema);
  const asked = new Set<string>();
  for (const hint of type.meta.configHints) {
    const key = hint.configKey;
    if (key in data) continue;
    const group = groups.find((g) => g.includes(key));
    const required = (schema.required ?? []).includes(key) || Boolean(group?.every((k) => k === key || (asked.has(k) && !(k in data))));
    asked.add(key);
    if (compact && !required) continue;
    const secret = secretKeys.includes(key);
    const question = `${hint.configKeyName} (${key}): ${hint.configKeyDescription}${required ? "" : " (empty to skip)"}:`;
    const ask = () => (secret ? prompts.password(question) : prompts.input(question, { default: hint.configKeyDefault as string | undefined }));
    const answer = required ? await askRequired(rt, ask, key) : (await ask()).trim();
    if (answer) data[key] = LIST_KEYS.has(key) ? listOf(answer) : answer;
  }

  if (schema.properties && "scopes" in schema.properties && !("scopes" in data) && !type.clientType.endsWith("_validator")) {
    const supported = await scopesSupported(factory, data);
    const fallback = defaultScopes(type.clientType, supported);
    let scopes = fallback;
    if (!compact) {
      const offer = supported ? ` The server supports: ${supported.join(" ")}.` : "";
      scopes = listOf(await prompts.input(`Scopes to request at login, space-separated (scopes).${offer}`, { default: fallback.join(" ") || undefined }));
    }
    if (scopes.length) data.scopes = scopes;
  }

  try {
    await saveConfigAs(factory, name, data, Boolean(opts.sops), { overwrite });
  } catch (err) {
    throw new CliError(`${(err as Error).message}; the profile was not saved`);
  }
  const lower = name.toLowerCase();
  rt.io.out(`Profile "${lower}" saved${Array.isArray(data.scopes) ? ` (scopes: ${(data.scopes as string[]).join(" ") || "none"})` : ""}. Log in with: plauth --auth-profile ${lower} login\n`);
};
