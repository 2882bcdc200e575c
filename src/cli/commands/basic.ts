/** `plauth version` and `plauth reset`: no auth context needed. */
import { rename, stat } from "node:fs/promises";
import { homedir } from "node:os";
import path from "node:path";
import { LIBRARY_VERSION } from "../../kernel/version.js";
import { formatJson } from "../output.js";
import type { Handler } from "../program.js";

export const version: Handler = async (rt, opts) => {
  const versions: Record<string, string> = { "planet-auth": LIBRARY_VERSION, ...rt.versions };
  if (opts.json) return rt.io.out(formatJson(versions) + "\n");
  rt.io.out(Object.entries(versions).map(([name, v]) => `${name} : ${v}`).join("\n") + "\n");
};

const pad = (n: number) => String(n).padStart(2, "0");

/** Move `~/.planet.json` and `~/.planet` aside with a local-time suffix; nothing is deleted. */
export const reset: Handler = async (rt) => {
  const home = rt.env.HOME || homedir();
  const d = new Date();
  const tag = `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
  for (const name of [".planet.json", ".planet"]) {
    const from = path.join(home, name);
    const exists = await stat(from).then(() => true, () => false);
    if (exists) await rename(from, `${from}-${tag}`);
  }
};
