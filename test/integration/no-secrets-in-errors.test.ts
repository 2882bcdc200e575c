/**
 * For every auth-server flow and every way it can fail (OAuth error, a server echoing what it was sent,
 * 4xx, 5xx, reset, timeout, refused, redirect, oversize), the error — inspected all the way down, hidden properties included — holds
 * none of the secrets the call sent; and a redirect target never receives them.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { inspect } from "node:util";
import { Auth, GotHttpClient, createDefaultKernel } from "../../src/index.js";
import {
  ClientSecretBasicAuth, ClientSecretPostAuth, DeviceAuthorizationApiClient, IntrospectionApiClient,
  RevocationApiClient, TokenApiClient, UserinfoApiClient,
} from "../../src/plugin-kit.js";
import { refusedPortUrl, startRecordingServer, type RecordingServer } from "../support/recording-server.js";

const S = {
  clientSecret: "cs-7c1f0e5b9a",
  refreshToken: "rt-once-3b2d9f",
  code: "authz-code-8e4a11",
  verifier: "pkce-verifier-6d5c4b3a2f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a",
  password: "pw-Tr0ub4dor&3",
  accessToken: "at-1a2b3c4d5e",
  deviceCode: "dc-99aa88bb77",
};
const SECRETS = [...Object.values(S), Buffer.from(`app:${S.clientSecret}`).toString("base64")];

const MODES = ["oauth-error", "echo", "400", "500", "reset", "stall", "redirect", "oversize", "refused"] as const;
type Mode = (typeof MODES)[number];

let as: RecordingServer;
let elsewhere: RecordingServer;
let refused: string;
const http = new GotHttpClient({ timeoutMs: 300, retryLimit: 1, retryBackoffMs: 1, maxResponseBytes: 4096 });

beforeAll(async () => {
  elsewhere = await startRecordingServer((_r, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}'));
  as = await startRecordingServer((req, res) => {
    const mode = req.path.split("/")[1] as Mode;
    const json = { "content-type": "application/json" };
    switch (mode) {
      case "oauth-error":
        return res.writeHead(400, json).end(JSON.stringify({ error: "invalid_grant", error_description: "grant is invalid" }));
      case "echo": {
        // A server that quotes back everything it was sent: the form or JSON body, its credential
        // header and that header's decoded Basic credentials, in the error, the status line and a header.
        const auth = req.headers.authorization ?? "";
        const basic = auth.startsWith("Basic ") ? Buffer.from(auth.slice(6), "base64").toString() : "";
        const echo = `${req.body} ${auth} ${basic} ${decodeURIComponent(req.body.replace(/\+/g, " "))}`;
        res.statusMessage = `Bad ${echo.replace(/[^\x20-\x7e]/g, "")}`.slice(0, 400);
        return res.writeHead(400, { ...json, "x-echo": encodeURIComponent(echo) }).end(JSON.stringify({ error: `bad ${basic}`, error_description: `rejected: ${echo}` }));
      }
      case "400":
        return res.writeHead(400, { "content-type": "text/html" }).end("<h1>Bad Request</h1>");
      case "500":
        return res.writeHead(500, json).end('{"message":"internal"}');
      case "reset":
        return res.socket?.destroy();
      case "stall":
        return undefined;
      case "redirect":
        return res.writeHead(307, { location: `${elsewhere.url}/collect?state=x` }).end();
      case "oversize":
        return res.writeHead(200, json).end(JSON.stringify({ pad: "x".repeat(10_000) }));
      default:
        return res.writeHead(404).end();
    }
  });
  refused = await refusedPortUrl();
});
afterAll(async () => {
  await as.close();
  await elsewhere.close();
});

const endpoint = (mode: Mode, path: string) => (mode === "refused" ? `${refused}/${path}` : `${as.url}/${mode}/${path}`);
const basic = () => new ClientSecretBasicAuth("app", S.clientSecret);
const post = () => new ClientSecretPostAuth("app", S.clientSecret);

const FLOWS: Record<string, (mode: Mode) => Promise<unknown>> = {
  "token: authorization_code": (m) =>
    new TokenApiClient({ http, tokenUri: endpoint(m, "token") }).getTokenFromCode({ redirectUri: "http://localhost/cb", code: S.code, codeVerifier: S.verifier, clientAuth: basic() }),
  "token: client_credentials": (m) => new TokenApiClient({ http, tokenUri: endpoint(m, "token") }).getTokenFromClientCredentials({ clientAuth: post() }),
  "token: password": (m) =>
    new TokenApiClient({ http, tokenUri: endpoint(m, "token") }).getTokenFromPassword({ username: "u@example.com", password: S.password, clientAuth: basic() }),
  "token: refresh_token": (m) => new TokenApiClient({ http, tokenUri: endpoint(m, "token") }).getTokenFromRefresh({ refreshToken: S.refreshToken, clientAuth: post() }),
  "token: device_code": (m) => new TokenApiClient({ http, tokenUri: endpoint(m, "token") }).getTokenFromDeviceCode({ deviceCode: S.deviceCode, clientAuth: basic() }),
  "device authorization": (m) => new DeviceAuthorizationApiClient({ http, deviceAuthorizationUri: endpoint(m, "device") }).initiate({ clientAuth: post() }),
  introspection: (m) => new IntrospectionApiClient({ http, introspectionUri: endpoint(m, "introspect") }).validateAccessToken(S.accessToken, { clientAuth: basic() }),
  revocation: (m) => new RevocationApiClient({ http, revocationUri: endpoint(m, "revoke") }).revokeRefreshToken(S.refreshToken, { clientAuth: post() }),
  userinfo: (m) => new UserinfoApiClient({ http, userinfoUri: endpoint(m, "userinfo") }).userinfoFromAccessToken(S.accessToken),
  "legacy login": async (m) => {
    const kernel = createDefaultKernel({ services: { http } });
    const auth = await Auth.initializeFromConfigDict({ client_type: "planet_legacy", legacy_auth_endpoint: endpoint(m, "login") }, { kernel });
    return auth.login({ username: "u@example.com", password: S.password });
  },
};

describe.each(Object.keys(FLOWS))("%s", (flow) => {
  test.each(MODES)("fails on %s without a secret anywhere in the error", async (mode) => {
    const err = await FLOWS[flow]!(mode).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    for (const showHidden of [false, true]) {
      const dump = inspect(err, { depth: Infinity, showHidden });
      for (const secret of SECRETS) expect(dump).not.toContain(secret);
    }
    expect(JSON.stringify(err)).not.toMatch(new RegExp(SECRETS.join("|")));
  });
});

test("no redirect delivered anything to the other server", () => {
  expect(elsewhere.requests).toEqual([]);
});

test("an echoed secret is replaced by <redacted> in the quoted server text, which keeps the rest of what the server said", async () => {
  const err = (await FLOWS["token: client_credentials"]!("echo").catch((e: unknown) => e)) as Error;
  expect(err.message).toMatch(/^Error from OIDC endpoint at .*\/echo\/token: bad : rejected: grant_type=client_credentials&client_id=app&client_secret=<redacted>/);
});
