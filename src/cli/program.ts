/**
 * The plauth command tree (commander). Only commander and this file load at start-up: each command's
 * implementation is imported when that command runs, so `plauth --help` stays fast and commands that
 * need no auth context (version, reset, profile, jwt decode) never build one.
 */
import { Command, CommanderError, Option } from "commander";
import { CanceledError, CliError } from "./errors.js";
import { createRuntime, type PlauthRuntime, type RuntimeOptions } from "./runtime.js";
import { resolveSecretOptions, SECRET_OPTIONS } from "./secret-options.js";

export type Handler = (rt: PlauthRuntime, opts: Record<string, unknown>, args: string[]) => Promise<void>;
type Loader = () => Promise<Record<string, unknown>>;

const commands = {
  basic: () => import("./commands/basic.js"),
  profile: () => import("./commands/profile.js"),
  profileEdit: () => import("./commands/profile-edit.js"),
  profileCreate: () => import("./commands/profile-create.js"),
  jwt: () => import("./commands/jwt.js"),
  login: () => import("./commands/login.js"),
  oauth: () => import("./commands/oauth.js"),
  legacy: () => import("./commands/legacy.js"),
  dev: () => import("./commands/dev.js"),
} satisfies Record<string, Loader>;

/** Options that carry a secret (literal or file form): their values are checked before the command runs. */
const SECRET_KEYS = SECRET_OPTIONS.flatMap((s) => [s.key, s.fileKey]);

/**
 * Run one command's work. Mounted in a host program (which parses, and so ends, on its own), the
 * kernel the command built is closed when it ends, success or error; the standalone program closes
 * it in `runCommand`, signals included.
 */
async function commandRun(rt: PlauthRuntime, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } finally {
    if (rt.embedded) await rt.close();
  }
}

/** Run `name` from a lazily imported module with the command's options (including the root's) and arguments. */
function lazy(rt: PlauthRuntime, load: Loader, name: string) {
  return (...params: unknown[]) => commandRun(rt, async () => {
    const cmd = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]));
    let opts = cmd.optsWithGlobals();
    if (SECRET_KEYS.some((k) => opts[k] !== undefined)) {
      const envName = plauthOptions(rt.namespace).envName;
      opts = await resolveSecretOptions(rt, opts, (key) => cmd.getOptionValueSourceWithGlobals(key) === "cli", envName);
    }
    const handler = (await load())[name] as Handler;
    await handler(rt, opts, args);
  });
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Reusable options (the Python library's `opt_*` click decorators), each bound to its namespaced variable. */
export function plauthOptions(namespace = "") {
  const env = (name: string) => (namespace ? `${namespace.toUpperCase()}_${name}` : name);
  return {
    /** The environment variable name for `name`, prefixed with the namespace (`<NAMESPACE>_PL_AUTH_…`) when there is one. */
    envName: env,
    /** `--no-open-browser`: do not launch a browser; print the URL instead. */
    openBrowser: () => new Option("--no-open-browser", "do not launch a browser; print the URL instead"),
    /** `--show-qr-code`: show a QR code for the device login (with --no-open-browser). */
    qrCode: () => new Option("--show-qr-code", "show a QR code for the device login (with --no-open-browser)").default(false),
    /** `--no-show-qr-code`: hidden negation of `--show-qr-code`. */
    noQrCode: () => new Option("--no-show-qr-code").hideHelp(),
    /** `--scope`: scope to request (repeatable; default: the profile's). */
    scope: () => new Option("--scope <scope>", "scope to request (repeatable; default: the profile's)").argParser(collect).env(env("PL_AUTH_SCOPE")),
    /** `--audience`: audience to request (repeatable). */
    audience: () => new Option("--audience <audience>", "audience to request (repeatable)").argParser(collect).env(env("PL_AUTH_AUDIENCE")),
    /** `--organization`: organization to log in to. */
    organization: () => new Option("--organization <org>", "organization to log in to").env(env("PL_AUTH_ORGANIZATION")),
    /** `--project`: project to log in to (sent as project_id). */
    project: () => new Option("--project <project>", "project to log in to (sent as project_id)").env(env("PL_AUTH_PROJECT")),
    /** `--auth-profile`: auth profile to use. */
    profile: () => new Option("--auth-profile <profile>", "auth profile to use").env(env("PL_AUTH_PROFILE")),
    /** `--auth-client-id`: OAuth service-account client id. */
    clientId: () => new Option("--auth-client-id <id>", "OAuth service-account client id").env(env("PL_AUTH_CLIENT_ID")),
    /**
     * `--auth-client-secret`: OAuth service-account client secret (visible to other users: prefer the file form or the variable).
     */
    clientSecret: () => new Option("--auth-client-secret <secret>", "OAuth service-account client secret (visible to other users: prefer the file form or the variable)").env(env("PL_AUTH_CLIENT_SECRET")),
    /** `--auth-client-secret-file`: file holding the client secret ("-": standard input). */
    clientSecretFile: () => new Option("--auth-client-secret-file <file>", 'file holding the client secret ("-": standard input)'),
    /** `--auth-api-key`: Planet API key (visible to other users: prefer the file form or the variable). */
    apiKey: () => new Option("--auth-api-key <key>", "Planet API key (visible to other users: prefer the file form or the variable)").env(env("PL_API_KEY")),
    /** `--auth-api-key-file`: file holding the API key ("-": standard input). */
    apiKeyFile: () => new Option("--auth-api-key-file <file>", 'file holding the API key ("-": standard input)'),
    /** `--email, --username`: user name or email; hidden from help unless `hidden` is false. */
    username: (hidden = true) => {
      // commander names an option's value after its second flag: `--username` goes second so the
      // value is `username` (with `--username, --email` it would be `email`).
      const o = new Option("--email, --username <username>", "user name or email").env(env("PL_AUTH_USERNAME"));
      return hidden ? o.hideHelp() : o;
    },
    /**
     * `--password`: password (visible to other users: prefer --password-file, the variable or the prompt); hidden from help unless `hidden` is false.
     */
    password: (hidden = true) => {
      const o = new Option("--password <password>", "password (visible to other users: prefer --password-file, the variable or the prompt)").env(env("PL_AUTH_PASSWORD"));
      return hidden ? o.hideHelp() : o;
    },
    /**
     * `--password-file`: file holding the password ("-": standard input); hidden from help unless `hidden` is false.
     */
    passwordFile: (hidden = true) => {
      const o = new Option("--password-file <file>", 'file holding the password ("-": standard input)');
      return hidden ? o.hideHelp() : o;
    },
    /** `--sops`: write new config files SOPS-encrypted (.sops.json). */
    sops: () => new Option("--sops", "write new config files SOPS-encrypted (.sops.json)").default(false),
    /** `-y, --yes`: change the default profile without asking. */
    yes: () => new Option("-y, --yes", "change the default profile without asking"),
    /** `-n, --no`: keep the default profile without asking. */
    no: () => new Option("-n, --no", "keep the default profile without asking"),
    /** `-O, --extra`: extra login parameter (repeatable). */
    extra: () => new Option("-O, --extra <key=value>", "extra login parameter (repeatable)").argParser(collect).env(env("PL_AUTH_EXTRA")),
    /** `-H, --human-readable`: show iat/exp/nbf as local times. */
    humanReadable: () => new Option("-H, --human-readable", "show iat/exp/nbf as local times").default(false),
    /** `--no-refresh`: do not refresh an expired token. */
    refresh: () => new Option("--no-refresh", "do not refresh an expired token"),
    /** `-l, --long`: show the configurations. */
    long: () => new Option("-l, --long", "show the configurations").default(false),
    /** `--token`: the token (literal; visible to other users: prefer --token-file or the variable). */
    token: () => new Option("--token <token>", "the token (literal; visible to other users: prefer --token-file or the variable)").env(env("PL_AUTH_TOKEN")),
    /** `--token-file`: file holding the token ("-": standard input). */
    tokenFile: () => new Option("--token-file <file>", 'file holding the token ("-": standard input)').env(env("PL_AUTH_TOKEN_FILE")),
    /** `--issuer`: issuer to validate against. */
    issuer: () => new Option("--issuer <url>", "issuer to validate against").env(env("PL_AUTH_ISSUER")),
    /** On every command that prints data; where JSON is the only format, the flag is accepted and changes nothing. */
    /** `--json`: print the result as JSON. */
    json: () => new Option("--json", "print the result as JSON").default(false),
  };
}

/** Which command groups get their subcommands: all, or (for one run of plauth) those its arguments name. */
type WantedGroups = (name: string) => boolean;

/**
 * A command group that prints its help when run without a subcommand (exit 0). Its subcommands are
 * added only when wanted: one run of plauth builds only the group it runs (the top-level help lists
 * groups by name and description alone), which keeps start-up short.
 */
function group(parent: Command, name: string, description: string, wanted: WantedGroups, populate: (g: Command) => void): void {
  const g = parent.command(name).description(description);
  g.action(() => g.outputHelp());
  if (wanted(name)) populate(g);
}

export interface PlauthProgramOptions extends RuntimeOptions {
  /** Name shown in usage lines. Default `plauth`. */
  name?: string;
}

/** Add the commands shared by the standalone program and the embedded tree. */
function addCommands(root: Command, rt: PlauthRuntime, wanted: WantedGroups = () => true): void {
  const o = plauthOptions(rt.namespace);
  const run = (load: Loader, name: string) => lazy(rt, load, name);

  root.command("version").description("show the versions of the auth libraries").addOption(o.json())
    .action(run(commands.basic, "version"));

  root.command("login").description("log in with the selected (or given) profile")
    .addOption(o.openBrowser()).addOption(o.qrCode()).addOption(o.noQrCode()).addOption(o.scope()).addOption(o.audience())
    .addOption(o.organization()).addOption(o.project()).addOption(o.profile()).addOption(o.clientId()).addOption(o.clientSecret())
    .addOption(o.clientSecretFile()).addOption(o.apiKey()).addOption(o.apiKeyFile()).addOption(o.username()).addOption(o.password()).addOption(o.passwordFile()).addOption(o.sops()).addOption(o.yes()).addOption(o.no())
    .action(run(commands.login, "login"));

  group(root, "oauth", "commands for OAuth2/OIDC profiles", wanted, (oauth) => {
    oauth.command("login").description("log in with the current profile")
      .addOption(o.openBrowser()).addOption(o.qrCode()).addOption(o.noQrCode()).addOption(o.scope()).addOption(o.audience())
      .addOption(o.organization()).addOption(o.project()).addOption(o.extra()).addOption(o.username()).addOption(o.password()).addOption(o.passwordFile())
      .addOption(o.clientId().hideHelp()).addOption(o.clientSecret().hideHelp()).addOption(o.clientSecretFile().hideHelp()).addOption(o.sops()).addOption(o.yes()).addOption(o.no())
      .action(run(commands.login, "oauthLogin"));
    oauth.command("refresh").description("refresh the saved tokens").addOption(o.scope()).action(run(commands.oauth, "refresh"));
    oauth.command("list-scopes").description("scopes the auth server supports").addOption(o.json()).action(run(commands.oauth, "listScopes"));
    oauth.command("discovery").description("the auth server's discovery document").addOption(o.json()).action(run(commands.oauth, "discovery"));
    for (const [name, method, help] of [
      ["validate-access-token", "validateAccessToken", "validate the saved access token with the auth server (introspection)"],
      ["validate-id-token", "validateIdToken", "validate the saved ID token with the auth server"],
      ["validate-refresh-token", "validateRefreshToken", "validate the saved refresh token with the auth server"],
    ] as const) {
      oauth.command(name).description(help).addOption(o.humanReadable()).addOption(o.json()).action(run(commands.oauth, method));
    }
    oauth.command("validate-access-token-local").description("validate the saved access token locally (JWKS)")
      .addOption(o.audience()).addOption(o.scope()).addOption(o.humanReadable()).addOption(o.json()).action(run(commands.oauth, "validateAccessTokenLocal"));
    oauth.command("validate-id-token-local").description("validate the saved ID token locally (JWKS)")
      .addOption(o.humanReadable()).addOption(o.json()).action(run(commands.oauth, "validateIdTokenLocal"));
    oauth.command("revoke-access-token").description("revoke the saved access token").action(run(commands.oauth, "revokeAccessToken"));
    oauth.command("revoke-refresh-token").description("revoke the saved refresh token").action(run(commands.oauth, "revokeRefreshToken"));
    oauth.command("userinfo").description("the user info for the saved access token").addOption(o.json()).action(run(commands.oauth, "userinfo"));
    oauth.command("print-access-token").description("print the saved access token, refreshing it when expired")
      .addOption(o.refresh()).addOption(o.json()).action(run(commands.oauth, "printAccessToken"));
    for (const [name, key] of [["decode-access-token", "access_token"], ["decode-id-token", "id_token"], ["decode-refresh-token", "refresh_token"]] as const) {
      oauth.command(name).description(`decode the saved ${key} without verifying it`).addOption(o.humanReadable()).addOption(o.json())
        .action((opts: Record<string, unknown>, cmd: Command) => commandRun(rt, async () => {
          const mod = await commands.oauth();
          await mod.decodeSavedToken(rt, { ...cmd.optsWithGlobals(), ...opts }, key);
        }));
    }
  });

  group(root, "legacy", "commands for Planet legacy and API key profiles", wanted, (legacy) => {
    legacy.command("login").description("log in with a Planet user name and password")
      .addOption(o.username(false)).addOption(o.password(false)).addOption(o.passwordFile(false)).addOption(o.sops()).addOption(o.yes()).addOption(o.no())
      .action(run(commands.login, "legacyLogin"));
    legacy.command("print-api-key").description("print the API key").addOption(o.json()).action(run(commands.legacy, "printApiKey"));
    legacy.command("print-access-token").description("print the legacy JWT").addOption(o.json()).action(run(commands.legacy, "printAccessToken"));
  });

  group(root, "profile", "manage auth profiles", wanted, (profile) => {
    profile.command("list").description("list the profiles of every source (built-in, local, discovered), with their source").addOption(o.long())
      .option("--show-secrets", "with --long, print secrets instead of redacting them", false).addOption(o.json())
      .action(run(commands.profile, "list"));
    profile.command("create").description("create a profile: a dialog asks for what --client-type and --set do not give").argument("[new_profile_name]")
      .option("--client-type <type>", "the client type (then only missing required settings are asked)")
      .option("--set <key=value>", "a config setting, e.g. auth_server=https://… or scopes='openid offline_access' (repeatable)", collect)
      .addOption(o.sops())
      .addOption(new Option("-f, --force", "overwrite the profile if it exists").default(false))
      .action(run(commands.profileCreate, "create"));
    profile.command("edit").description("edit a profile's config in $VISUAL/$EDITOR (default: the selected profile)")
      .argument("[profile]").action(run(commands.profileEdit, "edit"));
    profile.command("copy").description("copy a profile's configuration").argument("<src>").argument("<dst>").addOption(o.sops())
      .addOption(new Option("-f, --force", "overwrite the destination profile if it exists").default(false))
      .action(run(commands.profile, "copy"));
    profile.command("set").description("set the default profile").argument("[selected_profile]").action(run(commands.profile, "set"));
    profile.command("show").description("show the current and default profiles").addOption(o.json()).action(run(commands.profile, "show"));
  });

  group(root, "jwt", "decode and validate JWTs", wanted, (jwt) => {
    jwt.command("decode").description("decode a JWT without verifying it").addOption(o.token()).addOption(o.tokenFile())
      .addOption(o.humanReadable()).addOption(o.json()).action(run(commands.jwt, "decode"));
    jwt.command("validate-oauth").description("validate an OAuth access token against its issuer (debugging only)")
      .addOption(o.token()).addOption(o.tokenFile()).addOption(o.audience()).addOption(o.issuer()).addOption(o.humanReadable()).addOption(o.json())
      .action(run(commands.jwt, "validateOauth"));
    jwt.command("validate-rs256").description("validate an RS256 JWT with a public key (PEM or JWK file)")
      .addOption(o.token()).addOption(o.tokenFile()).option("--key-file <file>", "the RSA public key: PEM (key or certificate) or JWK")
      .addOption(o.audience()).addOption(o.issuer()).addOption(o.humanReadable()).addOption(o.json())
      .action(run(commands.jwt, "validateRs256"));
    jwt.command("validate-hs512").description(`validate an HS512 JWT with a shared secret (from --secret-file or ${o.envName("PL_AUTH_HS512_SECRET")})`)
      .addOption(o.token()).addOption(o.tokenFile()).option("--secret-file <file>", "file holding the shared secret")
      .addOption(o.audience()).addOption(o.issuer()).addOption(o.humanReadable()).addOption(o.json())
      .action(run(commands.jwt, "validateHs512"));
  });
}

/**
 * The standalone `plauth` program. Given the arguments it will parse, it builds the subcommands of
 * only the groups they name (any word of them), not the whole tree.
 */
export function createPlauthProgram(options: PlauthProgramOptions = {}, forArgs?: readonly string[]): { program: Command; runtime: PlauthRuntime } {
  const rt = createRuntime(options);
  const o = plauthOptions(rt.namespace);
  const program = new Command(options.name ?? "plauth")
    .description("Planet authentication: manage profiles, log in, and inspect tokens.")
    .enablePositionalOptions()
    .addOption(new Option("-l, --loglevel <level>", "log level").choices(["CRITICAL", "ERROR", "WARNING", "INFO", "DEBUG"])
      .env(o.envName("PL_LOGLEVEL")).default("INFO").argParser((v) => v.toUpperCase()))
    .addOption(o.profile());
  program.hook("preAction", (cmd) => rt.setLogLevel(String(cmd.opts().loglevel ?? "INFO")));
  addCommands(program, rt, forArgs ? (name) => forArgs.includes(name) : undefined);
  program.command("reset").description("move the saved profiles and preferences aside").action(lazy(rt, commands.basic, "reset"));
  group(program, "dev", "tools for trying plauth out", forArgs ? (name) => forArgs.includes(name) : () => true, (dev) => {
    dev.command("issuer").description("run a development OpenID Provider on loopback until stopped, with ready-made clients (needs oidc-provider)")
      .option("--host <host>", "loopback address to bind", "127.0.0.1").option("--port <port>", "port to bind (0: any free port)", "8765")
      .addOption(o.json()).action(lazy(rt, commands.dev, "issuer"));
  });
  program.action(() => program.outputHelp());
  return { program, runtime: rt };
}

/**
 * The plauth commands for a host CLI: `oauth`, `legacy`, `profile`, `jwt`, `login` and `version`
 * under one command, with no root options. The host supplies the auth context (`options.context`).
 */
export function createPlauthEmbeddedCommand(options: PlauthProgramOptions & { context: NonNullable<RuntimeOptions["context"]> }): Command {
  const rt = createRuntime(options);
  const cmd = new Command(options.name ?? "plauth").description("Planet authentication commands");
  addCommands(cmd, rt);
  cmd.action(() => cmd.outputHelp());
  return cmd;
}

/** Parse `argv` (without node and script) and run; returns the exit code. Errors go to stderr as `Error: …`. */
export async function runPlauth(argv: string[], options: PlauthProgramOptions = {}): Promise<number> {
  const { program, runtime } = createPlauthProgram(options, argv);
  return runCommand(program, runtime, argv);
}

const ENDING_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/**
 * While a command runs, a signal that ends the process first closes the run's kernel, then ends the
 * process with that signal (handlers removed, so a second signal ends it at once). A signal that
 * something else also listens for (a command passing it to a child, the host application) is theirs.
 * Returns the function that removes the handlers.
 */
function closeKernelOnSignals(rt: PlauthRuntime): () => void {
  const handlers = new Map<NodeJS.Signals, () => void>();
  const remove = () => handlers.forEach((handler, signal) => process.off(signal, handler));
  for (const signal of ENDING_SIGNALS) {
    const handler = () => {
      if (process.listenerCount(signal) > 1) return;
      remove();
      void rt.close().catch(() => undefined).finally(() => process.kill(process.pid, signal));
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  return remove;
}

/**
 * Run a command tree built here with commander's exits turned into exit codes. However the command
 * ends — success, error or a signal — the kernel the run built is closed, so the process can exit.
 */
export async function runCommand(program: Command, rt: PlauthRuntime, argv: string[]): Promise<number> {
  const configure = (c: Command) => {
    c.exitOverride().configureOutput({ writeOut: (s) => rt.io.out(s), writeErr: (s) => rt.io.err(s) });
    c.commands.forEach(configure);
  };
  configure(program);
  const removeSignalHandlers = closeKernelOnSignals(rt);
  let code = await runParsed(program, rt, argv);
  removeSignalHandlers();
  rt.closePrompts();
  try {
    await rt.close();
  } catch (err) {
    rt.io.err(`Error: could not close the auth kernel: ${err instanceof Error ? err.message : String(err)}\n`);
    code ||= 1;
  }
  return code;
}

async function runParsed(program: Command, rt: PlauthRuntime, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof CanceledError) {
      rt.io.out("Canceled\n");
      return 1;
    }
    if (err instanceof CliError) {
      rt.io.err(`Error: ${err.message}\n`);
      return err.exitCode;
    }
    rt.io.err(`Error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
