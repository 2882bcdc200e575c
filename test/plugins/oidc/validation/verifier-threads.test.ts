/**
 * The verifier threads as a program uses them: the built package (`dist/`, where the thread's source
 * is the bundled `verifyAs`) in a process of its own that validates a burst of tokens at its top level
 * and must then end by itself. Node ends a process whose event loop empties while a top-level await
 * is pending (exit code 13), so a thread holding signatures has to keep the process alive, and an
 * idle thread must not.
 */
import { expect, test } from "@jest/globals";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { makeTempDir } from "../../../support/temp-dir.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../..");

const PROGRAM = (packageEntry: string) => `
import { generateKeyPairSync, sign } from "node:crypto";
import { TokenValidator } from ${JSON.stringify(packageEntry)};
const warnings = [];
process.on("warning", (w) => warnings.push(w.code + ": " + w.message));
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const jwks = { keys: [{ ...publicKey.export({ format: "jwk" }), kid: "k1", alg: "RS256", use: "sig" }] };
const b64 = (value) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = Math.floor(Date.now() / 1000);
const token = (sub) => {
  const input = b64({ alg: "RS256", kid: "k1" }) + "." + b64({ iss: "https://issuer.test", aud: "api", sub, iat: now, exp: now + 600 });
  return input + "." + sign("sha256", Buffer.from(input), privateKey).toString("base64url");
};
const validator = new TokenValidator({ fetchJwks: async () => jwks });
const options = { issuer: "https://issuer.test", audience: "api" };
await validator.jwksKeyCache.refresh();
const good = Array.from({ length: 12 }, (_, i) => token("u" + i));
const forged = good[0].slice(0, good[0].lastIndexOf(".") + 1) + good[1].slice(good[1].lastIndexOf(".") + 1);
const verdicts = await Promise.all([...good, forged].map((t) => validator.validateToken(t, options).then((c) => c.sub, (e) => e.message)));
console.log(JSON.stringify({ verdicts, onThreads: validator.verifierThreadChecks, warnings }));
`;

test("a burst validated at a program's top level: right verdicts, most on the verifier threads, and the process ends by itself", async () => {
  const tmp = await makeTempDir();
  try {
    const script = path.join(tmp.dir, "burst.mjs");
    await writeFile(script, PROGRAM(pathToFileURL(path.join(root, "dist/index.js")).href));
    const { stdout } = await promisify(execFile)(process.execPath, [script], { cwd: root, env: { ...process.env, NODE_OPTIONS: "" }, timeout: 20_000 });
    const result = JSON.parse(stdout) as { verdicts: string[]; onThreads: number; warnings: string[] };
    expect(result.verdicts).toEqual([...Array.from({ length: 12 }, (_, i) => `u${i}`), "Token signature verification failed"]);
    expect(result.warnings).toEqual([]);
    // The first of the burst is verified on the main thread, the other 12 on the threads (one core: none there).
    expect(result.onThreads).toBe(availableParallelism() > 1 ? 12 : 0);
  } finally {
    await tmp.cleanup();
  }
});
