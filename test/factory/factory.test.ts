/**
 * PlanetAuthFactory: which identity a context gets from arguments, environment, ~/.planet.json,
 * discovered configuration and built-in profiles. Environment and home are injected.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  PlanetAuthFactory, ProfileException, builtinPlugins, createKernel, type AuthKernel, type BuiltinProfileSet,
  type Environment, type JsonObject,
} from "../../src/index.js";
import { DISCOVERED_PROFILES } from "../../src/kernel/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { makeTempDir } from "../support/temp-dir.js";

let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => ({ dir: home, cleanup } = await makeTempDir()));
afterEach(() => cleanup());

const M2M: BuiltinProfileSet = {
  profiles: {
    "acme-m2m": { client_type: "oidc_client_credentials_secret", auth_server: "https://auth.acme.test/", audiences: ["https://api.acme.test/"], _hidden: true },
    "acme-user": { client_type: "oidc_device_code", auth_server: "https://auth.acme.test/", client_id: "cli", audiences: ["https://api.acme.test/"] },
  },
  aliases: { "acme": "acme-user" },
  defaultProfileByClientType: { oidc_client_credentials_secret: "acme-m2m" },
  defaultProfile: "acme-user",
};

function kernelWith(env: Environment = {}, plugins = builtinPlugins): AuthKernel {
  return createKernel({ plugins, homeDir: () => home, services: { env } });
}
function factory(env: Environment = {}, builtins: BuiltinProfileSet[] = [M2M]): PlanetAuthFactory {
  return new PlanetAuthFactory({ kernel: kernelWith(env), builtins });
}
async function writeProfile(name: string, config: JsonObject): Promise<void> {
  await mkdir(path.join(home, ".planet", name), { recursive: true });
  await writeFile(path.join(home, ".planet", name, "auth_client.json"), JSON.stringify(config));
}
const staticKey = (key: string) => ({ client_type: "static_apikey", api_key: key, bearer_token_prefix: "Bearer" });
async function writeUserConfig(data: JsonObject): Promise<void> {
  await writeFile(path.join(home, ".planet.json"), JSON.stringify(data));
}
const configOf = (auth: { authClient(): { config(): { data(): JsonObject | null } } }) => auth.authClient().config().data();

describe("precedence", () => {
  beforeEach(async () => {
    await writeProfile("explicit", staticKey("k-explicit"));
    await writeProfile("from-env", staticKey("k-env"));
    await writeProfile("from-file", staticKey("k-file"));
    await writeUserConfig({ PL_AUTH_PROFILE: "from-file" });
  });

  test("an explicit profile beats the environment and the user config", async () => {
    const auth = await factory({ PL_AUTH_PROFILE: "from-env" }).initializeAuthClientContext({ authProfileOpt: "Explicit" });
    expect(auth.profileName()).toBe("explicit");
    expect(auth.tokenFilePath()).toBe(".planet/explicit/token.json");
    expect(auth.resolution).toEqual({ source: "argument-profile", fallback: null });
  });

  test("an explicit profile that cannot be loaded is an error naming the file looked for", async () => {
    const err = await factory().initializeAuthClientContext({ authProfileOpt: "nope" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileException);
    expect((err as ProfileException).filePath).toBe(".planet/nope/auth_client.json");
  });

  test("explicit client id + secret beat an explicit API key; the service-account profile is named after the m2m built-in", async () => {
    const auth = await factory().initializeAuthClientContext({ authClientIdOpt: "Svc1", authClientSecretOpt: "s3", authApiKeyOpt: "k" });
    expect(auth.profileName()).toBe("acme-m2m-Svc1");
    expect(auth.tokenFilePath()).toBe(".planet/acme-m2m-svc1/token.json");
    expect(configOf(auth)).toMatchObject({ client_type: "oidc_client_credentials_secret", client_id: "Svc1", client_secret: "s3" });
    expect(auth.resolution.source).toBe("argument-client-credentials");
  });

  test("an explicit API key gives an in-memory static key context sending `api-key <key>`", async () => {
    const auth = await factory().initializeAuthClientContext({ authApiKeyOpt: "PLAK1" });
    expect(auth.profileName()).toBe("_PL_API_KEY");
    expect(auth.tokenFilePath()).toBeNull();
    const headers: Record<string, string | string[] | undefined> = {};
    await auth.requestAuthenticator().decorate(headers);
    expect(headers.Authorization).toBe("api-key PLAK1");
  });

  test("PL_AUTH_PROFILE in the environment beats ~/.planet.json", async () => {
    const auth = await factory({ PL_AUTH_PROFILE: "from-env" }).initializeAuthClientContext();
    expect(auth.profileName()).toBe("from-env");
    expect(auth.resolution.source).toBe("environment-profile");
  });

  test("~/.planet.json names the profile when the environment does not (empty values count as unset)", async () => {
    const auth = await factory({ PL_AUTH_PROFILE: "" }).initializeAuthClientContext();
    expect(auth.profileName()).toBe("from-file");
    expect(auth.resolution.source).toBe("user-config-profile");
  });

  test("useEnv: false and useConfigfile: false skip those sources", async () => {
    const auth = await factory({ PL_AUTH_PROFILE: "from-env" }).initializeAuthClientContext({ useEnv: false, useConfigfile: false });
    expect(auth.profileName()).toBe("acme-user");
    expect(auth.resolution.source).toBe("builtin-default");
  });
});

describe("fallback from a broken selected profile", () => {
  test("is recorded on the context and logged; strict makes it an error", async () => {
    await writeUserConfig({ PL_API_KEY: "k-file" });
    const f = factory({ PL_AUTH_PROFILE: "missing" });
    const auth = await f.initializeAuthClientContext();
    expect(auth.resolution.source).toBe("api-key");
    expect(auth.resolution.fallback).toMatchObject({ requestedProfile: "missing", selectedBy: "environment" });
    expect(auth.resolution.fallback!.reason).toContain("File: .planet/missing/auth_client.json");
    await expect(f.initializeAuthClientContext({ strict: true })).rejects.toThrow(ProfileException);
  });

  test("down to the built-in default", async () => {
    await writeUserConfig({ PL_AUTH_PROFILE: "gone" });
    const auth = await factory().initializeAuthClientContext();
    expect(auth.profileName()).toBe("acme-user");
    expect(auth.resolution).toMatchObject({ source: "builtin-default", fallback: { requestedProfile: "gone", selectedBy: "user-config" } });
  });
});

describe("service accounts and API keys from the environment and ~/.planet.json", () => {
  test("client id from the environment and secret from the file combine", async () => {
    await writeUserConfig({ PL_AUTH_CLIENT_SECRET: "file-secret" });
    const auth = await factory({ PL_AUTH_CLIENT_ID: "env-id" }).initializeAuthClientContext();
    expect(configOf(auth)).toMatchObject({ client_id: "env-id", client_secret: "file-secret" });
    expect(auth.resolution.source).toBe("client-credentials");
  });

  test("a client id/secret pair with no client-credentials built-in is an error, not a no-op client", async () => {
    const err = await factory({ PL_AUTH_CLIENT_ID: "id", PL_AUTH_CLIENT_SECRET: "secret" }, []).initializeAuthClientContext().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProfileException);
    expect((err as Error).message).toContain("oidc_client_credentials_secret");
    expect((err as Error).message).not.toContain("secret\"");
  });

  test("saveProfileConfig writes the service-account config as its profile", async () => {
    await factory().initializeAuthClientContext({ authClientIdOpt: "svc", authClientSecretOpt: "s", saveProfileConfig: true });
    const saved = JSON.parse(await readFile(path.join(home, ".planet/acme-m2m-svc/auth_client.json"), "utf8"));
    expect(saved).toMatchObject({ client_type: "oidc_client_credentials_secret", client_id: "svc" });
  });

  test("PL_API_KEY from the environment beats the file; the old SDK's `key` is read from the file only", async () => {
    await writeUserConfig({ PL_API_KEY: "file-key", key: "legacy-key" });
    expect(configOf(await factory({ PL_API_KEY: "env-key" }).initializeAuthClientContext())).toMatchObject({ api_key: "env-key" });
    await writeUserConfig({ key: "legacy-key" });
    const auth = await factory({ key: "env-ignored" }).initializeAuthClientContext();
    expect(configOf(auth)).toMatchObject({ api_key: "legacy-key" });
    expect(auth.resolution.source).toBe("user-config-legacy-key");
  });

  test("a namespace prefixes every variable and user-config key", async () => {
    await writeProfile("ns-prof", staticKey("k"));
    const f = factory({ PL_AUTH_PROFILE: "ignored", MYAPP_PL_AUTH_PROFILE: "ns-prof" }, [{ ...M2M, namespace: "myapp" }]);
    expect(f.envName("profile")).toBe("MYAPP_PL_AUTH_PROFILE");
    expect((await f.initializeAuthClientContext()).profileName()).toBe("ns-prof");
  });
});

describe("built-in profiles", () => {
  test("contributed by a plugin; the host application's set overrides it; aliases and hidden profiles", async () => {
    const plugin = definePlugin({ name: "acme-profiles", version: "1.0.0", builtinProfiles: M2M });
    const kernel = kernelWith({}, [...builtinPlugins, plugin]);
    const f = new PlanetAuthFactory({ kernel });
    expect(f.builtins().names()).toEqual(["acme", "acme-user", "none"]);
    expect(f.builtins().names({ includeHidden: true })).toContain("acme-m2m");
    expect((await f.initializeAuthClientContext({ authProfileOpt: "ACME" })).profileName()).toBe("acme-user");
    f.registerBuiltinProfiles({ profiles: { "acme-user": staticKey("host") } });
    expect(configOf(await f.initializeAuthClientContext({ authProfileOpt: "acme-user" }))).toMatchObject({ api_key: "host" });
  });

  test("built-ins shadow an on-disk profile of the same name, whose token file is still used", async () => {
    await writeProfile("acme-user", staticKey("disk"));
    const auth = await factory().initializeAuthClientContext({ authProfileOpt: "acme-user" });
    expect(configOf(auth)).toMatchObject({ client_type: "oidc_device_code" });
    expect(auth.tokenFilePath()).toBe(".planet/acme-user/token.json");
  });

  test("with nothing registered the default is the no-op `none` profile", async () => {
    const auth = await factory({}, []).initializeAuthClientContext();
    expect(auth.profileName()).toBe("none");
    expect(configOf(auth)).toEqual({ client_type: "none" });
  });
});

describe("discovered profiles", () => {
  test("the discovered default comes after the environment and user config, before the built-in default; on-disk profiles win over discovered ones", async () => {
    const kernel = kernelWith({});
    kernel.provide(DISCOVERED_PROFILES, {
      useValue: { filepath: "/project/.planetauthrc.json", profiles: { proj: staticKey("project"), shared: staticKey("project-shared") }, defaultProfile: "proj" },
    });
    await writeProfile("shared", staticKey("user-shared"));
    const f = new PlanetAuthFactory({ kernel, builtins: [M2M] });
    const auth = await f.initializeAuthClientContext();
    expect(auth.resolution.source).toBe("discovered-default");
    expect(configOf(auth)).toMatchObject({ api_key: "project" });
    expect(configOf(await f.initializeAuthClientContext({ authProfileOpt: "shared" }))).toMatchObject({ api_key: "user-shared" });
    await writeUserConfig({ PL_API_KEY: "user-key" });
    expect((await f.initializeAuthClientContext()).resolution.source).toBe("api-key");
  });
});

test("lists on-disk profiles that have a config file", async () => {
  await writeProfile("b", staticKey("k"));
  await writeProfile("a", staticKey("k"));
  await mkdir(path.join(home, ".planet", "empty"), { recursive: true });
  expect(await factory().onDiskProfileNames()).toEqual(["a", "b"]);
});
