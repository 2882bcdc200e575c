import type { HostLogger } from "../../src/index.js";

/** A host logger that records every call, at every level, as one string per line. */
export function captureLogger(): HostLogger & { lines: string[]; text(): string } {
  const lines: string[] = [];
  const record = (level: string) => (...args: unknown[]) => {
    lines.push(`${level} ${args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ")}`);
  };
  return {
    lines,
    text: () => lines.join("\n"),
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
    isLevelEnabled: () => true,
  };
}
