/**
 * The demo's report: numbered steps, each printing what it did and checking what it claims. A failed
 * check (or any error) marks the step failed and the run continues; `finish()` prints the summary with
 * the process's wall and CPU time and returns its exit code (0 only when every step passed).
 */
import { performance } from "node:perf_hooks";

export class DemoCheckFailed extends Error {
  override name = "DemoCheckFailed";
}

export interface StepContext {
  /** Print a line of the step's report. */
  say(text: string): void;
  /** Assert one outcome of the step; prints it as checked, or fails the step. */
  check(ok: boolean, what: string): void;
}

export class DemoReport {
  readonly #results: { title: string; ok: boolean }[] = [];
  readonly #total: number;
  readonly #out: (line: string) => void;

  constructor(totalSteps: number, out: (line: string) => void = (line) => console.log(line)) {
    this.#total = totalSteps;
    this.#out = out;
  }

  /** Indented output for text shown during a step (e.g. the library's display seam). */
  say(text: string): void {
    for (const line of text.split("\n")) this.#out(`      ${line}`);
  }

  async step(title: string, run: (ctx: StepContext) => Promise<void>): Promise<boolean> {
    const n = this.#results.length + 1;
    this.#out(`\n[${n}/${this.#total}] ${title}`);
    let checks = 0;
    const ctx: StepContext = {
      say: (text) => this.say(text),
      check: (ok, what) => {
        if (!ok) throw new DemoCheckFailed(what);
        checks++;
        this.#out(`      ✔ ${what}`);
      },
    };
    let ok = false;
    try {
      await run(ctx);
      if (checks === 0) throw new DemoCheckFailed("the step checked nothing");
      ok = true;
    } catch (err) {
      const what = err instanceof DemoCheckFailed ? `check failed: ${err.message}` : `error: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`;
      this.#out(`      ✘ ${what}`);
    }
    this.#results.push({ title, ok });
    return ok;
  }

  /** Print the summary; the exit code is 0 only when all the announced steps ran and passed. */
  finish(): number {
    const passed = this.#results.filter((r) => r.ok).length;
    const wall = performance.now() / 1000; // since the process started, start-up included
    const cpu = process.cpuUsage();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const allPassed = passed === this.#total && this.#results.length === this.#total;
    this.#out("");
    for (const r of this.#results.filter((r) => !r.ok)) this.#out(`FAILED: ${r.title}`);
    this.#out(`${allPassed ? "✔" : "✘"} ${passed}/${this.#total} steps passed in ${wall.toFixed(1)} s (CPU ${cpuSeconds.toFixed(1)} s)`);
    return allPassed ? 0 : 1;
  }
}
