/**
 * `npm run demo` is the main job: it must pass every step and exit 0; its report runner must exit
 * non-zero when any step fails, checks nothing, or does not run.
 */
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { DemoReport } from "../../examples/support/demo-report.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

function report(total: number): { report: DemoReport; lines: string[] } {
  const lines: string[] = [];
  return { report: new DemoReport(total, (line) => lines.push(line)), lines };
}

test("the report exits 0 only when every announced step ran and passed its checks", async () => {
  const ok = report(2);
  expect(await ok.report.step("one", async (c) => c.check(true, "first"))).toBe(true);
  expect(await ok.report.step("two", async (c) => c.check(true, "second"))).toBe(true);
  expect(ok.report.finish()).toBe(0);
  expect(ok.lines.at(-1)).toMatch(/^✔ 2\/2 steps passed in [\d.]+ s \(CPU [\d.]+ s\)$/);

  const failed = report(3);
  expect(await failed.report.step("a failing check", async (c) => c.check(false, "the outcome"))).toBe(false);
  expect(await failed.report.step("an error", async () => { throw new Error("boom"); })).toBe(false);
  expect(await failed.report.step("no checks", async (c) => c.say("did something"))).toBe(false);
  expect(failed.report.finish()).toBe(1);
  expect(failed.lines).toEqual(expect.arrayContaining(["      ✘ check failed: the outcome", "      ✘ error: Error: boom", "      ✘ check failed: the step checked nothing"]));

  const short = report(2);
  await short.report.step("only one", async (c) => c.check(true, "ran"));
  expect(short.report.finish()).toBe(1);
});

test("npm run demo passes every step, exits 0 and removes its temporary home", async () => {
  const { stdout } = await promisify(execFile)(process.execPath, ["--conditions=planet-auth-source", "--import", "tsx", "examples/demo.ts"], {
    cwd: root,
    env: { ...process.env, NODE_OPTIONS: "" },
    timeout: 120_000,
  });
  expect(stdout).toMatch(/^✔ 10\/10 steps passed in/m);
  expect(stdout).not.toContain("✘");
  const home = /temporary home directory: (\S+)/.exec(stdout)?.[1];
  expect(home).toBeDefined();
  await expect(stat(home!)).rejects.toMatchObject({ code: "ENOENT" });
});
