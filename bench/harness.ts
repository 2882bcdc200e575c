/** Tiny benchmark helpers: every figure is measured in the same run as its baseline. */
import { performance } from "node:perf_hooks";

export interface Measurement {
  name: string;
  opsPerSecond: number;
  microsPerOp: number;
}

/** Run `fn` repeatedly for about `ms` milliseconds after a warm-up; report throughput. */
export function measureSync(name: string, fn: () => void, ms = 1000): Measurement {
  for (let i = 0; i < 10_000; i++) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    elapsed = performance.now() - start;
  }
  return { name, opsPerSecond: (ops / elapsed) * 1000, microsPerOp: (elapsed * 1000) / ops };
}

/**
 * Operations per second of `fn`, called by `concurrency` loops for `ms` after 200 warm-up calls. A loop
 * also stops when `more()` says no (a scenario that uses up a pool of prepared inputs); the rate is
 * then over the time actually measured.
 */
export async function measureAsync(name: string, fn: () => Promise<unknown>, ms = 1000, concurrency = 1, more: () => boolean = () => true): Promise<Measurement> {
  for (let i = 0; i < 200; i++) await fn();
  let ops = 0;
  const start = performance.now();
  const deadline = start + ms;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline && more()) {
        await fn();
        ops++;
      }
    }),
  );
  const elapsed = performance.now() - start;
  return { name, opsPerSecond: (ops / elapsed) * 1000, microsPerOp: (elapsed * 1000) / ops };
}

export function report(title: string, rows: Measurement[], baseline: Measurement): void {
  console.log(`\n${title}`);
  for (const r of rows) {
    const ratio = r.opsPerSecond / baseline.opsPerSecond;
    console.log(
      `  ${r.name.padEnd(44)} ${r.microsPerOp.toFixed(3).padStart(9)} µs/op ${Math.round(r.opsPerSecond).toLocaleString("en-US").padStart(13)} ops/s  x${ratio.toFixed(2)} vs ${baseline.name}`,
    );
  }
}
