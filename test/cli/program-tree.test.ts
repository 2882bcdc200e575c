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
