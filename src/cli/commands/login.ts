/** `plauth login`, `plauth oauth login`, `plauth legacy login`, and what follows a login. */
import type { Auth, JsonObject, LoginOptions } from "../../index.js";
import { readUserConfig, updateUserConfig, API_KEY_PROFILE } from "../../factory/index.js";
import { CliError } from "../errors.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { oauthContext, rootContext, splitValues } from "./context.js";

type Opts = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** `key=value` items, split at the first `=`. */
export function parseExtra(items: string[]): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const item of items) {
    const i = item.indexOf("=");
    if (i <= 0) throw new CliError(`Extra parameter "${item.split("=")[0]}" must be given as key=value`);
    extra[item.slice(0, i)] = item.slice(i + 1);
  }
  return extra;
}

function loginOptions(opts: Opts, extra: Record<string, string> = {}): LoginOptions {
  if (str(opts.project)) extra.project_id = String(opts.project);
  if (str(opts.organization)) extra.organization = String(opts.organization);
  return {
    allowOpenBrowser: opts.openBrowser !== false,
    allowTtyPrompt: true,
    displayQrCode: Boolean(opts.showQrCode),
    requestedScopes: splitValues(opts.scope),
    requestedAudiences: splitValues(opts.audience),
    username: str(opts.username),
    password: str(opts.password),
    extra,
  };
}

const mmss = (s: number) => `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;

/** A spinner with the time left on a terminal; one line otherwise. */
function waitingIndicator(rt: PlauthRuntime, expiresIn: number): () => void {
  const io = rt.io;
  const deadline = Date.now() + expiresIn * 1000;
  const left = () => Math.max(0, Math.round((deadline - Date.now()) / 1000));
  if (!io.errIsTty) {
    io.err(`Waiting for the login to be approved (expires in ${mmss(left())})...\n`);
    return () => {};
  }
  const frames = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏";
  let i = 0;
  const draw = () => rt.terminal.err(`\r${frames[i++ % frames.length]} Waiting for the login to be approved… ${mmss(left())} left `);
  draw();
  const timer = setInterval(draw, 100);
  return () => {
    clearInterval(timer);
    rt.terminal.err("\r\x1b[K");
  };
}

/** Device login driven here, so the wait shows a spinner with the time left. */
async function deviceLogin(rt: PlauthRuntime, auth: Auth, options: LoginOptions): Promise<void> {
  const { presentDeviceLogin } = await import("../../plugins/oidc/index.js");
  const initiated = await auth.deviceLoginInitiate(options);
  await presentDeviceLogin(auth.authClient().services, initiated, options, auth.authClient().config().clientType());
  const stop = waitingIndicator(rt, Number(initiated.expires_in) || 0);
  try {
    await auth.deviceLoginComplete(initiated, { signal: options.signal });
  } finally {
    stop();
  }
}

/**
 * When a failed login is about scopes, say so: the server named scopes (`invalid_scope`, or a
 * description mentioning them), or a person's login requested none and was refused. Null otherwise.
 */
async function scopeProblem(auth: Auth, options: LoginOptions, err: unknown): Promise<string | null> {
  const e = err as { errorCode?: unknown; message?: unknown };
  if (typeof e.errorCode !== "string") return null; // not an answer from the auth server
  const config = auth.authClient().config();
  const configured = config.data()?.scopes;
  const requested = options.requestedScopes?.length ? options.requestedScopes : Array.isArray(configured) ? configured.map(String) : [];
  const personal = /^oidc_(auth_code|device_code|resource_owner)/.test(config.clientType());
  const named = e.errorCode === "invalid_scope" || /\bscopes?\b/i.test(String(e.message));
  if (!named && !(personal && requested.length === 0 && ["access_denied", "invalid_request"].includes(e.errorCode))) return null;
  const supported = await auth.authClient().getScopes().then((s) => [...s].sort().join(" "), () => "");
  return `This is about scopes: the login requested ${requested.length ? `"${requested.join(" ")}"` : "no scopes"}` +
    (personal ? "; a person's login usually needs openid (and offline_access for a refresh token)" : "") +
    (supported ? `; the server supports: ${supported}` : "") +
    `. Set the profile's scopes (plauth profile edit ${auth.profileName() ?? "<profile>"}) or pass --scope.`;
}

async function loginWith(rt: PlauthRuntime, auth: Auth, options: LoginOptions, opts: Opts): Promise<void> {
  rt.io.out(`Logging in with authentication profile ${auth.profileName()}...\n`);
  try {
    if (auth.authClient().config().clientType().startsWith("oidc_device_code")) await deviceLogin(rt, auth, options);
    else await auth.login(options);
  } catch (err) {
    const hint = await scopeProblem(auth, options, err);
    if (hint) throw new CliError(`${(err as Error).message}\n${hint}`);
    throw err;
  }
  rt.io.out("Login succeeded.\n");
  await postLogin(rt, auth, opts);
}

/**
 * After a login: remember the profile as the user's default (asking before changing another one),
 * warn when the environment overrides that choice, and save an ad-hoc profile's config — never beside
 * an existing `.sops.json` config, never over an existing one.
 */
async function postLogin(rt: PlauthRuntime, auth: Auth, opts: Opts): Promise<void> {
  const name = auth.profileName();
  if (!name) return;
  const factory = await rt.factory();
  const key = factory.envName("profile");
  const saved = str((await readUserConfig(factory.storage))[key]);
  let change = false;
  if (!saved) change = true;
  else if (opts.yes === true) change = true;
  else if (opts.no === true) change = false;
  else if (saved.toLowerCase() !== name.toLowerCase()) {
    if (rt.interactive) {
      change = await rt.prompts().confirm(`Change the default auth profile from "${saved}" to "${name}"?`, { default: false });
    } else {
      // Nobody to ask: the login stands, the default stays.
      rt.io.err(`The default auth profile is still "${saved}"; to make "${name}" the default, log in with -y or run: plauth profile set ${name}\n`);
    }
  }
  if (change) await updateUserConfig(factory.storage, key, name);

  const envProfile = factory.envValue("profile");
  if (envProfile && envProfile.toLowerCase() !== name.toLowerCase()) {
    rt.io.err(`WARNING: ${key} is set to "${envProfile}" in the environment; it selects that profile instead of "${name}".\n`);
  }
  if (factory.envValue("clientId") && factory.envValue("clientSecret")) {
    rt.io.err(`WARNING: ${factory.envName("clientId")} and ${factory.envName("clientSecret")} are set in the environment; they take precedence over the default profile.\n`);
  }
  if (factory.envValue("apiKey")) {
    rt.io.err(`WARNING: ${factory.envName("apiKey")} is set in the environment; it takes precedence over the default profile.\n`);
  }

  const config = auth.authClient().config();
  // A profile some source defines already (built-in, local, discovered) is not saved again.
  if (config.path() || (await factory.profiles.sourceOf(name))) return;
  const target = await factory.profileConfigKeyForWrite(name, { sops: Boolean(opts.sops) });
  await factory.storage.saveObj(target, config.data() as JsonObject);
  if (name === API_KEY_PROFILE) rt.io.err(`Saved the API key profile to ~/${target}.\n`);
}

export const login: Handler = async (rt, opts) => {
  const auth = rt.embedded
    ? await rt.context({})
    : await (await rt.factory()).initializeAuthClientContext({
        authProfileOpt: str(opts.authProfile) ?? null,
        authClientIdOpt: str(opts.authClientId) ?? null,
        authClientSecretOpt: str(opts.authClientSecret) ?? null,
        authApiKeyOpt: str(opts.authApiKey) ?? null,
      });
  await loginWith(rt, auth, loginOptions(opts), opts);
};

export const oauthLogin: Handler = async (rt, opts) => {
  const extra = parseExtra(splitValues(opts.extra));
  const auth = await oauthContext(rt, opts);
  await loginWith(rt, auth, loginOptions(opts, extra), opts);
};

export const legacyLogin: Handler = async (rt, opts) => {
  const auth = await rootContext(rt, opts);
  const clientType = auth.authClient().config().clientType();
  if (clientType !== "planet_legacy") {
    throw new CliError(`Legacy login needs a planet_legacy profile; profile "${auth.profileName()}" has client_type ${clientType}`);
  }
  await loginWith(rt, auth, { allowTtyPrompt: true, username: str(opts.username), password: str(opts.password) }, opts);
};
