/**
 * A GET through the kernel's HTTP client (what a resource server's first token costs: the issuer's
 * metadata and keys) loads neither got nor its HTTP/2 layer; a POST (a token request) still does.
 * A child process runs the calls with a resolve hook that records every module it loads.
 */
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "../support/temp-dir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const recorder = pathToFileURL(path.join(root, "test/integrations/support/record-imports.mjs")).href;

test("a GET loads neither got nor http2-wrapper; a POST loads got", async () => {
  const tmp = await makeTempDir();
  try {
    const log = path.join(tmp.dir, "loaded.txt");
    const script = path.join(tmp.dir, "steps.mjs");
    await writeFile(script, [
      `import { appendFileSync } from "node:fs";`,
      `import http from "node:http";`,
      `const { GotHttpClient } = await import(${JSON.stringify(pathToFileURL(path.join(root, "src/index.ts")).href)});`,
      `const server = http.createServer((req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}'));`,
      `await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));`,
      `const url = "http://127.0.0.1:" + server.address().port + "/jwks";`,
      `const client = new GotHttpClient();`,
      `if ((await client.request({ method: "GET", url })).body !== '{"keys":[]}') throw new Error("GET failed");`,
      `appendFileSync(${JSON.stringify(log)}, "=== get\\n");`,
      `if ((await client.request({ method: "POST", url, form: { a: "b" } })).status !== 200) throw new Error("POST failed");`,
      `appendFileSync(${JSON.stringify(log)}, "=== post\\n");`,
      `server.close();`,
    ].join("\n"));
    await promisify(execFile)(process.execPath, ["--import", "tsx", "--import", recorder, script], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: "", RECORD_IMPORTS_TO: log },
      timeout: 60_000,
    });
    const lines = (await readFile(log, "utf8")).split("\n");
    const packagesBefore = (step: string) =>
      new Set(lines.slice(0, lines.indexOf(`=== ${step}`)).flatMap((l) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(l)?.[1] ?? []));
    const afterGet = packagesBefore("get");
    const afterPost = packagesBefore("post");
    expect(["got", "http2-wrapper"].filter((p) => afterGet.has(p))).toEqual([]);
    expect(afterPost.has("got")).toBe(true); // the control: the recorder sees got when it loads
  } finally {
    await tmp.cleanup();
  }
});
