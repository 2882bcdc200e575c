/**
 * Dialogs. At a terminal they are @inquirer/prompts (loaded when the first dialog opens); with
 * piped standard input each answer is one line of input, so scripts and tests can answer them.
 */
import type { Readable } from "node:stream";
import { CanceledError } from "./errors.js";

/** One choice of a `select` prompt: the label shown and the value returned. */
export interface Choice<T> {
  name: string;
  value: T;
  description?: string;
}

/** The prompts `plauth`'s dialogs ask with; replace them to drive the dialogs from another UI or a test. */
export interface CliPrompts {
  /** Ask for a line of text (`default` when the user just presses Enter). */
  input(message: string, options?: { default?: string }): Promise<string>;
  /** Ask for a secret without echoing it. */
  password(message: string): Promise<string>;
  /** Ask a yes/no question. */
  confirm(message: string, options?: { default?: boolean }): Promise<boolean>;
  /** Ask the user to choose one of `choices`. */
  select<T>(message: string, choices: ReadonlyArray<Choice<T>>): Promise<T>;
  /** Release standard input. */
  close(): void;
}

/** @inquirer/prompts; Ctrl-C (ExitPromptError) becomes a CanceledError. */
export function inquirerPrompts(): CliPrompts {
  const load = () => import("@inquirer/prompts");
  const guard = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if ((err as Error).name === "ExitPromptError") throw new CanceledError();
      throw err;
    }
  };
  return {
    input: (message, o = {}) => guard(async () => (await load()).input({ message, default: o.default })),
    password: (message) => guard(async () => (await load()).password({ message, mask: true })),
    confirm: (message, o = {}) => guard(async () => (await load()).confirm({ message, default: o.default })),
    select: <T>(message: string, choices: ReadonlyArray<Choice<T>>) =>
      guard(async () => (await load()).select<T>({ message, choices: choices.map((c) => ({ ...c })) })),
    close: () => {},
  };
}

/**
 * One line of input per answer. A select accepts the choice's name or its 1-based number; a confirm
 * accepts y/yes/n/no (empty ⇒ the default). End of input cancels the dialog.
 */
export function linePrompts(input: Readable, write: (text: string) => void): CliPrompts {
  let lines: AsyncIterator<string> | undefined;
  let rl: import("node:readline").Interface | undefined;
  const next = async (message: string): Promise<string> => {
    write(message.endsWith(" ") ? message : `${message} `);
    if (!lines) {
      const { createInterface } = await import("node:readline");
      rl = createInterface({ input, terminal: false });
      lines = rl[Symbol.asyncIterator]();
    }
    const line = await lines.next();
    write("\n");
    if (line.done) throw new CanceledError();
    return line.value.trim();
  };
  return {
    async input(message, o = {}) {
      return (await next(o.default ? `${message} [${o.default}]` : message)) || o.default || "";
    },
    password: (message) => next(message),
    async confirm(message, o = {}) {
      const answer = (await next(`${message} ${o.default ? "[Y/n]" : "[y/N]"}`)).toLowerCase();
      if (!answer) return Boolean(o.default);
      return answer === "y" || answer === "yes";
    },
    async select<T>(message: string, choices: ReadonlyArray<Choice<T>>): Promise<T> {
      const menu = choices.map((c, i) => `  ${i + 1}) ${c.name}${c.description ? ` - ${c.description}` : ""}`).join("\n");
      const answer = await next(`${message}\n${menu}\n>`);
      const byNumber = /^\d+$/.test(answer) ? choices[Number(answer) - 1] : undefined;
      const chosen = byNumber ?? choices.find((c) => c.name === answer || String(c.value) === answer);
      if (!chosen) throw new CanceledError();
      return chosen.value;
    },
    close: () => rl?.close(),
  };
}
