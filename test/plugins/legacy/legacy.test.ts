import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { promises as fs } from "node:fs";
import path from "node:path";
import got from "got";
import nock from "nock";
import {
  Auth, AuthLogger, FileBackedPlanetLegacyApiKey, PlanetLegacyAuthClientException, PlanetLegacyRequestAuthenticator,
  createDefaultKernel, type AuthKernel, type TtyPrompt,
} from "../../../src/index.js";
import { startPlanetApiServer, type PlanetApiServer } from "../../../examples/support/planet-api-server.js";
import { makeTempDir } from "../../support/temp-dir.js";
import { captureLogger } from "../../support/capture-logger.js";

const EMAIL = "ada@example.com";
const PASSWORD = "correct-horse-battery-staple";
const API_KEY = "PLAK-legacy-0123456789";

let api: PlanetApiServer;
let home: string;
let cleanup: () => Promise<void>;
let kernel: AuthKernel;
const tokenFile = ".planet/legacy/token.json";

beforeAll(async () => {
  api = await startPlanetApiServer({ [EMAIL]: { password: PASSWORD, apiKey: API_KEY } });
});
afterAll(async () => {
  nock.restore();
  await api.close();
});
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir());
  kernel = createDefaultKernel({ homeDir: () => home });
});
afterEach(async () => {
  nock.cleanAll();
  await cleanup();
});

function legacyConfig(endpoint = api.loginUrl) {
  return { client_type: "planet_legacy", legacy_auth_endpoint: endpoint };
}

describe("planet_legacy end to end", () => {
  test("login obtains the API key, saves {jwt, key}, and authenticates got and fetch requests", async () => {
    const auth = await Auth.initializeFromConfigDict(legacyConfig(), { kernel, tokenFile, profileName: "legacy" });
    const cred = await auth.login({ username: EMAIL, password: PASSWORD });
    expect(cred).toBeInstanceOf(FileBackedPlanetLegacyApiKey);
    expect(await (cred as FileBackedPlanetLegacyApiKey).legacyApiKey()).toBe(API_KEY);

    const saved = JSON.parse(await fs.readFile(path.join(home, tokenFile), "utf8"));
    expect(Object.keys(saved)).toEqual(["jwt", "key"]);
    expect(saved.key).toBe(API_KEY);
    expect(saved.jwt.split(".")).toHaveLength(3);

    const viaGot = await got.extend(auth.requestAuthenticator().gotHooks()).get(api.echoUrl).json<{ headers: Record<string, string> }>();
    expect(viaGot.headers.authorization).toBe(`api-key ${API_KEY}`);
    const res = await auth.requestAuthenticator().fetch()(api.echoUrl);
    expect(((await res.json()) as { headers: Record<string, string> }).headers.authorization).toBe(`api-key ${API_KEY}`);
    expect(api.logins).toContain(EMAIL);
  });

  test("a new context reuses the saved key without logging in again", async () => {
    const first = await Auth.initializeFromConfigDict(legacyConfig(), { kernel, tokenFile });
    await first.login({ username: EMAIL, password: PASSWORD });
    const loginsBefore = api.logins.length;
    const second = await Auth.initializeFromConfigDict(legacyConfig(), { kernel, tokenFile });
    expect(await second.requestAuthenticatorIsReady()).toBe(true);
    await second.ensureRequestAuthenticatorIsReady();
    expect((await second.requestAuthenticator().authorizationHeaders()).Authorization).toBe(`api-key ${API_KEY}`);
    expect(api.logins.length).toBe(loginsBefore);
  });

  test("a key in the config is used from memory and the token file is ignored", async () => {
    const auth = await Auth.initializeFromConfigDict({ ...legacyConfig(), api_key: "from-config" }, { kernel, tokenFile });
    expect((await auth.requestAuthenticator().authorizationHeaders()).Authorization).toBe("api-key from-config");
    expect(await fs.readdir(home)).toEqual([]);
  });

  test("username and password are prompted for through the TTY seam when allowed", async () => {
    const asked: Array<[string, boolean]> = [];
    const prompt: TtyPrompt = {
      prompt: async (question, options) => {
        asked.push([question, Boolean(options?.hidden)]);
        return question.startsWith("Email") ? EMAIL : PASSWORD;
      },
    };
    const k = createDefaultKernel({ homeDir: () => home, services: { prompt } });
    const auth = await Auth.initializeFromConfigDict(legacyConfig(), { kernel: k, tokenFile });
    await auth.login({ allowTtyPrompt: true });
    expect(asked).toEqual([["Email: ", false], ["Password: ", true]]);
  });

  test("without credentials or a prompt, login fails clearly and sends nothing", async () => {
    const auth = await Auth.initializeFromConfigDict(legacyConfig(), { kernel, tokenFile });
    const before = api.logins.length;
    await expect(auth.login()).rejects.toThrow(/username is required.*prompting is not allowed/);
    await expect(auth.login({ username: EMAIL })).rejects.toThrow(/password is required/);
    expect(api.logins.length).toBe(before);
  });

  test("a rejected login is an exception naming the status, never the password", async () => {
    const auth = await Auth.initializeFromConfigDict(legacyConfig(), { kernel, tokenFile });
    const err = await auth.login({ username: EMAIL, password: "wrong-password-xyz" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanetLegacyAuthClientException);
    expect((err as Error).message).toMatch(/HTTP error from endpoint at .*login: 401/);
    expect((err as Error).message).not.toContain("wrong-password-xyz");
    expect(await fs.readdir(home)).toEqual([]);
  });

  test.each([
    ["a non-JWT token (gap P10)", { "content-type": "application/json" }, JSON.stringify({ token: "not-a-jwt" }), /is not a JWT/],
    ["no token field", { "content-type": "application/json" }, JSON.stringify({ other: 1 }), /has no token field/],
    ["an empty JSON object", { "content-type": "application/json" }, "{}", /Empty JSON response/],
    ["a non-JSON body", { "content-type": "text/html" }, "<html></html>", /Expected a JSON response.*text\/html/],
    [
      "a JWT without api_key",
      { "content-type": "application/json" },
      JSON.stringify({ token: `${Buffer.from('{"alg":"HS256"}').toString("base64url")}.${Buffer.from('{"sub":"x"}').toString("base64url")}.c2ln` }),
      /has no api_key claim/,
    ],
  ])("an exotic server response (%s) is a PlanetLegacyAuthClientException", async (_what, headers, body, message) => {
    nock("https://legacy.test").post("/login").reply(200, body, headers);
    const auth = await Auth.initializeFromConfigDict(legacyConfig("https://legacy.test/login"), { kernel, tokenFile });
    const err = await auth.login({ username: EMAIL, password: PASSWORD }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PlanetLegacyAuthClientException);
    expect((err as Error).message).toMatch(message);
  });

  test("debug logging of a whole login and request shows no password, key or token", async () => {
    const host = captureLogger();
    const k = createDefaultKernel({ homeDir: () => home, services: { logger: new AuthLogger(host) } });
    const auth = await Auth.initializeFromConfigDict(legacyConfig(), { kernel: k, tokenFile });
    await auth.login({ username: EMAIL, password: PASSWORD });
    await auth.requestAuthenticator().authorizationHeaders();
    await auth.login({ username: EMAIL, password: "bad-password-123" }).catch(() => undefined);
    const saved = JSON.parse(await fs.readFile(path.join(home, tokenFile), "utf8"));
    expect(host.lines.length).toBeGreaterThan(0);
    for (const secret of [PASSWORD, "bad-password-123", API_KEY, saved.jwt]) expect(host.text()).not.toContain(secret);
  });

  test("the authenticator rejects credentials of another class", () => {
    const authenticator = new PlanetLegacyRequestAuthenticator(null);
    expect(() => authenticator.updateCredential({} as FileBackedPlanetLegacyApiKey)).toThrow(TypeError);
  });
});
