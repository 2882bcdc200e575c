/**
 * The injectable seams: everything that touches the world outside memory.
 * Defaults live here; tests and host applications replace them through the kernel's container.
 */
import { createInterface } from "node:readline";
import { Writable } from "node:stream";

/** Wall clock, milliseconds since the epoch (like Date.now). */
export interface Clock {
  now(): number;
}
export const systemClock: Clock = { now: () => Date.now() };
export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.now() / 1000);
}

/** Environment variables (read, never written). Default: the live `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;
export const processEnvironment: Environment = process.env;

/** Cancellable sleep. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;
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

/** Asks the person at the terminal a question; `hidden` suppresses echo (passwords, codes). */
export interface TtyPrompt {
  prompt(question: string, options?: { hidden?: boolean }): Promise<string>;
}
export const terminalPrompt: TtyPrompt = {
  prompt(question, options = {}) {
    let muted = false;
    const output = new Writable({
      write(chunk, _enc, cb) {
        if (!muted) process.stdout.write(chunk);
        cb();
      },
    });
    const rl = createInterface({ input: process.stdin, output, terminal: Boolean(process.stdin.isTTY) });
    return new Promise((resolve) => {
      rl.question(question, (answer) => {
        rl.close();
        if (options.hidden) process.stdout.write("\n");
        resolve(answer);
      });
      muted = Boolean(options.hidden);
    });
  },
};

/** Shows text to the person at the terminal (instructions, URLs, user codes). */
export interface TtyDisplay {
  print(text: string): void;
}
export const terminalDisplay: TtyDisplay = { print: (text) => void process.stdout.write(text + "\n") };

/**
 * A value for a login: the one given, else the person's answer when prompting is allowed. When
 * there is neither (or the answer is empty) the caller's error is thrown.
 */
export async function givenOrPrompted(
  prompt: TtyPrompt,
  given: string | null | undefined,
  question: string,
  options: { hidden?: boolean; allowPrompt: boolean; missing: (reason: "prompt-not-allowed" | "empty-answer") => Error },
): Promise<string> {
  if (given) return given;
  if (!options.allowPrompt) throw options.missing("prompt-not-allowed");
  const answer = await prompt.prompt(question, { hidden: options.hidden });
  if (!answer) throw options.missing("empty-answer");
  return answer;
}
