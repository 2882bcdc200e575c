/**
 * Several processes share one token file whose access token needs a refresh: the file lock lets exactly
 * one of them spend the (rotating) refresh token; the others re-read the file and use the new token.
 */
import { expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { useOidcServerAndHome } from "./support/oidc-server-and-home.js";
import { grantCounter } from "./support/echo-api.js";
import { childLines } from "../support/child-lines.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, "../..");
const childScript = path.join(here, "support/refresh-child.ts");
const PROCESSES = 4;

const env = useOidcServerAndHome();

test(`${PROCESSES} processes refresh one shared token file concurrently: one refresh at the server, all end with the new token`, async () => {
  const { op, home } = env;
  const grants = grantCounter(op.provider);
  const tokens = await op.authCodeTokens({ scope: "openid offline_access" });
  const file = path.join(home.dir, ".planet", "shared", "token.json");
  await import("node:fs/promises").then((fs) => fs.mkdir(path.dirname(file), { recursive: true }));
  const now = Math.floor(Date.now() / 1000);
  await writeFile(file, JSON.stringify({ access_token: "stale-access-token", refresh_token: tokens.refresh_token, token_type: "Bearer", _iat: now - 7200, _exp: now - 3600 }));

  const children = Array.from({ length: PROCESSES }, () =>
    spawn(process.execPath, ["--import", "tsx", childScript, home.dir, ".planet/shared/token.json", op.issuer, op.clients.publicApp.clientId], {
      cwd: repoRoot,
      env: { ...process.env, NODE_OPTIONS: "" },
    }),
  );
  const stderr: string[] = [];
  for (const c of children) c.stderr.on("data", (d: Buffer) => stderr.push(d.toString()));
  const readers = children.map(childLines);
  for (const r of readers) expect((await r.next()).value).toBe("ready");
  for (const c of children) c.stdin.write("go\n");
  const results = [];
  for (const r of readers) {
    const line = (await r.next()).value as string | undefined;
    if (!line) throw new Error(`child produced no result: ${stderr.join("")}`);
    results.push(JSON.parse(line) as { authorization: string; refreshed: number; error: string | null });
  }
  await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on("exit", r)) : null)));

  const saved = JSON.parse(await readFile(file, "utf8"));
  expect(grants.refresh_token).toBe(1);
  expect(saved.access_token).not.toBe("stale-access-token");
  expect(saved.refresh_token).not.toBe(tokens.refresh_token); // rotated once
  for (const r of results) {
    expect(r.error).toBeNull();
    expect(r.authorization).toBe(`Bearer ${saved.access_token}`);
  }
  expect(results.reduce((n, r) => n + r.refreshed, 0)).toBe(1);
});
