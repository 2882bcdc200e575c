/**
 * One profile resolver: a name defined in several sources (a plugin's built-in set, the user's
 * ~/.planet, the discovered project file) gets the same answer through every entry point — the
 * `Auth` static, `PlanetAuthFactory` and the `plauth` process — and a planted project file never
 * takes over a profile the user already has.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  Auth, PlanetAuthFactory, ProfileException, createKernel, loadKernel, profilesOf, staticKeyPlugin, type AuthKernel, type JsonObject,
} from "../../src/index.js";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "../cli/support/plauth.js";

let home: string;
let project: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir("profiles-home-"));
  project = path.join(home, "cloned-repo");
  await mkdir(project);
  await writeFile(path.join(project, "package.json"), JSON.stringify({ name: "cloned-repo" }));
});
afterEach(() => cleanup());

const key = (apiKey: string): JsonObject => ({ client_type: "static_apikey", api_key: apiKey, bearer_token_prefix: "api-key" });

async function writeUserProfile(name: string, config: JsonObject): Promise<void> {
  await mkdir(path.join(home, ".planet", name), { recursive: true });
  await writeFile(path.join(home, ".planet", name, "auth_client.json"), JSON.stringify(config), { mode: 0o600 });
}

async function writeProjectFile(rc: JsonObject): Promise<void> {
  await writeFile(path.join(project, ".planetauthrc.json"), JSON.stringify(rc));
}

/** A plugin module in the project shipping a built-in profile set. */
async function writeBuiltinsPlugin(profiles: Record<string, JsonObject>): Promise<string> {
  await writeFile(
    path.join(project, "builtins-plugin.mjs"),
    `export default { name: "test-builtins", version: "1.0.0", builtinProfiles: ${JSON.stringify({ profiles })} };\n`,
  );
  return "./builtins-plugin.mjs";
}

const kernel = () => loadKernel({ searchFrom: project, homeDir: () => home, env: {} });
const apiKeyOf = (auth: Auth) => (auth.authClient().config().data() as JsonObject).api_key;

/** The API key `name` resolves to through each entry point. */
async function answers(name: string): Promise<{ auth: unknown; factory: unknown; cli: string }> {
  const auth = apiKeyOf(await Auth.initializeFromProfile(name, { kernel: await kernel() }));
  const factory = apiKeyOf(await new PlanetAuthFactory({ kernel: await kernel() }).initializeAuthClientContext({ authProfileOpt: name }));
  const cli = await plauth(["--auth-profile", name, "legacy", "print-api-key"], { home, cwd: project });
  expect(cli.stderr).toBe("");
  return { auth, factory, cli: cli.stdout.trim() };
}

describe("the same name in several sources", () => {
  test("user's ~/.planet and the discovered file: the user's profile, through Auth, the factory and plauth", async () => {
    await writeUserProfile("work", key("user-key"));
    await writeProjectFile({ profiles: { work: key("project-key") } });
    expect(await answers("work")).toEqual({ auth: "user-key", factory: "user-key", cli: "user-key" });
  });

  test("built-in, ~/.planet and the discovered file: the built-in, through every entry point", async () => {
    await writeUserProfile("acme", key("user-key"));
    await writeProjectFile({ plugins: [await writeBuiltinsPlugin({ acme: key("builtin-key") })], profiles: { acme: key("project-key") } });
    expect(await answers("Acme")).toEqual({ auth: "builtin-key", factory: "builtin-key", cli: "builtin-key" });
  });

  test("a name only the discovered file defines resolves to it everywhere, with its token kept apart", async () => {
    await writeProjectFile({ profiles: { proj: key("project-key") } });
    expect(await answers("proj")).toEqual({ auth: "project-key", factory: "project-key", cli: "project-key" });
    const auth = await Auth.initializeFromProfile("proj", { kernel: await kernel() });
    expect(auth.tokenFilePath()).toMatch(/^\.planet\/\.discovered\/[0-9a-f]{16}\/proj\/token\.json$/);
  });
});

describe("a planted project file", () => {
  test("cannot take over the user's profile, named or selected by ~/.planet.json, nor its default", async () => {
    await writeUserProfile("work", key("user-key"));
    await writeFile(path.join(home, ".planet.json"), JSON.stringify({ PL_AUTH_PROFILE: "work" }));
    await writeProjectFile({ profiles: { work: key("attacker-key"), other: key("attacker-key") }, defaultProfile: "other" });
    expect(await answers("work")).toEqual({ auth: "user-key", factory: "user-key", cli: "user-key" });
    // Selected by ~/.planet.json: the user's choice comes before the file's default.
    expect(apiKeyOf(await Auth.initializeFromProfile(undefined, { kernel: await kernel() }))).toBe("user-key");
    expect(apiKeyOf(await new PlanetAuthFactory({ kernel: await kernel() }).initializeAuthClientContext())).toBe("user-key");
    expect((await plauth(["legacy", "print-api-key"], { home, cwd: project })).stdout).toBe("user-key\n");
  });

  test("lookups of every entry point go through the kernel's one resolver, which lists the shadowed profile", async () => {
    await writeUserProfile("work", key("user-key"));
    await writeProjectFile({ profiles: { work: key("attacker-key") } });
    const k = await kernel();
    expect(await profilesOf(k).list()).toEqual(expect.arrayContaining([
      { name: "work", source: "local", shadowedBy: null },
      { name: "work", source: "discovered", shadowedBy: "local" },
    ]));
    expect((await new PlanetAuthFactory({ kernel: k }).loadAuthClientConfigFromProfile("work")).source).toBe("local");
  });
});

describe("the kernel holds no profile policy", () => {
  let k: AuthKernel;
  beforeEach(() => {
    k = createKernel({ plugins: [staticKeyPlugin], homeDir: () => home, services: { env: {} } });
  });

  test("a kernel with only the static-key plugin knows no `none` profile and has no default", async () => {
    await expect(Auth.initializeFromProfile("none", { kernel: k })).rejects.toThrow(/Auth profile "none" not found/);
    await expect(Auth.initializeFromProfile(undefined, { kernel: k })).rejects.toThrow(ProfileException);
    await expect(Auth.initializeFromProfile(undefined, { kernel: k })).rejects.toThrow(/No auth profile is selected: set PL_AUTH_PROFILE/);
    await writeUserProfile("mine", key("k1"));
    expect(apiKeyOf(await Auth.initializeFromProfile("mine", { kernel: k }))).toBe("k1");
  });

  test("a host's own source is asked after the user's profiles and before the discovered file", async () => {
    const hostKernel = createKernel({ plugins: [staticKeyPlugin], homeDir: () => home, services: { env: {} } });
    profilesOf(hostKernel).registerSource({
      name: "vault",
      async find(name, { kernel: kk }) {
        return name === "svc" ? { name, source: "vault", config: kk.configFromDict(key("vault-key")), tokenFile: ".planet/svc/token.json" } : null;
      },
      async names() {
        return ["svc"];
      },
    });
    expect(apiKeyOf(await Auth.initializeFromProfile("svc", { kernel: hostKernel }))).toBe("vault-key");
    await writeUserProfile("svc", key("user-key"));
    expect(apiKeyOf(await Auth.initializeFromProfile("svc", { kernel: hostKernel }))).toBe("user-key");
    expect(() => profilesOf(hostKernel).registerSource({ name: "local", find: async () => null, names: async () => [] })).toThrow(ProfileException);
  });
});
