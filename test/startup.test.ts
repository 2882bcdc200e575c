/**
 * Start-up: importing the package loads none of its heavy dependencies, and neither does the first
 * request decorated with a static key — from the sources and from the bundled dist/ (whose chunks must
 * keep every lazy load lazy). A child process imports the main entry with module-resolution
 * hooks that record every ES module it resolves, and lists the CommonJS modules it required.
 */
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "./support/temp-dir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const recorder = path.join(root, "test/integrations/support/record-imports.mjs");

/** Dependencies that must wait until a feature needs them (tsyringe: until a kernel's container is asked for). */
const HEAVY = ["ajv", "jose", "got", "age-encryption", "yaml", "cosmiconfig", "open", "proper-lockfile"];
const DI = ["tsyringe", "reflect-metadata"];
/** Node's own modules that only some features need: the login callback's HTTP server, terminal dialogs, cryptography. */
const FEATURE_BUILTINS = ["node:http", "node:readline", "node:crypto"];

/** Runs the steps in a fresh process; returns the packages loaded by the end of each step. */
async function packagesLoadedAfter(steps: Record<string, string>, { typescript }: { typescript: boolean }): Promise<Record<string, string[]>> {
  const tmp = await makeTempDir();
  try {
    const log = path.join(tmp.dir, "loaded.txt");
    const lines = [
      `import { appendFileSync } from "node:fs";`,
      `import { createRequire } from "node:module";`,
      `const required = createRequire(import.meta.url).cache;`,
      // node:crypto is also taken with process.getBuiltinModule, which no resolve hook sees: ask Node.
      `const crypto = () => (process.moduleLoadList.includes("NativeModule crypto") ? "node:crypto\\n" : "");`,
      `const mark = (step) => appendFileSync(${JSON.stringify(log)}, Object.keys(required).map((f) => "cjs:" + f + "\\n").join("") + crypto() + "=== " + step + "\\n");`,
      `const tmp = ${JSON.stringify(tmp.dir)};`,
      ...Object.entries(steps).flatMap(([name, code]) => [code, `mark(${JSON.stringify(name)});`]),
    ];
    const script = path.join(tmp.dir, "steps.mjs");
    await writeFile(script, lines.join("\n"));
    await promisify(execFile)(process.execPath, [...(typescript ? ["--import", "tsx"] : []), "--import", pathToFileURL(recorder).href, script], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: "", RECORD_IMPORTS_TO: log },
      timeout: 60_000,
    });
    const result: Record<string, string[]> = {};
    let seen = new Set<string>();
    for (const line of (await readFile(log, "utf8")).split("\n")) {
      const step = /^=== (.*)$/.exec(line)?.[1];
      if (step) {
        result[step] = [...seen].sort();
        continue;
      }
      // ajv's tiny runtime helpers (e.g. ucs2length) are what compiled validators call; ajv proper is not.
      if (line.includes("/node_modules/ajv/dist/runtime/")) continue;
      // A module of the bundled dist/ is a chunk: the source modules it holds are named in its comments (`// plugins/oidc/client.js`).
      if (line.startsWith("file:") && !line.includes("/node_modules/") && line.endsWith(".js") && !line.includes("/src/")) {
        const bundled = [...readFileSync(fileURLToPath(line), "utf8").matchAll(/^\/\/ ([\w./-]+\.js)$/gm)].map((m) => `dist:${m[1]}`);
        seen = new Set([...seen, ...bundled]);
        continue;
      }
      const pkg = line.startsWith("node:") ? line : /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line)?.[1];
      if (pkg) seen = new Set([...seen, pkg]);
    }
    return result;
  } finally {
    await tmp.cleanup();
  }
}

const only = (loaded: string[], names: string[]) => loaded.filter((p) => names.includes(p));

test.each(["src/index.ts", "dist/index.js"])("importing the package (%s) loads no heavy dependency and no DI container; the first static-key request decorates synchronously without them, and a kernel for a directory without a config file loads no config loader and no container until asked for one", async (entry) => {
  const main = pathToFileURL(path.join(root, entry)).href;
  const pluginKit = pathToFileURL(path.join(root, entry.replace("index", "plugin-kit"))).href;
  const loaded = await packagesLoadedAfter({
    import: `const { Auth } = await import(${JSON.stringify(main)});`,
    firstRequest: [
      `const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "PLAK-k", bearer_token_prefix: "api-key" });`,
      `const headers = {};`,
      `if (auth.requestAuthenticator().decorate(headers) !== undefined) throw new Error("not synchronous");`,
      `if (headers.Authorization !== "api-key PLAK-k") throw new Error("no header");`,
    ].join("\n"),
    // Config discovery that finds no config file loads no config loader (cosmiconfig).
    kernelWithoutConfig: `await (await import(${JSON.stringify(main)})).loadKernel({ searchFrom: tmp, stopDir: tmp, homeDir: () => tmp });`,
    // Controls: features that need a heavy dependency do load it, and the recorder sees it.
    containerControl: `(await (await import(${JSON.stringify(main)})).loadKernel({ searchFrom: tmp, stopDir: tmp, homeDir: () => tmp })).container;`,
    cryptoControl: `process.getBuiltinModule("node:crypto");`,
    thirdPartySchema: [
      `const { createKernel, AuthClient, AuthClientConfig } = await import(${JSON.stringify(main)});`,
      `const { definePlugin } = await import(${JSON.stringify(pluginKit)});`,
      `class Config extends AuthClientConfig { static clientType = "custom"; }`,
      `const kernel = createKernel({ plugins: [definePlugin({ name: "custom", version: "1.0.0", clientTypes: [{ clientType: "custom", configClass: Config, clientClass: AuthClient,`,
      `  schema: { $id: "urn:test:custom", type: "object", properties: { n: { type: "integer" } } }, meta: { displayName: "Custom", description: "" } }] })] });`,
      `kernel.validateConfigData("custom", { client_type: "custom", n: 1 });`,
    ].join("\n"),
    sopsConfig: [
      `const { creationRuleFor } = await import(${JSON.stringify(pluginKit)});`,
      `appendFileSync(tmp + "/.sops.yaml", "creation_rules: []\\n");`,
      `await creationRuleFor(tmp + "/.sops.yaml", tmp + "/a.sops.json");`,
    ].join("\n"),
    kernelWithConfig: [
      `appendFileSync(tmp + "/.planetauthrc.json", JSON.stringify({ profiles: { p: { client_type: "none" } } }));`,
      `await (await import(${JSON.stringify(main)})).loadKernel({ searchFrom: tmp, stopDir: tmp, homeDir: () => tmp });`,
    ].join("\n"),
  }, { typescript: entry.endsWith(".ts") });
  // tsx, which runs the TypeScript sources, loads node:crypto itself: that one is checked on dist/ only.
  const builtins = entry.endsWith(".ts") ? FEATURE_BUILTINS.filter((b) => b !== "node:crypto") : FEATURE_BUILTINS;
  expect(only(loaded.import!, [...HEAVY, ...DI])).toEqual([]);
  expect(only(loaded.firstRequest!, HEAVY)).toEqual([]);
  // A kernel resolves its own services without tsyringe: its container is made when first asked for.
  expect(only(loaded.firstRequest!, DI)).toEqual([]);
  expect(only(loaded.kernelWithoutConfig!, [...HEAVY, ...DI])).toEqual([]);
  // Asked for, it is tsyringe's container module only: no reflect-metadata polyfill, no decorators.
  expect(only(loaded.containerControl!, DI)).toEqual(["tsyringe"]);
  expect(only(loaded.import!, builtins)).toEqual([]);
  expect(only(loaded.firstRequest!, builtins)).toEqual([]);
  expect(only(loaded.kernelWithoutConfig!, builtins)).toEqual([]);
  expect(loaded.cryptoControl).toContain("node:crypto");
  expect(loaded.import).toContain("node:fs"); // the recorder sees Node's modules
  expect(only(loaded.thirdPartySchema!, HEAVY)).toEqual(["ajv"]);
  expect(only(loaded.sopsConfig!, HEAVY)).toEqual(["ajv", "yaml"]);
  expect(only(loaded.kernelWithConfig!, HEAVY)).toEqual(["ajv", "cosmiconfig", "yaml"]);
});

test("plauth profile list (dist) in a home with a SOPS profile decrypts nothing: no age-encryption, no oidc-provider, no dialogs, no OIDC protocol code; --long decrypts; a login loads the protocol code", async () => {
  const { generateIdentity, identityToRecipient } = await import("age-encryption");
  const { plauth } = await import("./cli/support/plauth.js");
  const home = await makeTempDir("plauth-startup-home-");
  try {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    const made = await plauth(["profile", "create", "vault", "--sops", "--client-type", "static_apikey", "--set", "bearer_token_prefix=api-key"], { home: home.dir, env, input: "PLAK-secret\n" });
    expect(made.code).toBe(0);
    const cli = pathToFileURL(path.join(root, "dist/cli/index.js")).href;
    // Each step in its own block: the steps share one module scope.
    const list = (args: string[]) => [
      `{`,
      `const { runPlauth } = await import(${JSON.stringify(cli)});`,
      `const out = [];`,
      `Object.assign(process.env, ${JSON.stringify({ ...env, HOME: home.dir })});`,
      `const code = await runPlauth(${JSON.stringify(args)}, { env: ${JSON.stringify({ ...env, HOME: home.dir })}, io: { out: (t) => out.push(t), err: (t) => out.push(t), errIsTty: false } });`,
      `if (code !== 0 || !out.join("").includes("vault")) throw new Error("profile list failed: " + out.join(""));`,
      `}`,
    ].join("\n");
    // An OIDC profile whose auth server is a closed loopback port: listed without its client's code; a login loads it (and fails).
    await mkdir(path.join(home.dir, ".planet/svc"), { recursive: true });
    await writeFile(path.join(home.dir, ".planet/svc/auth_client.json"), JSON.stringify({
      client_type: "oidc_client_credentials_secret", auth_server: "http://127.0.0.1:1", token_endpoint: "http://127.0.0.1:1/token", client_id: "c", client_secret: "s",
    }));
    const login = [
      `{`,
      `const { runPlauth } = await import(${JSON.stringify(cli)});`,
      `const code = await runPlauth(["login", "--auth-profile", "svc", "-n"], { env: ${JSON.stringify({ ...env, HOME: home.dir })}, io: { out: () => {}, err: () => {}, errIsTty: false } });`,
      `if (code === 0) throw new Error("a login against a closed port succeeded");`,
      `}`,
    ].join("\n");
    const loaded = await packagesLoadedAfter({ list: list(["profile", "list"]), long: list(["profile", "list", "--long"]), login }, { typescript: false });
    const LAZY = ["age-encryption", "oidc-provider", "@inquirer/prompts", "jose", "got", "open"];
    expect(only(loaded.list!, LAZY)).toEqual([]);
    expect(only(loaded.long!, LAZY)).toEqual(["age-encryption"]); // the control: --long needs the contents
    // The SOPS codec loads with the first SOPS file read, not to list one.
    expect(only(loaded.list!, ["dist:plugins/storage-sops/sops-codec.js"])).toEqual([]);
    expect(loaded.long).toContain("dist:plugins/storage-sops/sops-codec.js");
    // The OIDC plugin's protocol code (client, flows, endpoint clients, validation) loads with the first OIDC client, not to list profiles.
    const PROTOCOL = ["client.js", "flows.js", "authenticators.js", "api/token.js", "api/discovery.js", "validation/token-validator.js"].map((m) => `dist:plugins/oidc/${m}`);
    expect(loaded.list).toContain("dist:plugins/oidc/client-types.js"); // the recorder sees the bundle's modules
    expect(only(loaded.long!, PROTOCOL)).toEqual([]);
    expect(only(loaded.login!, PROTOCOL)).toEqual(PROTOCOL.sort());
  } finally {
    await home.cleanup();
  }
});
