/**
 * The file trust rule as a user who is not root, in real processes (the test runs as root and starts
 * them with another uid): the current user's and root's files are accepted, another user's refused;
 * and the race of the report — a member of the project's group swapping `.planetauthrc.mjs` between
 * a symbolic link to a root-owned file and their own module while the user loads — never runs their code.
 */
import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { existsSync, promises as fs } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { makeTempDir } from "../support/temp-dir.js";

const USER = 65534; // the user running discovery (nobody)
const OTHER = 65533; // another member of the same group
const GROUP = 65534;
const script = (name: string) => fileURLToPath(new URL(`./support/${name}`, import.meta.url));
const asRoot = process.getuid?.() === 0;

let root: string;
let project: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];
beforeEach(async () => {
  ({ dir: root, cleanup } = await makeTempDir());
  await fs.chmod(root, 0o755);
  project = path.join(root, "project");
  await fs.mkdir(project);
  await fs.writeFile(path.join(project, "package.json"), "{}");
  await fs.chown(path.join(project, "package.json"), USER, GROUP);
  await fs.chown(project, USER, GROUP);
});
afterEach(async () => {
  for (const child of children.splice(0)) child.kill("SIGKILL");
  await cleanup();
});

async function discoverAs(uid: number, loads = 1): Promise<string[]> {
  const child = spawn(process.execPath, [script("discover-as-user.mjs")], {
    uid, gid: GROUP, env: { PATH: process.env.PATH ?? "", HOME: root, SEARCH_FROM: project, LOADS: String(loads) }, stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  await once(child, "close");
  if (!out.trim()) throw new Error(`discovery as uid ${uid} printed nothing: ${err}`);
  return JSON.parse(out) as string[];
}

async function writeOwned(file: string, content: string, uid: number, mode = 0o644): Promise<void> {
  await fs.writeFile(file, content, { mode });
  await fs.chmod(file, mode);
  await fs.chown(file, uid, GROUP);
}

(asRoot ? describe : describe.skip)("file trust as a user who is not root", () => {
  test("the user's own config and root's are used; another user's is refused", async () => {
    const rc = path.join(project, ".planetauthrc.json");
    await writeOwned(rc, JSON.stringify({ profiles: { p: { client_type: "none" } } }), USER);
    expect(await discoverAs(USER)).toEqual(["loaded"]);
    await fs.chown(rc, 0, 0);
    expect(await discoverAs(USER)).toEqual(["loaded"]);
    await fs.chown(rc, OTHER, GROUP);
    expect(await discoverAs(USER)).toEqual(["ERR_UNTRUSTED_FILE"]);
  });

  test("a group member swapping .planetauthrc.mjs between a link to root's file and their own module never gets it run", async () => {
    const marker = path.join(root, "marker");
    const rootOwned = path.join(root, "root-config.mjs");
    await writeOwned(rootOwned, "export default {};\n", 0);
    await fs.chown(rootOwned, 0, 0);
    await fs.chmod(project, 0o775); // the project directory is group-writable
    await fs.chmod(root, 0o1777); // sticky, like /tmp: the marker (the proof that their code ran) can be written here
    const swapper = spawn(process.execPath, [script("swap-config.mjs")], {
      uid: OTHER, gid: GROUP, env: { TARGET: path.join(project, ".planetauthrc.mjs"), LINK_TO: rootOwned, MARKER: marker }, stdio: "ignore",
    });
    children.push(swapper);
    // Discovery starts once the swapper has put its first file in place (a slow start would otherwise read "none").
    const target = path.join(project, ".planetauthrc.mjs");
    while (!existsSync(target)) await new Promise((resolve) => setTimeout(resolve, 10));
    const outcomes = await discoverAs(USER, 40);
    swapper.kill("SIGKILL");
    expect(existsSync(marker)).toBe(false);
    expect(new Set(outcomes)).toEqual(new Set(["ERR_UNTRUSTED_FILE"]));
  });
});
