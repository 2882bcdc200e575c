/**
 * `plauth profile edit` as a real process with a scripted editor (test/cli/support/scripted-editor.mjs
 * as $EDITOR): the editor gets a private 0600 copy, removed afterwards; the result is validated by
 * the client type's config class and saved; anything wrong leaves the original byte for byte.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { mkdir, readFile, readdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { generateIdentity, identityToRecipient } from "age-encryption";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "./support/plauth.js";

const EDITOR = `${process.execPath} ${fileURLToPath(new URL("./support/scripted-editor.mjs", import.meta.url))}`;
const SECRET = "svc-secret-value-0123456789";
const CONFIG = { auth_server: "https://auth.example.test/", client_id: "svc-id", client_secret: SECRET, client_type: "oidc_client_credentials_secret" };
const CONFIG_FILE = ".planet/svc/auth_client.json";

let home: string;
let cleanup: () => Promise<void>;
let log: string;
beforeEach(async () => {
  ({ dir: home, cleanup } = await makeTempDir("plauth-home-"));
  log = path.join(home, "editor-log.json");
  await mkdir(path.join(home, ".planet/svc"), { recursive: true });
  // As the Python library writes it: sorted keys, 2-space indent, no trailing newline.
  await writeFile(path.join(home, CONFIG_FILE), JSON.stringify(CONFIG, null, 2), { mode: 0o600 });
});
afterEach(() => cleanup());

const edit = (args: string[], env: Record<string, string> = {}) => plauth(["profile", "edit", ...args], { home, env: { EDITOR, EDIT_LOG: log, ...env } });
const raw = (rel: string) => readFile(path.join(home, rel), "utf8");
const editorLog = async () => JSON.parse(await readFile(log, "utf8"));

/** The edit failed with `message`, and the config file is exactly as before. */
async function expectUnchanged(result: { code: number | null; stderr: string }, message: RegExp): Promise<void> {
  expect(result.code).toBe(1);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toContain(`~/${CONFIG_FILE} was not changed`);
  expect(result.stderr).not.toContain(SECRET);
  expect(await raw(CONFIG_FILE)).toBe(JSON.stringify(CONFIG, null, 2));
}

describe("profile edit", () => {
  test("edits the selected profile on a private 0600 copy, removed afterwards, and saves the validated result", async () => {
    expect((await plauth(["profile", "set", "svc"], { home })).code).toBe(0);
    const result = await edit([], { EDIT_MERGE: JSON.stringify({ client_id: "new-id", scopes: ["api:read"] }) });
    expect(result).toMatchObject({ code: 0, stdout: "", stderr: `Saved ~/${CONFIG_FILE}.\n` });
    const seen = await editorLog();
    expect(seen).toMatchObject({ fileMode: "600", dirMode: "700", args: [seen.file] });
    expect(JSON.parse(seen.text)).toEqual(CONFIG);
    await expect(stat(path.dirname(seen.file))).rejects.toThrow(/ENOENT/);
    expect(JSON.parse(await raw(CONFIG_FILE))).toEqual({ ...CONFIG, client_id: "new-id", scopes: ["api:read"] });
    expect((await stat(path.join(home, CONFIG_FILE))).mode & 0o777).toBe(0o600);
  });

  test("$VISUAL wins over $EDITOR and may carry arguments; a profile named on the command line wins over the selection", async () => {
    const visual = `${EDITOR} --wait`;
    const result = await edit(["SVC"], { VISUAL: visual, EDITOR: "no-such-editor", PL_AUTH_PROFILE: "none", EDIT_MERGE: '{"client_id":"x"}' });
    expect(result.code).toBe(0);
    expect((await editorLog()).args[0]).toBe("--wait");
    expect(JSON.parse(await raw(CONFIG_FILE)).client_id).toBe("x");
  });

  test("unchanged content writes nothing", async () => {
    const before = await stat(path.join(home, CONFIG_FILE));
    const result = await edit(["svc"]);
    expect(result).toMatchObject({ code: 0, stderr: `No changes; ~/${CONFIG_FILE} was not changed.\n` });
    expect(await raw(CONFIG_FILE)).toBe(JSON.stringify(CONFIG, null, 2));
    expect((await stat(path.join(home, CONFIG_FILE))).mtimeMs).toBe(before.mtimeMs);
  });

  test("numbers are shown and saved in the form the Python library wrote them: an edit elsewhere keeps 1.0 and an integer beyond 2^53", async () => {
    const written = (clientId: string) =>
      `{\n  "auth_server": "https://auth.example.test/",\n  "client_id": "${clientId}",\n  "client_secret": "${SECRET}",\n` +
      `  "client_type": "oidc_client_credentials_secret",\n  "x_counter": 12345678901234567890,\n  "x_ratio": 1.0\n}`;
    await writeFile(path.join(home, CONFIG_FILE), written("svc-id"), { mode: 0o600 });
    const result = await edit(["svc"], { EDIT_TEXT: written("other-id") + "\n" });
    expect(result.code).toBe(0);
    expect((await editorLog()).text).toBe(written("svc-id") + "\n");
    expect(await raw(CONFIG_FILE)).toBe(written("other-id"));
  });

  test("invalid JSON is reported by line and column without quoting the text; the original stays", async () => {
    const text = `{\n  "client_secret": "${SECRET}",\n  oops\n}`;
    await expectUnchanged(await edit(["svc"], { EDIT_TEXT: text }), /^Error: The edited config of profile "svc" is not valid JSON at line 3, column 3;/);
    await expectUnchanged(await edit(["svc"], { EDIT_TEXT: "[1, 2]" }), /must be a JSON object/);
  });

  test("an invalid config names the field and the client_type; the original stays", async () => {
    const { client_id: _omitted, ...noClientId } = CONFIG;
    await expectUnchanged(await edit(["svc"], { EDIT_TEXT: JSON.stringify(noClientId) }), /^Error: Invalid oidc_client_credentials_secret config: client_id: is required;/);
    await expectUnchanged(await edit(["svc"], { EDIT_MERGE: '{"client_type": "no_such_type"}' }), /no_such_type/);
  });

  test("a profile whose config is invalid can be mended with edit", async () => {
    const { client_id: _omitted, ...broken } = CONFIG;
    await writeFile(path.join(home, CONFIG_FILE), JSON.stringify(broken), { mode: 0o600 });
    expect((await plauth(["--auth-profile", "svc", "legacy", "print-api-key"], { home })).code).toBe(1);
    expect((await edit([], { PL_AUTH_PROFILE: "svc", EDIT_MERGE: '{"client_id":"svc-id"}' })).code).toBe(0);
    expect(JSON.parse(await raw(CONFIG_FILE))).toEqual(CONFIG);
  });

  test("a failing or missing editor changes nothing", async () => {
    await expectUnchanged(await edit(["svc"], { EDIT_EXIT: "3" }), /^Error: The editor ".*node" exited with code 3;/);
    const missing = await edit(["svc"], { EDITOR: "/no/such/editor" });
    expect(missing).toMatchObject({ code: 1, stderr: 'Error: Cannot run the editor "/no/such/editor" (ENOENT); set VISUAL or EDITOR; ~/.planet/svc/auth_client.json was not changed\n' });
  });

  test("Ctrl-C goes to the editor; a SIGTERM or SIGHUP to plauth ends the editor; the temp copy is removed either way", async () => {
    const interrupted = await edit(["svc"], { EDIT_SIGNAL_PARENT: "SIGINT" });
    // plauth ignored the SIGINT; the editor ran until it exited by itself (code 0, nothing changed).
    expect(interrupted).toMatchObject({ code: 0, stderr: `No changes; ~/${CONFIG_FILE} was not changed.\n` });
    for (const signal of ["SIGTERM", "SIGHUP"]) {
      await expectUnchanged(await edit(["svc"], { EDIT_SIGNAL_PARENT: signal }), new RegExp(`^Error: The editor ".*node" exited with ${signal};`));
      await expect(stat(path.dirname((await editorLog()).file))).rejects.toThrow(/ENOENT/);
    }
  });

  test("a SIGKILL during the edit of a SOPS profile leaves the decrypted copy only in private storage ($XDG_RUNTIME_DIR, else ~/.planet/.edit), never in $TMPDIR; the next plauth run removes it", async () => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    expect((await plauth(["profile", "copy", "svc", "vault", "--sops"], { home, env })).code).toBe(0);
    const tmp = path.join(home, "tmp");
    const runtime = path.join(home, "run-user");
    await mkdir(tmp);
    await mkdir(runtime, { mode: 0o700 });
    for (const [extra, base] of [[{}, path.join(home, ".planet/.edit")], [{ XDG_RUNTIME_DIR: runtime }, path.join(runtime, "plauth-edit")]] as const) {
      const killed = await edit(["vault"], { ...env, ...extra, TMPDIR: tmp, EDIT_SIGNAL_PARENT: "SIGKILL" });
      expect(killed.code).toBeNull(); // ended by the signal
      const seen = await editorLog();
      expect(path.dirname(path.dirname(seen.file))).toBe(base);
      expect(seen).toMatchObject({ fileMode: "600", dirMode: "700" });
      expect((await stat(base)).mode & 0o777).toBe(0o700);
      expect(await readFile(seen.file, "utf8")).toContain(SECRET); // left behind by the SIGKILL ...
      expect(await readdir(tmp)).toEqual([]); // ... but not in the shared temp directory
      expect((await plauth(["profile", "list"], { home, env: { ...extra } })).code).toBe(0);
      await expect(stat(path.dirname(seen.file))).rejects.toThrow(/ENOENT/); // the next run removed it
    }
  });

  test("built-in profiles are not edited (copy suggested); an unknown profile is an error", async () => {
    expect(await edit(["none"])).toMatchObject({
      code: 1, stderr: 'Error: "none" is a built-in profile and cannot be edited; copy it and edit the copy: plauth profile copy none <new-name>\n',
    });
    // With nothing selected, the built-in default is the selection.
    expect((await edit([])).stderr).toMatch(/"none" is a built-in profile/);
    expect(await edit(["ghost"])).toMatchObject({ code: 1, stderr: 'Error: Auth profile "ghost" has no config file to edit: ~/.planet/ghost/auth_client.json does not exist\n' });
    await expect(readFile(log)).rejects.toThrow(/ENOENT/);
  });

  test("a SOPS profile is edited decrypted and saved encrypted again, for the same recipients; no cleartext file is left", async () => {
    const identity = await generateIdentity();
    const env = { SOPS_AGE_KEY: identity, SOPS_AGE_RECIPIENTS: await identityToRecipient(identity) };
    expect((await plauth(["profile", "copy", "svc", "vault", "--sops"], { home, env })).code).toBe(0);
    const encrypted = await raw(".planet/vault/auth_client.sops.json");
    expect(encrypted).not.toContain(SECRET);

    // Only the identity: the file is encrypted again for the recipients it already names.
    const result = await edit(["vault"], { SOPS_AGE_KEY: identity, EDIT_MERGE: '{"client_id":"vault-id"}' });
    expect(result).toMatchObject({ code: 0, stderr: "Saved ~/.planet/vault/auth_client.sops.json.\n" });
    expect(JSON.parse((await editorLog()).text)).toEqual(CONFIG);
    expect(await readdir(path.join(home, ".planet/vault"))).toEqual(["auth_client.sops.json"]);
    const saved = await raw(".planet/vault/auth_client.sops.json");
    expect(saved).not.toContain(SECRET);
    expect(saved).not.toContain("vault-id");
    const listed = JSON.parse((await plauth(["profile", "list", "--long", "--show-secrets", "--json"], { home, env })).stdout);
    expect(listed.local.vault).toMatchObject({ client_id: "vault-id", client_secret: SECRET, _file_path: ".planet/vault/auth_client.sops.json" });
  });
});
