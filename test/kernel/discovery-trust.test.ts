import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ConfigDiscoveryException, FileTooLargeException, PluginException, UntrustedFileException, discoverConfig, loadKernel,
} from "../../src/index.js";
import { discoveredProfiles } from "../../src/profiles/index.js";
import { makeTempDir } from "../support/temp-dir.js";

const PLUGIN_PATH = fileURLToPath(new URL("../fixtures/acme-hmac-plugin/plugin.ts", import.meta.url));
const NOBODY = 65534;

let root: string;
let home: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  home = path.join(root, "home");
  await fs.mkdir(home);
});
afterEach(() => cleanup());

/** A plugin module that, when imported, writes `marker` — proof that it ran. */
async function plantPlugin(dir: string, marker: string): Promise<string> {
  const file = path.join(dir, "evil-plugin.mjs");
  await fs.writeFile(
    file,
    `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\n` +
      `export default { name: "evil", version: "1.0.0", clientTypes: [] };\n`,
  );
  await fs.chmod(file, 0o644);
  return file;
}

async function writeRc(dir: string, content: unknown, mode = 0o644, name = ".planetauthrc.json"): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, typeof content === "string" ? content : JSON.stringify(content));
  await fs.chmod(file, mode);
  return file;
}

describe("config discovery scope", () => {
  test("an rc file with a code plugin above the project's package.json is neither loaded nor run", async () => {
    const marker = path.join(root, "marker");
    await plantPlugin(root, marker);
    await writeRc(root, { plugins: ["./evil-plugin.mjs"], profiles: { work: { client_type: "none" } } });
    const project = path.join(root, "project");
    await fs.mkdir(path.join(project, "src"), { recursive: true });
    await fs.writeFile(path.join(project, "package.json"), JSON.stringify({ name: "app" }));

    const kernel = await loadKernel({ searchFrom: path.join(project, "src"), homeDir: () => home, env: {} });
    expect(discoveredProfiles(kernel)).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });

  test("without a package.json above, only the start directory is searched: a parent's rc file is not run", async () => {
    const marker = path.join(root, "marker");
    await plantPlugin(root, marker);
    await writeRc(root, { plugins: ["./evil-plugin.mjs"], profiles: { work: { client_type: "none" } } });
    const cwd = path.join(root, "a", "b");
    await fs.mkdir(cwd, { recursive: true });

    const kernel = await loadKernel({ searchFrom: cwd, homeDir: () => home, env: {} });
    expect(discoveredProfiles(kernel)).toBeUndefined();
    expect(existsSync(marker)).toBe(false);
  });

  test("the project root's rc file is found from a subdirectory", async () => {
    await fs.writeFile(path.join(root, "package.json"), "{}");
    await writeRc(root, { profiles: { here: { client_type: "none" } } });
    const cwd = path.join(root, "a", "b");
    await fs.mkdir(cwd, { recursive: true });
    expect((await discoverConfig({ searchFrom: cwd, homeDir: () => home, env: {} }))?.filepath).toBe(path.join(root, ".planetauthrc.json"));
  });

  test("the user's config directory: $XDG_CONFIG_HOME/planetauth, else ~/.config/planetauth, when the project has none", async () => {
    const project = path.join(root, "project");
    await fs.mkdir(project);
    const dotConfig = path.join(home, ".config", "planetauth");
    await fs.mkdir(dotConfig, { recursive: true });
    await writeRc(dotConfig, { profiles: { mine: { client_type: "none" } } }, 0o600, "config.json");
    expect((await discoverConfig({ searchFrom: project, homeDir: () => home, env: {} }))?.filepath).toBe(path.join(dotConfig, "config.json"));

    const xdg = path.join(root, "xdg", "planetauth");
    await fs.mkdir(xdg, { recursive: true });
    await writeRc(xdg, "profiles:\n  xdg:\n    client_type: none\n", 0o600, "config.yaml");
    const found = await discoverConfig({ searchFrom: project, homeDir: () => home, env: { XDG_CONFIG_HOME: path.join(root, "xdg") } });
    expect(found?.filepath).toBe(path.join(xdg, "config.yaml"));
    expect(Object.keys(found!.profiles)).toEqual(["xdg"]);

    // A project config wins over the user's.
    await writeRc(project, { profiles: { proj: { client_type: "none" } } });
    expect((await discoverConfig({ searchFrom: project, homeDir: () => home, env: {} }))?.filepath).toBe(path.join(project, ".planetauthrc.json"));
  });
});

describe("config files that run code", () => {
  test("a user-owned 0644 rc file with a plugin is honoured (the plugin runs)", async () => {
    const marker = path.join(root, "marker");
    await plantPlugin(root, marker);
    await writeRc(root, { plugins: ["./evil-plugin.mjs"] });
    const kernel = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} });
    expect(kernel.plugins().map((p) => p.name)).toContain("evil");
    expect(existsSync(marker)).toBe(true);
  });

  test.each([
    ["group-writable", async (f: string) => fs.chmod(f, 0o664), /writable by group or others \(mode 0664\)/],
    ["world-writable", async (f: string) => fs.chmod(f, 0o646), /writable by group or others \(mode 0646\)/],
    ["owned by another user", async (f: string) => fs.chown(f, NOBODY, NOBODY), new RegExp(`owned by uid ${NOBODY}`)],
  ])("an rc file with plugins that is %s is refused, naming the file and the rule; the plugin never runs", async (_what, spoil, reason) => {
    const marker = path.join(root, "marker");
    await plantPlugin(root, marker);
    const rc = await writeRc(root, { plugins: ["./evil-plugin.mjs"] });
    await spoil(rc);
    const err = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toContain(rc);
    expect((err as Error).message).toMatch(/must be owned by you and writable by nobody else/);
    expect(existsSync(marker)).toBe(false);
  });

  test("a plugin module file that others can write, or that another user owns, is refused and not imported", async () => {
    const marker = path.join(root, "marker");
    const plugin = await plantPlugin(root, marker);
    await writeRc(root, { plugins: ["./evil-plugin.mjs"] });
    await fs.chmod(plugin, 0o666);
    const writable = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(writable).toBeInstanceOf(UntrustedFileException);
    expect((writable as Error).message).toContain(plugin);
    await fs.chmod(plugin, 0o644);
    await fs.chown(plugin, NOBODY, NOBODY);
    const foreign = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(UntrustedFileException);
    expect(existsSync(marker)).toBe(false);
  });

  test("a JS config owned by another user is refused before it runs; so is a data-only rc file another user owns or can write", async () => {
    const marker = path.join(root, "marker");
    const js = await writeRc(
      root,
      `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default { profiles: {} };\n`,
      0o644,
      "planetauth.config.mjs",
    );
    await fs.chown(js, NOBODY, NOBODY);
    await expect(discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} })).rejects.toThrow(UntrustedFileException);
    expect(existsSync(marker)).toBe(false);

    await fs.rm(js);
    // Data alone chooses credentials and endpoints (profiles, defaultProfile, storage): the same rule.
    const rc = await writeRc(root, { profiles: { shared: { client_type: "static_apikey", api_key: "PLANTED" } }, defaultProfile: "shared" });
    await fs.chown(rc, NOBODY, NOBODY);
    const foreign = await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(UntrustedFileException);
    expect((foreign as Error).message).toMatch(/configures planet-auth .*owned by uid 65534/);
    await fs.chown(rc, 0, 0);
    await fs.chmod(rc, 0o666);
    await expect(discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} })).rejects.toThrow(/writable by group or others \(mode 0666\)/);
    await fs.chmod(rc, 0o644);
    expect((await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }))?.profiles).toHaveProperty("shared");
  });

  test("package plugins resolve from the config file's directory and are checked like paths", async () => {
    const pkg = path.join(root, "node_modules", "acme-plugin");
    await fs.mkdir(pkg, { recursive: true });
    await fs.writeFile(path.join(pkg, "package.json"), JSON.stringify({ name: "acme-plugin", main: "index.mjs" }));
    await fs.writeFile(path.join(pkg, "index.mjs"), `export { plugin } from ${JSON.stringify(PLUGIN_PATH)};\n`);
    await fs.chmod(path.join(pkg, "index.mjs"), 0o664);
    await writeRc(root, { plugins: ["acme-plugin"] });
    const err = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toContain(path.join(pkg, "index.mjs"));
    await fs.chmod(path.join(pkg, "index.mjs"), 0o644);
    const kernel = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} });
    expect(kernel.clientType("acme_hmac").plugin).toBe("acme-hmac");

    await writeRc(root, { plugins: ["no-such-plugin-package"] });
    await expect(loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} })).rejects.toThrow(PluginException);
  });
});

describe("discovered config shape and size", () => {
  test.each([
    [{ plugin: ["x"] }, /Unknown key "plugin"/],
    [{ profile: { a: { client_type: "none" } } }, /Unknown key "profile"/],
    [{ profiles: {}, default_profile: "a", extra: 1 }, /Unknown keys "default_profile", "extra"/],
  ])("a misspelled top-level key is an error naming the file and the known keys (%j)", async (content, reason) => {
    const rc = await writeRc(root, content);
    const err = await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigDiscoveryException);
    expect((err as Error).message).toMatch(reason);
    expect((err as Error).message).toMatch(/known keys: plugins, profiles, defaultProfile/);
    expect((err as Error).message).toContain(rc);
  });

  test("a config file larger than the read limit fails with its path and is left untouched", async () => {
    const content = JSON.stringify({ profiles: { p: { client_type: "none", padding: "x".repeat(500) } } });
    const rc = await writeRc(root, content);
    const err = await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {}, maxFileBytes: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FileTooLargeException);
    expect((err as Error).message).toContain(rc);
    expect((err as Error).message).toMatch(/limit of 200 bytes/);
    expect(await fs.readFile(rc, "utf8")).toBe(content);
    expect((await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }))?.filepath).toBe(rc);
  });
});

describe("file trust cannot be raced", () => {
  test("a config file that is a symbolic link is refused, even to a file root owns: it is opened without following links", async () => {
    const real = await writeRc(root, { profiles: { linked: { client_type: "none" } } }, 0o644, "real-config.json");
    await fs.symlink(real, path.join(root, ".planetauthrc.json"));
    const err = await discoverConfig({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toMatch(/without following links/);
    expect((err as UntrustedFileException).filePath).toBe(path.join(root, ".planetauthrc.json"));
  });

  test("a JS config in a group-writable project directory is refused and never runs: another member could swap it (StrictModes)", async () => {
    const marker = path.join(root, "marker");
    const project = path.join(root, "project");
    await fs.mkdir(project);
    await fs.writeFile(path.join(project, "package.json"), "{}");
    await writeRc(project, `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default {};\n`, 0o644, ".planetauthrc.mjs");
    await fs.chmod(project, 0o775);
    const err = await discoverConfig({ searchFrom: project, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toContain(`the directory ${project} is writable by group or others (mode 0775), so someone else could replace the file`);
    expect(existsSync(marker)).toBe(false);
    await fs.chmod(project, 0o755);
    await discoverConfig({ searchFrom: project, homeDir: () => home, env: {} });
    expect(existsSync(marker)).toBe(true);
  });

  test("every directory up to / counts: one above the project root that others can write, or that another user owns, is refused; a sticky one (like /tmp) is not", async () => {
    const shared = path.join(root, "shared");
    const project = path.join(shared, "project");
    await fs.mkdir(project, { recursive: true });
    await fs.writeFile(path.join(project, "package.json"), "{}");
    await writeRc(project, { profiles: { p: { client_type: "none" } } });
    const discover = () => discoverConfig({ searchFrom: project, homeDir: () => home, env: {} });
    await fs.chmod(shared, 0o777);
    await expect(discover()).rejects.toThrow(`the directory ${shared} is writable by group or others (mode 0777)`);
    await fs.chmod(shared, 0o1777);
    expect((await discover())?.filepath).toBe(path.join(project, ".planetauthrc.json"));
    await fs.chmod(shared, 0o755);
    await fs.chown(shared, NOBODY, NOBODY);
    await expect(discover()).rejects.toThrow(`the directory ${shared} is owned by uid ${NOBODY}`);
  });

  test("the user's config directory is held to the same rule", async () => {
    const dir = path.join(home, ".config", "planetauth");
    await fs.mkdir(dir, { recursive: true });
    await writeRc(dir, { profiles: { mine: { client_type: "none" } } }, 0o600, "config.json");
    await fs.chmod(dir, 0o770);
    const cwd = path.join(root, "elsewhere");
    await fs.mkdir(cwd);
    await expect(discoverConfig({ searchFrom: cwd, homeDir: () => home, env: {} })).rejects.toThrow(UntrustedFileException);
  });
});

describe("a planted package.json does not move the project root", () => {
  test("another user's package.json and config in a shared sticky directory are not used from a subdirectory", async () => {
    const shared = path.join(root, "shared");
    await fs.mkdir(shared, { mode: 0o1777 });
    await fs.chmod(shared, 0o1777);
    for (const [name, content] of [["package.json", "{}"], [".planetauthrc.json", JSON.stringify({ profiles: { planted: { client_type: "static_apikey", api_key: "PLANTED" } }, defaultProfile: "planted" })]]) {
      await fs.writeFile(path.join(shared, name!), content!);
      await fs.chown(path.join(shared, name!), NOBODY, NOBODY);
    }
    const cwd = path.join(shared, "mine", "sub");
    await fs.mkdir(cwd, { recursive: true });
    const kernel = await loadKernel({ searchFrom: cwd, homeDir: () => home, env: {} });
    expect(discoveredProfiles(kernel)).toBeUndefined();
    // Started in the shared directory itself, the planted config is found and refused.
    await expect(loadKernel({ searchFrom: shared, homeDir: () => home, env: {} })).rejects.toThrow(UntrustedFileException);
  });

  test("a package.json with a planetauth key is a config file like the others; one without is only read", async () => {
    const pkg = path.join(root, "package.json");
    await fs.writeFile(pkg, JSON.stringify({ name: "app", planetauth: { profiles: { p: { client_type: "none" } } } }));
    await fs.chmod(pkg, 0o664);
    await expect(discoverConfig({ searchFrom: root, homeDir: () => home, env: {} })).rejects.toThrow(/configures planet-auth.*mode 0664/);
    await fs.writeFile(pkg, JSON.stringify({ name: "app" }));
    expect(await discoverConfig({ searchFrom: root, homeDir: () => home, env: {} })).toBeNull();
  });
});

describe("what a plugin module imports", () => {
  async function pluginWithHelper(dir: string, marker: string): Promise<{ plugin: string; helper: string }> {
    const helper = path.join(dir, "lib", "helper.mjs");
    await fs.mkdir(path.dirname(helper), { recursive: true });
    await fs.writeFile(helper, `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport const name = "helped";\n`);
    const plugin = path.join(dir, "helped-plugin.mjs");
    await fs.writeFile(plugin, `import { name } from "./lib/helper.mjs";\nexport default { name, version: "1.0.0", clientTypes: [] };\n`);
    return { plugin, helper };
  }

  test("a file the plugin imports by relative path that another user owns or others can write is refused; nothing runs", async () => {
    const marker = path.join(root, "marker");
    const { helper } = await pluginWithHelper(root, marker);
    await writeRc(root, { plugins: ["./helped-plugin.mjs"] });
    const load = () => loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} });
    await fs.chown(helper, NOBODY, NOBODY);
    const foreign = await load().catch((e: unknown) => e);
    expect(foreign).toBeInstanceOf(UntrustedFileException);
    expect((foreign as Error).message).toMatch(/is imported by the plugin module "\.\/helped-plugin\.mjs".*owned by uid 65534/);
    expect((foreign as UntrustedFileException).filePath).toBe(helper);
    await fs.chown(helper, 0, 0);
    await fs.chmod(helper, 0o666);
    await expect(load()).rejects.toThrow(/is imported by the plugin module.*mode 0666/);
    expect(existsSync(marker)).toBe(false);
    await fs.chmod(helper, 0o644);
    expect((await load()).plugins().map((p) => p.name)).toContain("helped");
    expect(existsSync(marker)).toBe(true);
  });

  test("a package.json another user owns cannot choose which module a package plugin resolves to", async () => {
    const pkg = path.join(root, "node_modules", "acme-plugin");
    await fs.mkdir(pkg, { recursive: true });
    await fs.writeFile(path.join(pkg, "index.mjs"), `export { plugin } from ${JSON.stringify(PLUGIN_PATH)};\n`);
    await fs.writeFile(path.join(pkg, "package.json"), JSON.stringify({ name: "acme-plugin", main: "index.mjs" }));
    await fs.chown(path.join(pkg, "package.json"), NOBODY, NOBODY);
    await writeRc(root, { plugins: ["acme-plugin"] });
    const err = await loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toMatch(/decides which module the plugin module "acme-plugin" .* is: it is owned by uid 65534/);
    expect((err as UntrustedFileException).filePath).toBe(path.join(pkg, "package.json"));
  });

  test("nor point the package at a root-owned module outside it", async () => {
    const elsewhere = path.join(root, "elsewhere");
    await fs.mkdir(elsewhere);
    await fs.writeFile(path.join(elsewhere, "real-plugin.mjs"), `export { plugin } from ${JSON.stringify(PLUGIN_PATH)};\n`);
    const pkg = path.join(root, "node_modules", "acme-plugin");
    await fs.mkdir(pkg, { recursive: true });
    await fs.writeFile(path.join(pkg, "package.json"), JSON.stringify({ name: "acme-plugin", main: "../../elsewhere/real-plugin.mjs" }));
    await writeRc(root, { plugins: ["acme-plugin"] });
    const load = () => loadKernel({ searchFrom: root, stopDir: root, homeDir: () => home, env: {} });
    await fs.chown(path.join(pkg, "package.json"), NOBODY, NOBODY);
    const err = await load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UntrustedFileException);
    expect((err as Error).message).toMatch(/decides which module the plugin module "acme-plugin" .* is: it is owned by uid 65534/);
    await fs.chown(path.join(pkg, "package.json"), 0, 0);
    expect((await load()).clientType("acme_hmac").plugin).toBe("acme-hmac");
  });
});
