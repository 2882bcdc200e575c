/**
 * Text from outside (a server's user code, verification URL and error description; a JWT's claims)
 * reaches the terminal with its control characters shown as `\uXXXX`, never as escapes the terminal
 * would obey (ANSI CSI, OSC hyperlinks, C1 controls).
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { startRecordingServer, type RecordingServer } from "../support/recording-server.js";
import { makeTempDir } from "../support/temp-dir.js";
import { plauth } from "./support/plauth.js";

/** Any control character but tab and newline: C0, DEL, C1. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;
const HOSTILE = "\u001b]8;;https://evil.example/\u0007click\u001b]8;;\u0007\u001b[2J\u009b31m\rX";

let server: RecordingServer;
let home: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = await startRecordingServer((req, res) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    if (req.path === "/.well-known/openid-configuration") {
      json(200, { issuer: server.url, device_authorization_endpoint: `${server.url}/device`, token_endpoint: `${server.url}/token` });
    } else if (req.path === "/device") {
      json(200, {
        device_code: "dc", user_code: `CODE${HOSTILE}`, verification_uri: `${server.url}/verify${HOSTILE}`,
        verification_uri_complete: `${server.url}/verify?c=${HOSTILE}`, expires_in: 30, interval: 1,
      });
    } else json(400, { error: "access_denied", error_description: `denied${HOSTILE}` });
  });
  ({ dir: home, cleanup } = await makeTempDir("plauth-escapes-"));
  await mkdir(path.join(home, ".planet/dev"), { recursive: true });
  await writeFile(path.join(home, ".planet/dev/auth_client.json"), JSON.stringify({
    client_type: "oidc_device_code", auth_server: server.url, client_id: "c", scopes: ["openid"],
  }), { mode: 0o600 });
});
afterAll(async () => {
  await server?.close();
  await cleanup?.();
});

test("a device login shows the server's user code, URLs and error with their escapes neutralised", async () => {
  const result = await plauth(["--auth-profile", "dev", "login", "--no-open-browser"], { home });
  expect(result.code).toBe(1);
  expect(result.stdout).toContain("CODE\\u001b]8;;https://evil.example/\\u0007click");
  expect(result.stderr).toContain("denied\\u001b]8;;");
  expect(result.stdout).not.toMatch(CONTROL);
  expect(result.stderr).not.toMatch(CONTROL);
});

test("a decoded JWT's claims are printed with their escapes neutralised, as text and as JSON", async () => {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const token = `${b64({ alg: "none", kid: HOSTILE })}.${b64({ sub: HOSTILE, name: "\u009b1;31mred" })}.`;
  for (const extra of [[], ["--json"]]) {
    const result = await plauth(["jwt", "decode", "--token", token, ...extra], { home });
    expect(result.code).toBe(0);
    expect(result.stdout).not.toMatch(CONTROL);
    expect(result.stdout).toContain("\\u009b1;31mred");
  }
  // The JSON is still the same value.
  const json = await plauth(["jwt", "decode", "--token", token, "--json"], { home });
  expect(JSON.parse(json.stdout).body).toEqual({ sub: HOSTILE, name: "\u009b1;31mred" });
});
