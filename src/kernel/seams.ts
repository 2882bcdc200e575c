/**
 * The injectable seams: everything that touches the world outside memory.
 * Defaults live here; tests and host applications replace them through the kernel's container.
 */
import type { Readable } from "node:stream";
import { NoTerminalException } from "./errors.js";

/** Wall clock, milliseconds since the epoch (like Date.now). */
export interface Clock {
  /** The current time, in epoch milliseconds. */
  now(): number;
}
/** The `Clock` of the system (`Date.now()`). */
export const systemClock: Clock = { now: () => Date.now() };
/** The clock's current time in whole epoch seconds (the unit of `_iat`, `_exp` and JWT claims). */
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** Environment variables (read, never written). Default: the live `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;
export const processEnvironment: Environment = process.env;

/** Cancellable sleep. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
/** The `Sleep` of the system: a timer, cancelled by the signal. */
export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** Opens a URL in the user's browser. */
export type BrowserOpener = (url: string) => Promise<void>;
export const systemBrowserOpener: BrowserOpener = async (url) => {
  const { default: open } = await import("open");
  await open(url);
};

/**
 * Asks the person at the terminal a question; `hidden` suppresses echo (passwords, codes). Rejects
 * with NoTerminalException when there is no terminal to ask at.
 */
export interface TtyPrompt {
  /** Ask the user a question and return the answer (`hidden`: do not echo it, for passwords). */
  prompt(question: string, options?: { hidden?: boolean }): Promise<string>;
}

/** The streams a terminal prompt reads and writes (default: the process's stdin and stdout). */
export interface TerminalPromptStreams {
  input?: Readable & { isTTY?: boolean };
  output?: NodeJS.WritableStream;
}

function noTerminal(question: string, why: string): NoTerminalException {
  return new NoTerminalException(`Cannot ask for ${JSON.stringify(question.replace(/[:\s]+$/, ""))}: ${why}`);
}

/**
 * A prompt on a terminal. Without one — stdin not a TTY (CI, Docker, a pipe) or already closed — it
 * fails at once rather than waiting for input that cannot come; stdin closing mid-question fails too.
 */
export function createTerminalPrompt(streams: TerminalPromptStreams = {}): TtyPrompt {
  return {
    async prompt(question, options = {}) {
      const input = streams.input ?? process.stdin;
      const out = streams.output ?? process.stdout;
      if (!input.isTTY) throw noTerminal(question, "standard input is not a terminal");
      if (input.destroyed || input.readableEnded) throw noTerminal(question, "standard input is closed");
      // Loaded by the first dialog, not at import: most processes never prompt.
      const [{ createInterface }, { Writable }] = await Promise.all([import("node:readline"), import("node:stream")]);
      let muted = false;
      const output = new Writable({
        write(chunk, _enc, cb) {
          if (!muted) out.write(chunk);
          cb();
        },
      });
      const rl = createInterface({ input, output, terminal: true });
      return new Promise<string>((resolve, reject) => {
        let answered = false;
        rl.once("close", () => {
          if (!answered) reject(noTerminal(question, "standard input was closed before an answer"));
        });
        rl.question(question, (answer) => {
          answered = true;
          rl.close();
          if (options.hidden) out.write("\n");
          resolve(answer);
        });
        muted = Boolean(options.hidden);
      });
    },
  };
}
export const terminalPrompt: TtyPrompt = createTerminalPrompt();

/** Shows text to the person at the terminal (instructions, URLs, user codes). */
export interface TtyDisplay {
  /** Show a line of text to the user. */
  print(text: string): void;
}
export const terminalDisplay: TtyDisplay = { print: (text) => void process.stdout.write(text + "\n") };

/** Why a login value is missing. */
export type MissingValueReason = "prompt-not-allowed" | "no-terminal" | "empty-answer";

/**
 * A value for a login: the one given, else the person's answer when prompting is allowed. When
 * there is neither (no terminal to ask at, or an empty answer) the caller's error is thrown.
 */
export async function givenOrPrompted(
  prompt: TtyPrompt,
  given: string | null | undefined,
  question: string,
  options: { hidden?: boolean; allowPrompt: boolean; missing: (reason: MissingValueReason, cause?: unknown) => Error },
): Promise<string> {
  if (given) return given;
  if (!options.allowPrompt) throw options.missing("prompt-not-allowed");
  let answer: string;
  try {
    answer = await prompt.prompt(question, { hidden: options.hidden });
  } catch (err) {
    if (err instanceof NoTerminalException) throw options.missing("no-terminal", err);
    throw err;
  }
  if (!answer) throw options.missing("empty-answer");
  return answer;
}
