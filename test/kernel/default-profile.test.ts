/**
 * Which profile a context uses when none is named, and which profile names are accepted — as the
 * Python library resolves them, with the environment and home directory injected.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  Auth, NoOpAuthClient, ProfileException, builtinPlugins, createKernel, validateProfileName, type AuthKernel, type Environment,
} from "../../src/index.js";
import { DISCOVERED_PROFILES } from "../../src/kernel/index.js";
import { makeTempDir } from "../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: home, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

function kernelWith(env: Environment): AuthKernel {
  return createKernel({ plugins: builtinPlugins, homeDir: () => home, services: { env } });
}

async function writeProfile(name: string, apiKey: string): Promise<void> {
  await mkdir(path.join(home, ".planet", name), { recursive: true });
  await writeFile(path.join(home, ".planet", name, "auth_client.json"), JSON.stringify({ client_type: "static_apikey", api_key: apiKey }));
}

async function writeUserConfig(data: Record<string, unknown>): Promise<void> {
  await writeFile(path.join(home, ".planet.json"), JSON.stringify(data));
}

describe("Auth.initializeFromProfile() with no name", () => {
  beforeEach(async () => {
    await writeProfile("from-env", "k-env");
    await writeProfile("from-file", "k-file");
  });

  test("PL_AUTH_PROFILE in the environment comes first", async () => {
    await writeUserConfig({ PL_AUTH_PROFILE: "from-file" });
    const auth = await Auth.initializeFromProfile(undefined, { kernel: kernelWith({ PL_AUTH_PROFILE: "From-Env" }) });
    expect(auth.profileName()).toBe("from-env");
    expect(auth.tokenFilePath()).toBe(".planet/from-env/token.json");
  });

  test("then PL_AUTH_PROFILE in ~/.planet.json (an empty environment value counts as unset)", async () => {
    await writeUserConfig({ PL_AUTH_PROFILE: "from-file", key: "ignored" });
    const auth = await Auth.initializeFromProfile(undefined, { kernel: kernelWith({ PL_AUTH_PROFILE: "" }) });
    expect(auth.profileName()).toBe("from-file");
  });

  test("then the built-in default: the none profile, without ~/.planet.json", async () => {
    const auth = await Auth.initializeFromProfile(undefined, { kernel: kernelWith({}) });
    expect(auth.profileName()).toBe("none");
    expect(auth.authClient()).toBeInstanceOf(NoOpAuthClient);
    expect(auth.tokenFilePath()).toBe(".planet/none/token.json");
  });

  test("an empty PL_AUTH_PROFILE in ~/.planet.json is skipped too", async () => {
    await writeUserConfig({ PL_AUTH_PROFILE: "" });
    expect((await Auth.initializeFromProfile(undefined, { kernel: kernelWith({}) })).profileName()).toBe("none");
  });

  test("a discovered default profile takes the built-in default's place, after the environment and ~/.planet.json", async () => {
    const kernel = kernelWith({});
    kernel.provide(DISCOVERED_PROFILES, { useValue: { filepath: "/project/.planetauthrc.json", profiles: { app: { client_type: "none" } }, defaultProfile: "app" } });
    expect((await Auth.initializeFromProfile(undefined, { kernel })).profileName()).toBe("app");
    await writeUserConfig({ PL_AUTH_PROFILE: "from-file" });
    expect((await Auth.initializeFromProfile(undefined, { kernel })).profileName()).toBe("from-file");
  });

  test("an unusable selected profile is an error naming it", async () => {
    await expect(Auth.initializeFromProfile(undefined, { kernel: kernelWith({ PL_AUTH_PROFILE: "../escape" }) })).rejects.toThrow(ProfileException);
  });
});

describe("profile names", () => {
  test.each(["a..b", "my.profile", "x~y", "planet-user", "UPPER", "a b"])("%j is accepted (one harmless path component)", (name) => {
    expect(() => validateProfileName(name)).not.toThrow();
  });

  test.each(["", ".", "..", "../x", "a/b", "a\\b", ".hidden", "~", "~user", "a\u0000b", "tab\t", "del\u007f", "/abs"])(
    "%j is rejected (it could reach outside ~/.planet)",
    (name) => {
      expect(() => validateProfileName(name)).toThrow(ProfileException);
    },
  );

  test("a profile named a..b is loaded from ~/.planet/a..b", async () => {
    await writeProfile("a..b", "k");
    const auth = await Auth.initializeFromProfile("a..b", { kernel: kernelWith({}) });
    expect(auth.tokenFilePath()).toBe(".planet/a..b/token.json");
  });
});
