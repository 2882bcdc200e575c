/**
 * scripts/build.mjs swaps a new dist/ in at once: a process reading dist/ while a build runs (a demo,
 * an example, another test run) never finds it missing or half-written, a process started from the
 * previous build can still load its modules, and what abandoned builds left next to dist/ is removed.
 */
import { expect, test } from "@jest/globals";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdirSync, realpathSync, utimesSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "../support/temp-dir.js";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BUILD = path.join(ROOT, "scripts/build.mjs");

/** Emit-only builds: the swap is the subject here, not the type check. */
const build = (outDir: string) => promisify(execFile)(process.execPath, [BUILD, "--out-dir", outDir, "--emit-only"], { cwd: ROOT, timeout: 240_000 });

/**
 * A reader in its own process: until `stop` exists, it checks through `dist` that the build is
 * complete (its stamp, written last, is there) and that every module the entry points import
 * statically is there. Prints what it saw as JSON.
 */
const READER = `
const fs = require("node:fs"), path = require("node:path");
const [dist, stop] = process.argv.slice(1);
const entries = ["index.js", "cli/main.js", "express.js"].map((f) => f.replace("express.js", "integrations/express.js"));
const problems = new Set(), builds = new Set();
let reads = 0;
console.log("reading");
while (!fs.existsSync(stop)) {
  reads++;
  try {
    builds.add(fs.realpathSync(dist));
    if (!fs.existsSync(path.join(dist, ".build-stamp"))) problems.add("no .build-stamp");
    for (const entry of entries) {
      const code = fs.readFileSync(path.join(dist, entry), "utf8");
      for (const [, spec] of code.matchAll(/from "(\\.{1,2}\\/[^"]+)"/g)) {
        const target = path.join(dist, path.dirname(entry), spec);
        if (!fs.existsSync(target)) problems.add(entry + " imports a missing " + spec);
      }
    }
  } catch (error) {
    problems.add(error.code + " " + path.relative(dist, error.path ?? dist));
  }
}
console.log(JSON.stringify({ reads, problems: [...problems], builds: [...builds] }));
`;

test("a reader of dist/ sees a whole build at every moment of a rebuild; the replaced build stays, older and abandoned ones go, one being written stays", async () => {
  const tmp = await makeTempDir();
  try {
    const dist = path.join(tmp.dir, "dist");
    await build(dist);
    const first = realpathSync(dist);
    // What crashed builds leave behind (an unfinished build directory and a link, long abandoned),
    // and a finished build older than the one dist/ points to now.
    const abandoned = path.join(tmp.dir, ".dist-build-Abc123");
    mkdirSync(path.join(abandoned, "chunks"), { recursive: true });
    writeFileSync(`${abandoned}.link`, "");
    const older = path.join(tmp.dir, ".dist-build-Old123");
    mkdirSync(older);
    writeFileSync(path.join(older, ".build-stamp"), "");
    const hourAgo = new Date(Date.now() - 3_600_000);
    for (const p of [abandoned, `${abandoned}.link`, older]) utimesSync(p, hourAgo, hourAgo);
    // A build another process is writing right now is left alone.
    const inProgress = path.join(tmp.dir, ".dist-build-Now123");
    mkdirSync(inProgress);

    const stop = path.join(tmp.dir, "stop");
    const reader = spawn(process.execPath, ["-e", READER, dist, stop], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    reader.stdout.setEncoding("utf8");
    await new Promise<void>((resolve) => reader.stdout.on("data", (chunk: string) => { out += chunk; if (out.includes("reading\n")) resolve(); }));
    const exited = new Promise<void>((resolve) => reader.on("exit", () => resolve()));
    try {
      await build(dist);
    } finally {
      writeFileSync(stop, "");
      await exited;
    }
    const seen = JSON.parse(out.split("\n")[1]!) as { reads: number; problems: string[]; builds: string[] };

    expect(seen.problems).toEqual([]);
    expect(seen.builds).toEqual([first, realpathSync(dist)]); // it read the old build, then the new one
    expect(seen.reads).toBeGreaterThan(100);
    // The replaced build stays for the processes already running from it; the abandoned ones are gone.
    expect(existsSync(path.join(first, "index.js"))).toBe(true);
    expect(existsSync(abandoned)).toBe(false);
    expect(existsSync(`${abandoned}.link`)).toBe(false);
    expect(existsSync(older)).toBe(false);
    expect(existsSync(inProgress)).toBe(true);
    expect(await readFile(path.join(dist, "index.js"), "utf8")).toContain("Auth");
  } finally {
    await tmp.cleanup();
  }
}, 300_000);
