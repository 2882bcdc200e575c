/**
 * The editor schemas (schemas/*.schema.json) against the library, on one corpus of configs, valid and
 * invalid, of every built-in client type: whatever the library refuses — when it loads a config
 * (check(), config discovery of a real file) or when it uses one (every key's accessor, then building
 * the client) — an editor using the schemas refuses too. The library's own verdicts stay the Python
 * library's (test/plugins/config-verdicts.test.ts); the editor may be stricter, e.g. it wants the
 * documented type even of a value the library reads as "not set".
 *
 * Not in the corpus, as no JSON Schema can state them (the README says so): that `defaultProfile`
 * names one of `profiles` (a reference between two values), the plain-http rule for server URLs and
 * the cleartext rule for redis:// URLs (a URL parser and the loopback rule), and what needs another
 * file or the environment (a private key file that exists and parses, the variable urlEnv names being set),
 * and the opt-in a file's storage needs from the application or the user (given here).
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { readdirSync, readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ValidateFunction } from "ajv/dist/2020.js";
import { AuthException, createDefaultKernel, loadKernel, type AuthClientConfig, type JsonObject } from "../../src/index.js";
import { createAjv } from "../../src/kernel/config-validation.js";
import { discoveredProfiles } from "../../src/profiles/discovered.js";
import { makeTempDir } from "../support/temp-dir.js";

const SCHEMA_DIR = fileURLToPath(new URL("../../schemas/", import.meta.url));
const ACME_PLUGIN = fileURLToPath(new URL("../fixtures/acme-hmac-plugin/plugin.ts", import.meta.url));
const kernel = createDefaultKernel();

let editorProfile: ValidateFunction;
let editorFile: ValidateFunction;
beforeAll(() => {
  const ajv = createAjv();
  for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.endsWith(".schema.json"))) {
    ajv.addSchema(JSON.parse(readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as JsonObject);
  }
  editorProfile = ajv.getSchema("auth_client.schema.json")!;
  editorFile = ajv.getSchema("planetauth-config.schema.json")!;
});

// ---- the corpus ---------------------------------------------------------------------------------

const AS = "https://login.example.com/";
const oidc = { auth_server: AS, client_id: "abc" };
/** A valid config of every built-in client type, beyond client_type. */
const MINIMAL: Record<string, JsonObject> = {
  oidc_auth_code: { ...oidc, redirect_uri: "http://localhost:8080/cb" },
  oidc_auth_code_secret: { ...oidc, client_secret: "s", local_redirect_uri: "http://127.0.0.1:9000/cb" },
  oidc_auth_code_pubkey: { ...oidc, client_privkey: "PEM", redirect_uri: "http://localhost/cb" },
  oidc_device_code: oidc,
  oidc_device_code_secret: { ...oidc, client_secret: "s" },
  oidc_device_code_pubkey: { ...oidc, client_privkey: "PEM" },
  oidc_resource_owner: { ...oidc, user_name: "u", user_password: "p" },
  oidc_resource_owner_secret: { ...oidc, client_secret: "s" },
  oidc_resource_owner_pubkey: { ...oidc, client_privkey: "PEM" },
  oidc_client_credentials_secret: { ...oidc, client_secret: "s", scopes: ["planet"], audiences: ["https://api.example.com/"] },
  oidc_client_credentials_pubkey: { ...oidc, client_privkey: "PEM" },
  oidc_client_validator: { auth_server: AS },
  planet_legacy: { legacy_auth_endpoint: "https://api.example.com/v0/auth/login" },
  static_apikey: { api_key: "PLAK-k", bearer_token_prefix: "api-key" },
  none: {},
};
/** Values of every JSON type, each tried in every key of every client type. */
const VALUES: unknown[] = [
  "text", "https://issuer.example.com/", " ", "", 0, 42, -1.5, true, false, null, [], ["a"], ["a", "b"], [7], [""], [null], {}, { a: 1 },
];
const MISSPELT_CLIENT_TYPES: unknown[] = ["oidc_auth_cod", "OIDC_DEVICE_CODE", "static-apikey", "acme_hmac", "", " none", 42, null, true, ["none"], {}];

/** The keys the library knows for a client type (from the schema it validates with), client_type aside. */
function knownKeys(clientType: string): string[] {
  return Object.keys(kernel.clientType(clientType).schema.properties as JsonObject).filter((k) => k !== "client_type");
}

interface Case { what: string; profile: unknown }

function profileCorpus(): Case[] {
  const cases: Case[] = [];
  for (const [ct, minimal] of Object.entries(MINIMAL)) {
    const base = { client_type: ct, ...minimal };
    cases.push({ what: `${ct}: minimal`, profile: base });
    cases.push({ what: `${ct}: keys of no built-in meaning`, profile: { ...base, _comment: "c", limits: { "10": 10 }, $schema: "./auth_client.schema.json" } });
    for (const key of Object.keys(minimal)) {
      const without = { ...base } as JsonObject;
      delete without[key];
      cases.push({ what: `${ct}: ${key} absent`, profile: without });
    }
    for (const key of knownKeys(ct)) {
      for (const value of VALUES) cases.push({ what: `${ct}: ${key} = ${JSON.stringify(value)}`, profile: { ...base, [key]: value } });
    }
    // Every known key at once, with one value each: the wrong types of one key must not hide behind another's.
    for (const value of VALUES) {
      cases.push({ what: `${ct}: every key = ${JSON.stringify(value)}`, profile: { ...base, ...Object.fromEntries(knownKeys(ct).map((k) => [k, value])) } });
    }
  }
  for (const clientType of MISSPELT_CLIENT_TYPES) cases.push({ what: `client_type ${JSON.stringify(clientType)}`, profile: { ...oidc, client_type: clientType } });
  cases.push({ what: "no client_type", profile: { api_key: "k" } });
  for (const notAnObject of [null, [], "none", 1]) cases.push({ what: `a profile that is ${JSON.stringify(notAnObject)}`, profile: notAnObject });
  return cases;
}

// ---- the library's verdicts ---------------------------------------------------------------------

const camelCase = (key: string) => key.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
/** Keys read through no accessor of their own: the input aliases, renamed on load. */
const NO_ACCESSOR = new Set(["username", "password"]);

/** Load (the config, check()), then use (every known key's accessor, then the client); the refusal's message, or null. */
async function libraryRefusal(profile: unknown): Promise<string | null> {
  try {
    const config = kernel.configFromDict(copy(profile) as JsonObject);
    config.check();
    for (const key of knownKeys(config.clientType())) {
      if (NO_ACCESSOR.has(key)) continue;
      const accessor = (config as unknown as Record<string, unknown>)[camelCase(key)];
      if (typeof accessor !== "function") throw new Error(`${config.clientType()}: no accessor ${camelCase(key)}() for "${key}"`);
      (accessor as () => unknown).call(config as AuthClientConfig);
    }
    await kernel.clientFromConfig(config);
    return null;
  } catch (err) {
    if (err instanceof AuthException) return err.message;
    throw err;
  }
}

/** A deep copy made in this realm (structuredClone's would come from outside jest's, which deep equality tells apart). */
const copy = (value: unknown): unknown => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)));

function editorErrors(validate: ValidateFunction, data: unknown): string[] | null {
  return validate(copy(data)) ? null : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? e.keyword}`);
}

// ---- the tests ----------------------------------------------------------------------------------

describe("auth_client.json: the editor schema refuses whatever the library refuses at load or at use", () => {
  const corpus = profileCorpus();

  test("the corpus is broad: every client type, every key, every JSON type", () => {
    expect(corpus.length).toBeGreaterThan(4000);
  });

  test("no config the library refuses is accepted by the editor schema; the configs it accepts are well-typed", async () => {
    const acceptedByEditorOnly: string[] = [];
    let refused = 0;
    let accepted = 0;
    for (const { what, profile } of corpus) {
      const refusal = await libraryRefusal(profile);
      const editor = editorErrors(editorProfile, profile);
      if (refusal !== null) {
        refused++;
        if (editor === null) acceptedByEditorOnly.push(`${what}: the library says ${refusal}`);
      } else if (editor === null) accepted++;
    }
    expect(acceptedByEditorOnly).toEqual([]);
    // Both verdicts occur often: neither side refuses (or accepts) everything.
    expect(refused).toBeGreaterThan(1000);
    expect(accepted).toBeGreaterThan(500);
  });

  test("what the issue names: a misspelt client_type, a wrong type, a blank required key", () => {
    expect(editorErrors(editorProfile, { ...oidc, client_type: "oidc_auth_cod" })).toEqual([expect.stringMatching(/^\/client_type must be equal to one of the allowed values/)]);
    expect(editorErrors(editorProfile, { client_type: "oidc_device_code", ...oidc, scopes: "planet offline_access" })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/scopes must be array,null/)]),
    );
    expect(editorErrors(editorProfile, { client_type: "oidc_device_code", ...oidc, auth_server: " " })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^\/auth_server must match pattern/)]),
    );
  });

  test("the configs the Python library writes (test/fixtures/reference-profiles) are accepted by the editor schema", () => {
    const fixtures = fileURLToPath(new URL("../fixtures/reference-profiles/", import.meta.url));
    const profiles = readdirSync(fixtures, { withFileTypes: true }).filter((d) => d.isDirectory());
    expect(profiles).toHaveLength(15);
    for (const dir of profiles) {
      const profile = JSON.parse(readFileSync(path.join(fixtures, dir.name, "auth_client.json"), "utf8")) as unknown;
      expect({ dir: dir.name, errors: editorErrors(editorProfile, profile) }).toEqual({ dir: dir.name, errors: null });
    }
  });
});

describe("planetauth config files: the editor schema refuses whatever config discovery refuses", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await makeTempDir()));
  afterAll(() => cleanup());

  /** Discovery of the file, then every profile used as the library uses it; the refusal's message, or null. */
  async function discoveryRefusal(content: unknown): Promise<string | null> {
    await writeFile(path.join(dir, ".planetauthrc.json"), JSON.stringify(content));
    try {
      // A file's storage needs the application's (or the user's) opt-in, which no file can give itself: given here.
      const loaded = await loadKernel({ searchFrom: dir, stopDir: dir, homeDir: () => dir, env: {}, allowDiscoveredStorage: true });
      for (const profile of Object.values(discoveredProfiles(loaded)?.profiles ?? {})) {
        await loaded.clientFromConfig(loaded.configFromDict(profile));
      }
      return null;
    } catch (err) {
      if (err instanceof AuthException) return err.message;
      throw err;
    }
  }

  const m2m = { client_type: "oidc_client_credentials_secret", ...oidc, client_secret: "s" };
  const REDIS_OPTIONS: JsonObject[] = [
    { url: "redis://127.0.0.1:1" }, { url: "rediss://cache.example.com:6380", prefix: "pa:", leaseMs: 5000, encrypt: false, recipients: [] },
    {}, { url: 5 }, { url: null }, { url: "" }, { url: "http://127.0.0.1:1" }, { url: "127.0.0.1:6379" },
    { urlEnv: "" }, { urlEnv: 5 }, { url: "redis://127.0.0.1:1", bogus: 1 },
    ...["leaseMs", "lockWaitMs", "commandTimeoutMs"].flatMap((k) => [0, -5, 1.5, "100", null, true].map((v) => ({ url: "redis://127.0.0.1:1", [k]: v }))),
    ...["encrypt", "allowCleartext"].flatMap((k) => ["true", 1, null].map((v) => ({ url: "redis://127.0.0.1:1", [k]: v }))),
    ...[null, "age1x", ["x"], [1], "", {}].map((v) => ({ url: "redis://127.0.0.1:1", recipients: v })),
    ...[null, 1, true, ["p"], "a{b}:"].map((v) => ({ url: "redis://127.0.0.1:1", prefix: v })),
    { url: "redis://127.0.0.1:1", cluster: true, nodes: ["127.0.0.1:2"] }, { url: "redis://127.0.0.1:1", sentinel: "m", nodes: ["[::1]:2"] },
    ...[null, "yes", 1].map((v) => ({ url: "redis://127.0.0.1:1", cluster: v })),
    ...[null, "", 1].map((v) => ({ url: "redis://127.0.0.1:1", sentinel: v })),
    ...[null, "127.0.0.1:2", ["127.0.0.1"], [1]].map((v) => ({ url: "redis://127.0.0.1:1", cluster: true, nodes: v })),
    { url: "redis://127.0.0.1:1", nodes: ["127.0.0.1:2"] }, { url: "redis://127.0.0.1:1", cluster: true, sentinel: "m" },
  ];
  const acme = { client_type: "acme_hmac", key_id: "k1", secret: "0123456789abcdef0123" };
  const files: [string, unknown][] = [
    ["a valid file", { $schema: "./node_modules/planet-auth/schemas/planetauth-config.schema.json", defaultProfile: "m2m", profiles: { m2m } }],
    ["an empty file", {}],
    ["a plugin's client type, the plugin named", { plugins: [ACME_PLUGIN], profiles: { acme, m2m } }],
    ["a plugin's client type, no plugin named", { profiles: { acme } }],
    ["a plugin's client type, plugins: []", { plugins: [], profiles: { acme } }],
    ["a built-in profile missing a key, a plugin named", { plugins: [ACME_PLUGIN], profiles: { legacy: { client_type: "planet_legacy" } } }],
    ["unknown top-level key", { profiles: { m2m }, default_profile: "m2m" }],
    ["misspelt profiles", { profile: { m2m } }],
    ["a number at the top level", { profiles: { m2m }, version: 1 }],
    ["plugins: a string", { plugins: ACME_PLUGIN }],
    ["plugins: an empty name", { plugins: [""] }],
    ["plugins: a number", { plugins: [1] }],
    ["profiles: a list", { profiles: [m2m] }],
    ["profiles: a string", { profiles: "m2m" }],
    ["a profile that is a string", { profiles: { m2m: "oidc" } }],
    ["a profile without client_type", { profiles: { m2m: { ...m2m, client_type: undefined } } }],
    ...["", ".hidden", "..", "~me", "a/b", "a\\b", "tab\there", "del\u007f"].map((name): [string, unknown] => [`profile name ${JSON.stringify(name)}`, { profiles: { [name]: m2m } }]),
    ["profile names the library accepts", { profiles: { "a..b": m2m, "M2M-prod_2": m2m, "ünï cödé": m2m } }],
    ["defaultProfile: empty", { profiles: { m2m }, defaultProfile: "" }],
    ["defaultProfile: a number", { profiles: { m2m }, defaultProfile: 1 }],
    ["storage: a string", { storage: "redis" }],
    ["storage without a type", { storage: {} }],
    ["storage: an unknown type", { storage: { type: "nosuch" } }],
    ["storage: an empty type", { storage: { type: "" } }],
    ["storage: a plugin's type, no plugin named", { storage: { type: "acme_vault" } }],
    ...REDIS_OPTIONS.map((options): [string, unknown] => [`redis storage ${JSON.stringify(options)}`, { storage: { type: "redis", ...options } }]),
    ["the file is a list", [m2m]],
    ...profileCorpus().filter((_c, i) => i % 29 === 0).map((c): [string, unknown] => [`profile ${c.what}`, { profiles: { p: c.profile } }]),
  ];

  test("the corpus covers top-level keys, plugins, profiles, defaultProfile and storage, and a sample of the profile corpus", () => {
    expect(files.length).toBeGreaterThan(150);
  });

  test("no file discovery refuses (at load, or when its profiles are used) is accepted by the editor schema", async () => {
    const acceptedByEditorOnly: string[] = [];
    let refused = 0;
    for (const [what, content] of files) {
      const refusal = await discoveryRefusal(content);
      if (refusal === null) continue;
      refused++;
      if (editorErrors(editorFile, content) === null) acceptedByEditorOnly.push(`${what}: discovery says ${refusal}`);
    }
    expect(acceptedByEditorOnly).toEqual([]);
    expect(refused).toBeGreaterThan(60);
  }, 180_000);

  test("the files discovery accepts with well-typed profiles are accepted by the editor schema", async () => {
    const valid = ["a valid file", "an empty file", "a plugin's client type, the plugin named", 'redis storage {"url":"redis://127.0.0.1:1"}'];
    const wellTyped = files.filter(([what]) => valid.includes(what) || what.startsWith('redis storage {"url":"rediss://'));
    expect(wellTyped).toHaveLength(valid.length + 1);
    for (const [what, content] of wellTyped) {
      expect({ what, library: await discoveryRefusal(content) }).toEqual({ what, library: null });
      expect({ what, editor: editorErrors(editorFile, content) }).toEqual({ what, editor: null });
    }
  });
});
