/** Line-by-line reading of a child process's stdout, for tests that drive child processes over stdio. */
import type { ChildProcessWithoutNullStreams } from "node:child_process";

/** The child's stdout lines, in order; ends when the child exits. */
export function childLines(child: ChildProcessWithoutNullStreams): AsyncGenerator<string> {
  let buffer = "";
  const queue: string[] = [];
  let wake: (() => void) | undefined;
  child.stdout.on("data", (d: Buffer) => {
    buffer += d.toString();
    let i: number;
    while ((i = buffer.indexOf("\n")) >= 0) {
      queue.push(buffer.slice(0, i));
      buffer = buffer.slice(i + 1);
    }
    wake?.();
  });
  child.on("exit", () => wake?.());
  return (async function* () {
    for (;;) {
      if (queue.length) yield queue.shift()!;
      else if (child.exitCode !== null || child.signalCode !== null) return;
      else await new Promise<void>((r) => (wake = r));
    }
  })();
}
