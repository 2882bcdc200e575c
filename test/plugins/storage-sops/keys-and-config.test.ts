import { describe, expect, test, beforeEach, afterEach } from "@jest/globals";
import { chmodSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import {
  creationRuleFor,
  decryptSops,
  defaultAgeKeyFile,
  encryptSops,
  findSopsConfig,
  loadAgeIdentities,
  parseAgeIdentities,
  resolveEnvironment,
  userConfigDir,
  SopsBinaryException,
  SopsConfigException,
  SopsNoIdentityException,
  SopsNoRecipientsException,
  SopsUnsupportedKeyTypeException,
} from "../../../src/plugins/storage-sops/index.js";
import { FIXTURES, catchError, expectCleanError, fixtureText, makeTempDir } from "./helpers.js";

let tmp: { dir: string; cleanup: () => void };
let home: string;
beforeEach(() => {
  tmp = makeTempDir();
  home = path.join(tmp.dir, "home");
  mkdirSync(home);
});
afterEach(() => tmp.cleanup());

async function newKey(): Promise<{ id: string; rcp: string }> {
  const id = await generateX25519Identity();
  return { id, rcp: await identityToRecipient(id) };
}

describe("identity discovery (injected env and home, never the real ones)", () => {
  test("parseAgeIdentities keeps key lines only", () => {
    const text = "# created: x\n# public key: age1abc\nAGE-SECRET-KEY-1QQQ\n\n  AGE-SECRET-KEY-PQ-1ZZZ  \nAGE-PLUGIN-YUBIKEY-1X\n";
    expect(parseAgeIdentities(text)).toEqual(["AGE-SECRET-KEY-1QQQ", "AGE-SECRET-KEY-PQ-1ZZZ"]);
  });

  test("user config dir follows sops (Go os.UserConfigDir, XDG on Linux and macOS)", () => {
    expect(userConfigDir(resolveEnvironment({ env: {}, homeDir: "/h", platform: "linux" }))).toBe("/h/.config");
    expect(userConfigDir(resolveEnvironment({ env: { XDG_CONFIG_HOME: "/x" }, homeDir: "/h", platform: "linux" }))).toBe("/x");
    expect(userConfigDir(resolveEnvironment({ env: { XDG_CONFIG_HOME: "rel" }, homeDir: "/h", platform: "linux" }))).toBe("/h/.config");
    expect(userConfigDir(resolveEnvironment({ env: {}, homeDir: "/h", platform: "darwin" }))).toBe("/h/Library/Application Support");
    expect(userConfigDir(resolveEnvironment({ env: { XDG_CONFIG_HOME: "/x" }, homeDir: "/h", platform: "darwin" }))).toBe("/x");
    expect(defaultAgeKeyFile(resolveEnvironment({ env: {}, homeDir: "/h", platform: "linux" }))).toBe("/h/.config/sops/age/keys.txt");
  });

  const FILE = "json/cdk.testsecret.enc.json";
  const decryptWith = (env: Record<string, string>) =>
    decryptSops(fixtureText(FILE), path.join(FIXTURES, FILE), { env, homeDir: home, sopsBinary: false, platform: "linux" });

  test("from SOPS_AGE_KEY", async () => {
    expect(await decryptWith({ SOPS_AGE_KEY: fixtureText("keys.txt") })).toHaveProperty("apiKey", "sk-1234567890abcdef");
  });

  test("from SOPS_AGE_KEY_FILE", async () => {
    expect(await decryptWith({ SOPS_AGE_KEY_FILE: path.join(FIXTURES, "keys.txt") })).toHaveProperty(["specific", "boolean"], true);
  });

  test("from ~/.config/sops/age/keys.txt", async () => {
    mkdirSync(path.join(home, ".config", "sops", "age"), { recursive: true });
    writeFileSync(path.join(home, ".config", "sops", "age", "keys.txt"), fixtureText("keys.txt"));
    expect(await decryptWith({})).toHaveProperty("apiKey", "sk-1234567890abcdef");
  });

  test("from $XDG_CONFIG_HOME/sops/age/keys.txt", async () => {
    const xdg = path.join(tmp.dir, "xdg");
    mkdirSync(path.join(xdg, "sops", "age"), { recursive: true });
    writeFileSync(path.join(xdg, "sops", "age", "keys.txt"), fixtureText("keys.txt"));
    expect(await decryptWith({ XDG_CONFIG_HOME: xdg })).toHaveProperty("apiKey", "sk-1234567890abcdef");
  });

  test("all sources are combined; explicit identities come first", async () => {
    const a = await newKey();
    const b = await newKey();
    const c = await newKey();
    const keyFile = path.join(tmp.dir, "k.txt");
    writeFileSync(keyFile, `# comment\n${b.id}\n`);
    mkdirSync(path.join(home, ".config", "sops", "age"), { recursive: true });
    writeFileSync(path.join(home, ".config", "sops", "age", "keys.txt"), c.id);
    const loaded = await loadAgeIdentities(
      resolveEnvironment({ env: { SOPS_AGE_KEY: a.id, SOPS_AGE_KEY_FILE: keyFile }, homeDir: home, platform: "linux" }),
      ["AGE-SECRET-KEY-1EXTRA"],
    );
    expect(loaded.identities).toEqual(["AGE-SECRET-KEY-1EXTRA", a.id, b.id, c.id]);
  });

  test("a missing SOPS_AGE_KEY_FILE is a clear config error", async () => {
    const missing = path.join(tmp.dir, "nope.txt");
    const err = await catchError(() => decryptWith({ SOPS_AGE_KEY_FILE: missing }));
    expectCleanError(err, SopsConfigException, path.join(FIXTURES, FILE));
    expect((err as Error).message).toContain(missing);
  });

  test("no identity anywhere: error names file, recipients (shortened) and places searched", async () => {
    const other = await newKey();
    const err = await catchError(() => decryptWith({ SOPS_AGE_KEY: other.id }));
    expectCleanError(err, SopsNoIdentityException, path.join(FIXTURES, FILE), [other.id, "sk-1234567890abcdef"]);
    expect((err as Error).message).toContain("$SOPS_AGE_KEY");
    expect((err as Error).message).toContain("age1djllw2");
  });
});

describe(".sops.yaml creation rules and recipients for new files", () => {
  test("found by walking up from the file's directory; first matching path_regex wins", async () => {
    const a = await newKey();
    const b = await newKey();
    const project = path.join(tmp.dir, "project");
    const deep = path.join(project, "profiles", "dev");
    mkdirSync(deep, { recursive: true });
    writeFileSync(
      path.join(project, ".sops.yaml"),
      [
        "creation_rules:",
        "  - path_regex: ^profiles/prod/.*\\.sops\\.json$",
        `    age: ${b.rcp}`,
        "  - path_regex: ^profiles/.*\\.sops\\.json$",
        `    age: >-`,
        `      ${a.rcp},`,
        `      ${b.rcp}`,
        "    encrypted_regex: ^secret",
        "  - age: age1neverused",
      ].join("\n"),
    );
    const filePath = path.join(deep, "token.sops.json");
    expect(await findSopsConfig(deep)).toBe(path.join(project, ".sops.yaml"));
    const rule = await creationRuleFor(path.join(project, ".sops.yaml"), filePath);
    expect(rule?.age).toEqual([a.rcp, b.rcp]);
    expect(rule?.partial).toEqual({ encrypted_regex: "^secret" });

    const text = await encryptSops({ secret_x: "s", plain: "p" }, filePath, { env: {}, homeDir: home, sopsBinary: false });
    const doc = JSON.parse(text);
    expect(doc.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([a.rcp, b.rcp]);
    expect(doc.plain).toBe("p");
    expect(await decryptSops(text, filePath, { env: { SOPS_AGE_KEY: b.id }, homeDir: home, sopsBinary: false })).toEqual({
      secret_x: "s",
      plain: "p",
    });

    const prodPath = path.join(project, "profiles", "prod", "token.sops.json");
    const prod = JSON.parse(await encryptSops({ v: "1" }, prodPath, { env: {}, homeDir: home, sopsBinary: false }));
    expect(prod.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([b.rcp]);
  });

  test("SOPS_AGE_RECIPIENTS overrides the config's keys (like sops' --age); options override both", async () => {
    const a = await newKey();
    const b = await newKey();
    const c = await newKey();
    writeFileSync(path.join(tmp.dir, ".sops.yaml"), `creation_rules:\n  - age: ${a.rcp}\n`);
    const filePath = path.join(tmp.dir, "x.sops.json");
    const env = { SOPS_AGE_RECIPIENTS: ` ${b.rcp} ` };
    const viaEnv = JSON.parse(await encryptSops({ v: "1" }, filePath, { env, homeDir: home, sopsBinary: false }));
    expect(viaEnv.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([b.rcp]);
    const viaOpt = JSON.parse(
      await encryptSops({ v: "1" }, filePath, { env, homeDir: home, sopsBinary: false, recipients: [c.rcp] }),
    );
    expect(viaOpt.sops.age.map((e: { recipient: string }) => e.recipient)).toEqual([c.rcp]);
  });

  test("no config and no SOPS_AGE_RECIPIENTS: a clear error naming the file", async () => {
    const filePath = path.join(tmp.dir, "lonely", "token.sops.json");
    const err = await catchError(() =>
      encryptSops({ token: "secret-token-value" }, filePath, { env: {}, homeDir: home, sopsBinary: false, configPath: false }),
    );
    expectCleanError(err, SopsNoRecipientsException, filePath, ["secret-token-value"]);
    expect((err as Error).message).toContain("SOPS_AGE_RECIPIENTS");
  });

  test("a config whose rules do not match the file: error says so", async () => {
    writeFileSync(path.join(tmp.dir, ".sops.yaml"), "creation_rules:\n  - path_regex: \\.yaml$\n    age: age1x\n");
    const filePath = path.join(tmp.dir, "token.sops.json");
    const err = await catchError(() => encryptSops({ t: "s" }, filePath, { env: {}, homeDir: home, sopsBinary: false }));
    expectCleanError(err, SopsNoRecipientsException, filePath);
    expect((err as Error).message).toContain("no creation rule");
  });

  test("an invalid recipient is a config error, not a raw age error", async () => {
    const filePath = path.join(tmp.dir, "token.sops.json");
    const err = await catchError(() =>
      encryptSops({ t: "s" }, filePath, { env: {}, homeDir: home, sopsBinary: false, recipients: ["age1notvalid"] }),
    );
    expectCleanError(err, SopsConfigException, filePath);
  });
});

describe("key types other than age", () => {
  const pgpOnly = () => {
    const doc = JSON.parse(fixtureText("json/cdk.testsecret.enc.json"));
    doc.sops.age = null;
    doc.sops.pgp = [{ created_at: "2020-01-01T00:00:00Z", enc: "-----BEGIN PGP MESSAGE-----\n...\n", fp: "ABCDEF0123456789" }];
    doc.sops.kms = [{ arn: "arn:aws:kms:us-east-1:1:key/x", created_at: "2020-01-01T00:00:00Z", enc: "AQID" }];
    return JSON.stringify(doc);
  };

  test("decrypting a PGP/KMS-only file without a sops binary names the file and the key types", async () => {
    const filePath = path.join(tmp.dir, "pgp.sops.json");
    const err = await catchError(() =>
      decryptSops(pgpOnly(), filePath, { env: { PATH: path.join(tmp.dir, "empty-bin") }, homeDir: home }),
    );
    expectCleanError(err, SopsUnsupportedKeyTypeException, filePath);
    expect((err as Error).message).toContain("PGP");
    expect((err as Error).message).toContain("AWS KMS");
  });

  test("a new file whose creation rule asks for PGP, without sops binary: clear error", async () => {
    writeFileSync(path.join(tmp.dir, ".sops.yaml"), "creation_rules:\n  - pgp: ABCDEF0123456789\n    age: age1abc\n");
    const filePath = path.join(tmp.dir, "token.sops.json");
    const err = await catchError(() => encryptSops({ t: "secret-x" }, filePath, { env: {}, homeDir: home, sopsBinary: false }));
    expectCleanError(err, SopsUnsupportedKeyTypeException, filePath, ["secret-x"]);
    expect((err as Error).message).toContain("PGP");
  });

  describe("with a sops binary on PATH (a stand-in script speaking sops' stdin/stdout protocol)", () => {
    let bin: string;
    let log: string;
    beforeEach(() => {
      bin = path.join(tmp.dir, "bin");
      mkdirSync(bin);
      log = path.join(tmp.dir, "sops.log");
      const script = [
        "#!/bin/sh",
        `printf '%s\\n' "$*" > "${log}"`,
        'case "$1" in',
        `  --decrypt) /bin/cat > /dev/null; printf '{"from":"binary","n":1}' ;;`,
        `  --encrypt) input=$(/bin/cat); printf '{"piped":%s,"sops":{"version":"fake"}}' "$input" ;;`,
        "  *) echo 'fake sops: unexpected' >&2; exit 3 ;;",
        "esac",
      ].join("\n");
      writeFileSync(path.join(bin, "sops"), script);
      chmodSync(path.join(bin, "sops"), 0o755);
    });

    test("decrypt goes through stdin/stdout", async () => {
      const filePath = path.join(tmp.dir, "pgp.sops.json");
      const out = await decryptSops(pgpOnly(), filePath, { env: { PATH: bin }, homeDir: home });
      expect(out).toEqual({ from: "binary", n: 1 });
      expect(readFileSync(log, "utf8")).toBe("--decrypt --input-type json --output-type json /dev/stdin\n");
    });

    test("encrypting for a PGP rule pipes cleartext through stdin, writes nothing to disk", async () => {
      writeFileSync(path.join(tmp.dir, ".sops.yaml"), "creation_rules:\n  - pgp: ABCDEF0123456789\n");
      const filePath = path.join(tmp.dir, "token.sops.json");
      const before = readdirSync(tmp.dir).sort();
      const text = await encryptSops({ t: "s" }, filePath, { env: { PATH: bin }, homeDir: home });
      expect(JSON.parse(text)).toEqual({ piped: { t: "s" }, sops: { version: "fake" } });
      expect(readFileSync(log, "utf8")).toContain("--encrypt --input-type json --output-type json --config");
      expect(readFileSync(log, "utf8")).toContain(`--filename-override ${filePath} /dev/stdin`);
      expect(readdirSync(tmp.dir).sort()).toEqual([...before, "sops.log"].sort());
    });

    test("re-saving a PGP/KMS file without identity passes its keys as flags", async () => {
      const filePath = path.join(tmp.dir, "pgp.sops.json");
      await encryptSops({ t: "s" }, filePath, { env: { PATH: bin }, homeDir: home, previousText: pgpOnly() });
      const args = readFileSync(log, "utf8");
      expect(args).toContain("--pgp ABCDEF0123456789");
      expect(args).toContain("--kms arn:aws:kms:us-east-1:1:key/x");
      expect(args).toContain("--unencrypted-suffix _unencrypted");
    });

    test("a failing binary becomes SopsBinaryException naming the file", async () => {
      writeFileSync(path.join(bin, "sops"), "#!/bin/sh\n/bin/cat >/dev/null\necho 'Error: no key could decrypt' >&2\nexit 128\n");
      const filePath = path.join(tmp.dir, "pgp.sops.json");
      const err = await catchError(() => decryptSops(pgpOnly(), filePath, { env: { PATH: bin }, homeDir: home }));
      expectCleanError(err, SopsBinaryException, filePath);
      expect((err as Error).message).toContain("exit 128");
    });
  });
});
