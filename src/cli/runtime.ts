/**
 * What a plauth command runs against: environment, output streams, dialogs and — built only when a
 * command needs one — the kernel, the factory and the auth context. The standalone program builds
 * them from the process; a host application embedding plauth passes its own.
 */
import { homedir } from "node:os";
import type { Auth, AuthKernel, BrowserOpener, Environment, HostLogger } from "../kernel/index.js";
import type { BuiltinProfileSet } from "../kernel/builtin-profiles.js";
import type { PlanetAuthFactory } from "../factory/index.js";
import { neutralizeControls } from "./output.js";
import { inquirerPrompts, linePrompts, type CliPrompts } from "./prompts.js";

/** Where `plauth` writes its output and errors. */
export interface CliIo {
  /** Write a line to standard output. */
  out(text: string): void;
  /** Write a line to standard error. */
  err(text: string): void;
  /** Whether stderr is a terminal (spinners are drawn only then). */
  readonly errIsTty: boolean;
}

/** Options of the auth context a command asks for (from `--auth-profile`, `--auth-client-id`, …). */
export interface ContextRequest {
  authProfileOpt?: string | null;
  authClientIdOpt?: string | null;
  authClientSecretOpt?: string | null;
  authApiKeyOpt?: string | null;
}

/** What a `plauth` command runs with: its output, prompts, environment, the factory and the auth context. */
export interface PlauthRuntime {
  readonly env: Environment;
  /** Output streams; every text written through them has its control characters neutralised. */
  readonly io: CliIo;
  /** Unfiltered stderr, for plauth's own terminal control sequences (the spinner) only. */
  readonly terminal: Pick<CliIo, "err">;
  /**
   * Whether a person can answer a question: standard input is a terminal, or the host supplied its
   * own dialogs. Without one, plauth asks nothing it can decide itself.
   */
  readonly interactive: boolean;
  /** Prefix of environment variable names (as the built-in profiles' namespace). */
  readonly namespace: string;
  /** True when mounted in a host CLI: the host owns the auth context. */
  readonly embedded: boolean;
  /** Extra `name : version` lines for `plauth version`. */
  readonly versions: Record<string, string>;
  /** The prompts dialogs use (interactive ones on a terminal). */
  prompts(): CliPrompts;
  /** Release standard input if a dialog used it. */
  closePrompts(): void;
  /** The `PlanetAuthFactory` commands choose profiles and contexts with, built once per run. */
  factory(): Promise<PlanetAuthFactory>;
  /** The auth context for the root options, or the host's context when embedded. */
  context(request: ContextRequest): Promise<Auth>;
  /** Set the level of the library's log records written to standard error (`--loglevel`). */
  setLogLevel(level: string): void;
  /**
   * Close the kernel this run built (its Redis connections and the like), so the process can exit;
   * a later command builds a new one. A kernel the host passed as an instance stays open: it is the host's.
   */
  close(): Promise<void>;
}

/**
 * Options of `createRuntime`: the environment, output, prompts, kernel and auth context a `plauth` embedded
 * in a host uses.
 */
export interface RuntimeOptions {
  env?: Environment;
  io?: CliIo;
  prompts?: CliPrompts;
  namespace?: string;
  /** Built-in profiles of the host application. */
  builtins?: BuiltinProfileSet[];
  /**
   * Kernel to use instead of one discovered from the working directory. An instance stays the
   * host's; a function builds one for the run, and the run closes it when it ends.
   */
  kernel?: AuthKernel | (() => Promise<AuthKernel>);
  /** The host's context (embedded mode): plauth then never builds one. */
  context?: () => Promise<Auth>;
  versions?: Record<string, string>;
}

const LEVELS = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];

/** Log records at or above a level, one line each on stderr. */
function stderrLogger(io: CliIo, level: () => string): HostLogger {
  const enabled = (l: string) => LEVELS.indexOf({ debug: "DEBUG", info: "INFO", warn: "WARNING", error: "ERROR" }[l] ?? "ERROR") >= LEVELS.indexOf(level());
  const write = (l: string) => (msg: unknown) => {
    if (enabled(l)) io.err(`${l === "warn" ? "WARNING" : l.toUpperCase()}: ${String(msg).replace(/^\[planet-auth-ts\] /, "")}\n`);
  };
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error"), isLevelEnabled: enabled };
}

/**
 * A browser opener honouring `BROWSER` (as Python's webbrowser and xdg tools do): the first entry of
 * the path-separated list is run with the URL (`%s` replaced, else appended), without a shell.
 * Without it the system browser is opened with `open`.
 */
export function cliBrowserOpener(env: Environment): BrowserOpener {
  return async (url) => {
    const browser = env.BROWSER?.split(process.platform === "win32" ? ";" : ":")[0]?.trim();
    if (!browser) {
      const { default: open } = await import("open");
      await open(url);
      return;
    }
    const parts = browser.split(/\s+/);
    const args = parts.slice(1).map((a) => a.replace("%s", url));
    if (!parts.slice(1).some((a) => a.includes("%s"))) args.push(url);
    const { spawn } = await import("node:child_process");
    await new Promise<void>((resolve, reject) => {
      const child = spawn(parts[0]!, args, { stdio: ["ignore", "inherit", "inherit"] });
      child.on("error", reject);
      child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`The browser command exited with code ${code}`))));
    });
  };
}

/** Dialogs whose questions and choices are shown with their control characters neutralised. */
function filteredPrompts(prompts: CliPrompts): CliPrompts {
  const n = neutralizeControls;
  return {
    input: (message, o) => prompts.input(n(message), o && { ...o, default: o.default === undefined ? undefined : n(o.default) }),
    password: (message) => prompts.password(n(message)),
    confirm: (message, o) => prompts.confirm(n(message), o),
    select: (message, choices) =>
      prompts.select(n(message), choices.map((c) => ({ ...c, name: n(c.name), description: c.description === undefined ? undefined : n(c.description) }))),
    close: () => prompts.close(),
  };
}

/** The runtime of the standalone `plauth` program (or of a host that passes its own parts). */
export function createRuntime(options: RuntimeOptions = {}): PlauthRuntime {
  const env = options.env ?? process.env;
  const rawIo: CliIo = options.io ?? {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    errIsTty: Boolean(process.stderr.isTTY),
  };
  const io: CliIo = {
    out: (t) => rawIo.out(neutralizeControls(t)),
    err: (t) => rawIo.err(neutralizeControls(t)),
    get errIsTty() {
      return rawIo.errIsTty;
    },
  };
  let level = "INFO";
  let prompts = options.prompts && filteredPrompts(options.prompts);
  let factory: Promise<PlanetAuthFactory> | undefined;
  /** The kernel this run built, once it has one. */
  let ownKernel: Promise<AuthKernel | undefined> | undefined;
  const getPrompts = (): CliPrompts => {
    // @inquirer/prompts is loaded on the first dialog, and only when a person is at the terminal.
    prompts ??= filteredPrompts(process.stdin.isTTY ? inquirerPrompts() : linePrompts(process.stdin, io.out));
    return prompts;
  };
  const runtime: PlauthRuntime = {
    env,
    io,
    terminal: { err: (t) => rawIo.err(t) },
    interactive: Boolean(options.prompts) || Boolean(process.stdin.isTTY),
    namespace: options.namespace ?? "",
    embedded: Boolean(options.context),
    versions: options.versions ?? {},
    prompts: getPrompts,
    closePrompts: () => prompts?.close(),
    setLogLevel(l) {
      level = l.toUpperCase();
    },
    factory() {
      factory ??= (async () => {
        // Not the package entry point: a command that builds no client loads no protocol code.
        const [{ AuthLogger }, { loadKernel }, { PlanetAuthFactory }] = await Promise.all([
          import("../kernel/index.js"), import("../builtin-kernel.js"), import("../factory/index.js"),
        ]);
        const logger = new AuthLogger(stderrLogger(io, () => level));
        logger.setStructuredLogging({ nestedKey: null });
        const services = {
          env,
          logger,
          browserOpener: cliBrowserOpener(env),
          display: { print: (text: string) => io.out(text + "\n") },
          prompt: {
            prompt: (question: string, o: { hidden?: boolean } = {}) =>
              o.hidden ? getPrompts().password(question) : getPrompts().input(question),
          },
        };
        // An edit ended by SIGKILL left its copy behind: remove it now.
        await (await import("./edit-scratch.js")).removeStaleEditCopies(env, env.HOME || homedir());
        const given = options.kernel;
        const built = typeof given === "function" ? given() : given ? undefined : loadKernel({ services, homeDir: () => env.HOME || homedir() });
        ownKernel = built?.catch(() => undefined);
        const kernel = built ? await built : (given as AuthKernel);
        return new PlanetAuthFactory({ kernel, env, builtins: options.builtins });
      })();
      return factory;
    },
    async close() {
      const kernel = ownKernel;
      // A later command of the same host program builds a kernel of its own.
      factory = undefined;
      ownKernel = undefined;
      await (await kernel)?.close();
    },
    async context(request) {
      if (options.context) return options.context();
      return (await runtime.factory()).initializeAuthClientContext(request);
    },
  };
  return runtime;
}

