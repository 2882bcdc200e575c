/**
 * plauth mounted in a host application's commander program, in process: the host supplies the auth
 * context, the kernel, the output streams and the dialogs (scripted here through the prompt seam).
 */
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Command } from "commander";
import { Auth, LIBRARY_VERSION, builtinPlugins, createKernel, type AuthKernel } from "../../src/index.js";
import { createPlauthEmbeddedCommand, type CliIo, type CliPrompts } from "../../src/cli/index.js";
import { makeTempDir } from "../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  kernel = createKernel({ plugins: builtinPlugins, homeDir: () => home, services: { env: {} } });
});
afterEach(() => cleanup());

function capture(): CliIo & { stdout: string; stderr: string } {
  const io = { stdout: "", stderr: "", errIsTty: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

function scriptedPrompts(answers: { select?: string[] }): CliPrompts & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    input: async (m) => (asked.push(m), ""),
    password: async (m) => (asked.push(m), ""),
    confirm: async (m) => (asked.push(m), false),
    select: async <T>(m: string, choices: ReadonlyArray<{ name: string; value: T }>) => {
      asked.push(m);
      const wanted = answers.select?.shift();
      return choices.find((c) => c.name === wanted)!.value;
    },
    close: () => {},
  };
}

async function host(args: string[], prompts: CliPrompts = scriptedPrompts({})) {
  const io = capture();
  const context = () => Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "HOST-KEY", bearer_token_prefix: "api-key" }, { kernel });
  const program = new Command("hostapp").exitOverride();
  program.command("hello").action(() => io.out("hello from the host\n"));
  program.addCommand(createPlauthEmbeddedCommand({ name: "auth", context, kernel, io, prompts, versions: { hostapp: "9.9.9" } }));
  await program.parseAsync(args, { from: "user" });
  return io;
}

test("the host's context is used; version lists the host's package", async () => {
  expect((await host(["auth", "legacy", "print-api-key"])).stdout).toBe("HOST-KEY\n");
  expect((await host(["auth", "version"])).stdout).toBe(`planet-auth : ${LIBRARY_VERSION}\nhostapp : 9.9.9\n`);
  expect((await host(["hello"])).stdout).toBe("hello from the host\n");
});

test("profile set without a name asks through the injected prompt seam", async () => {
  const prompts = scriptedPrompts({ select: ["none"] });
  await host(["auth", "profile", "set"], prompts);
  expect(prompts.asked).toEqual(["Select the default auth profile"]);
  expect(JSON.parse(await readFile(path.join(home, ".planet.json"), "utf8"))).toEqual({ PL_AUTH_PROFILE: "none" });
});

test("the embedded tree has no reset and no root options", async () => {
  const cmd = createPlauthEmbeddedCommand({ context: async () => { throw new Error("unused"); }, kernel });
  expect(cmd.commands.map((c) => c.name()).sort()).toEqual(["jwt", "legacy", "login", "oauth", "profile", "version"]);
  expect(cmd.options).toEqual([]);
});

test("mounted in a host, a kernel a command built is closed when the command ends, success or error; the next command builds its own", async () => {
  const closed: string[] = [];
  let built = 0;
  const ownKernel = async () => {
    const k = createKernel({ plugins: builtinPlugins, homeDir: () => home, services: { env: {} } });
    const n = ++built;
    k.onClose(() => void closed.push(`kernel ${n}`));
    return k;
  };
  const io = capture();
  const context = () => Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "HOST-KEY", bearer_token_prefix: "api-key" }, { kernel });
  const program = new Command("hostapp").exitOverride();
  program.addCommand(createPlauthEmbeddedCommand({ name: "auth", context, kernel: ownKernel, io, prompts: scriptedPrompts({}) }));
  await program.parseAsync(["auth", "profile", "list"], { from: "user" });
  expect(closed).toEqual(["kernel 1"]);
  await expect(program.parseAsync(["auth", "profile", "copy", "no-such-profile", "x"], { from: "user" })).rejects.toThrow();
  expect(closed).toEqual(["kernel 1", "kernel 2"]);
});
