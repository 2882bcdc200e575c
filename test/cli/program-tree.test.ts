/**
 * The command tree: a run of plauth builds the subcommands of only the groups its arguments name (for
 * start-up time), while the top-level help and every other entry point see the whole tree.
 */
import { expect, test } from "@jest/globals";
import type { Command } from "commander";
import { createPlauthProgram } from "../../src/cli/index.js";

const subcommands = (program: Command, group: string) => program.commands.find((c) => c.name() === group)!.commands.map((c) => c.name());
const GROUPS = ["oauth", "legacy", "profile", "jwt"];

test("without arguments every group has its subcommands", () => {
  const { program } = createPlauthProgram({ env: {} });
  for (const group of GROUPS) expect(subcommands(program, group).length).toBeGreaterThan(2);
  expect(subcommands(program, "profile")).toEqual(["list", "create", "edit", "copy", "set", "show"]);
});

test("for `profile list` only the profile group is built; the others are listed with no subcommands", () => {
  const { program } = createPlauthProgram({ env: {} }, ["--auth-profile", "x", "profile", "list"]);
  expect(subcommands(program, "profile")).toEqual(["list", "create", "edit", "copy", "set", "show"]);
  for (const group of ["oauth", "legacy", "jwt"]) expect(subcommands(program, group)).toEqual([]);
  expect(program.commands.map((c) => c.name())).toEqual(expect.arrayContaining([...GROUPS, "version", "login", "reset"]));
});

/** Commands that change state and print no data of their own (or only a dialog). */
const ACTIONS = new Set([
  "login", "oauth login", "oauth refresh", "oauth revoke-access-token", "oauth revoke-refresh-token", "legacy login",
  "profile create", "profile edit", "profile copy", "profile set", "reset",
]);

function leaves(cmd: Command, prefix: string[] = []): Array<{ path: string; cmd: Command }> {
  return cmd.commands.flatMap((c) => {
    const p = [...prefix, c.name()];
    return c.commands.length ? leaves(c, p) : [{ path: p.join(" "), cmd: c }];
  });
}

test("every command that prints data accepts --json (the tree is walked, so a new command cannot forget it)", () => {
  const { program } = createPlauthProgram({ env: {} });
  const all = leaves(program);
  expect(all.length).toBeGreaterThan(30);
  for (const action of ACTIONS) expect(all.map((l) => l.path)).toContain(action);
  const withoutJson = all.filter((l) => !ACTIONS.has(l.path) && !l.cmd.options.some((o) => o.long === "--json")).map((l) => l.path);
  expect(withoutJson).toEqual([]);
});
