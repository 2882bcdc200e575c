/**
 * A resource server's DPoP nonce (RFC 9449 section 9), end to end through the got, fetch and axios
 * adapters: an Express API protected by our middleware in `dpop: "required"` mode with nonces on, tokens
 * from the embedded OpenID Provider. The first call is refused with `use_dpop_nonce` and sent once more
 * with a proof carrying the nonce; later calls carry it from the start. Only a request whose body can be
 * sent again is resent, only once, and only to the origin that asked; another origin sees neither the
 * token, nor a proof, nor the nonce.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import axios from "axios";
import express from "express";
import got from "got";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { Auth, FileStorageProvider, GotHttpClient, createKernel, type RequestAuthenticator } from "../../src/index.js";
import { decodeJwtPayloadUnverified } from "../../src/plugin-kit.js";
import * as ex from "../../src/integrations/express.js";
import { oidcPlugin } from "../../src/plugins/oidc/index.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";
import { everythingReceived, startRecordingServer, type RecordingServer } from "../support/recording-server.js";
import { makeTempDir } from "../support/temp-dir.js";

/** One request the protected API saw, and its answer. */
interface Seen {
  authorization?: string;
  dpop?: string;
  body: string;
  status?: number;
  answeredNonce?: string;
}

let op: OidcServer;
let home: { dir: string; cleanup: () => Promise<void> };
let api: { url: string; seen: Seen[]; server: http.Server }; // the protected API
let other: RecordingServer; // another origin: refuses every request with a nonce challenge of its own
let stubborn: RecordingServer; // an API that keeps asking for a new nonce

const proofClaims = (dpop: string | string[] | undefined) => decodeJwtPayloadUnverified(dpop as string) as { nonce?: string; jti: string; htm: string; htu: string };

/** Express, with our middleware in `dpop: "required"` mode with nonces on; records each request and its answer. */
async function startApi(): Promise<typeof api> {
  const seen: Seen[] = [];
  const app = express();
  app.use(express.text({ type: () => true }));
  app.use((req, res, next) => {
    const entry: Seen = { authorization: req.headers.authorization, dpop: req.headers.dpop as string | undefined, body: typeof req.body === "string" ? req.body : "" };
    seen.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
      entry.answeredNonce = res.getHeader("DPoP-Nonce") as string | undefined;
    });
    next();
  });
  const protect = ex.bearerAuth({ issuers: [{ issuer: op.issuer, audience: op.apiAudience }], dpop: { mode: "required", nonce: true } });
  app.get("/things", protect, (req, res) => void res.json({ sub: req.auth?.claims.sub }));
  app.post("/things", protect, (req, res) => void res.json({ echo: req.body }));
  app.get("/away", protect, (_req, res) => void res.redirect(307, `${other.url}/landed`));
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, server };
}

/** Answers every request `401` with `challenge` and a nonce of its own (`<prefix>-<n>`). */
function startChallenger(prefix: string, challenge: string): Promise<RecordingServer> {
  let count = 0;
  return startRecordingServer((_req, res) => {
    res.writeHead(401, { "WWW-Authenticate": challenge, "DPoP-Nonce": `${prefix}-${++count}` });
    res.end();
  });
}

beforeAll(async () => {
  [op, home] = await Promise.all([startOidcServer(), makeTempDir()]);
  [api, other, stubborn] = await Promise.all([startApi(), startChallenger("other", 'DPoP algs="ES256", error="use_dpop_nonce"'),
    // The error as a token, not a quoted string (RFC 9110 section 11.2 allows both), after a Bearer challenge.
    startChallenger("again", 'Bearer realm="api", DPoP error=use_dpop_nonce, algs="ES256"')]);
});
afterAll(async () => {
  api?.server.closeAllConnections();
  api?.server.close();
  await Promise.all([op?.stop(), other?.close(), stubborn?.close()]);
  await home?.cleanup();
});

/**
 * A request authenticator that remembers no nonce yet: a new context on the profile's stored token and
 * DPoP key (the first one logs in).
 */
async function freshAuthenticator(): Promise<RequestAuthenticator> {
  const kernel = createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }), storage: new FileStorageProvider({ homeDir: () => home.dir }) } });
  const auth = await Auth.initializeFromConfigDict(op.authClientConfig("oidc_client_credentials_secret", { dpop: true }), { kernel, tokenFile: "nonce/token.json" });
  await auth.ensureRequestAuthenticatorIsReady();
  return auth.requestAuthenticator();
}

type Adapter = "got" | "fetch" | "axios";
type Call = (method: string, url: string, body?: string | Readable) => Promise<{ status: number; body: string }>;

/** Calls through one adapter; an HTTP error status is an answer, not an exception. */
function caller(adapter: Adapter, authenticator: RequestAuthenticator): Call {
  if (adapter === "got") {
    const client = got.extend({ ...(authenticator.gotHooks() as object), throwHttpErrors: false, retry: { limit: 0 } });
    return async (method, url, body) => {
      const res = await client(url, { method: method as "GET", body });
      return { status: res.statusCode, body: res.body };
    };
  }
  if (adapter === "fetch") {
    const fetchWithAuth = authenticator.fetch();
    return async (method, url, body) => {
      const init = { method, body, ...(body instanceof Readable ? { duplex: "half" } : {}) };
      const res = await fetchWithAuth(url, init as RequestInit);
      return { status: res.status, body: await res.text() };
    };
  }
  // axios's default validateStatus: a 401 rejects, so the resend starts from the response interceptor's error path.
  const client = authenticator.axios(axios.create({ responseType: "text", transformResponse: (data: unknown) => data }));
  return async (method, url, body) => {
    try {
      const res = await client.request({ method, url, data: body });
      return { status: res.status, body: res.data as string };
    } catch (err) {
      if (axios.isAxiosError(err) && err.response) return { status: err.response.status, body: err.response.data as string };
      throw err;
    }
  };
}

test.each<Adapter>(["got", "fetch", "axios"])("%s: a request without a DPoP-bound credential is not resent", async (adapter) => {
  const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: "not-bound" });
  const before = stubborn.requests.length;
  expect((await caller(adapter, auth.requestAuthenticator())("GET", `${stubborn.url}/plain`)).status).toBe(401);
  expect(stubborn.requests.length - before).toBe(1);
});

describe.each<Adapter>(["got", "fetch", "axios"])("%s", (adapter) => {
  let call: Call;
  let token: string;
  beforeAll(async () => {
    const authenticator = await freshAuthenticator();
    token = (await authenticator.credential())!.data()!.access_token as string;
    call = caller(adapter, authenticator);
  });

  test("the first call is refused for want of a nonce and sent once more with it; the next call carries it from the start", async () => {
    const before = api.seen.length;
    const first = await call("GET", `${api.url}/things`);
    expect(first.status).toBe(200);
    expect(JSON.parse(first.body)).toEqual({ sub: expect.any(String) });
    const [refused, resent] = api.seen.slice(before);
    expect(api.seen.length - before).toBe(2);
    expect(refused!.status).toBe(401);
    expect(proofClaims(refused!.dpop).nonce).toBeUndefined();
    const nonce = refused!.answeredNonce;
    expect(nonce).toEqual(expect.any(String));
    expect(resent!.status).toBe(200);
    expect(resent!.authorization).toBe(`DPoP ${token}`);
    expect(proofClaims(resent!.dpop)).toMatchObject({ nonce, htm: "GET", htu: `${api.url}/things` });
    expect(proofClaims(resent!.dpop).jti).not.toBe(proofClaims(refused!.dpop).jti);

    const second = await call("GET", `${api.url}/things`);
    expect(second.status).toBe(200);
    expect(api.seen.length - before).toBe(3);
    expect(proofClaims(api.seen.at(-1)!.dpop).nonce).toBe(nonce);
  });

  test("a resent request carries its body again", async () => {
    const authenticator = await freshAuthenticator();
    const before = api.seen.length;
    const answer = await caller(adapter, authenticator)("POST", `${api.url}/things`, '{"n":1}');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ echo: '{"n":1}' });
    expect(api.seen.slice(before).map((s) => [s.status, s.body, proofClaims(s.dpop).htm])).toEqual([[401, '{"n":1}', "POST"], [200, '{"n":1}', "POST"]]);
  });

  test("a stream body is not sent again: the refusal is the answer, and the nonce is kept for the next call", async () => {
    const authenticator = await freshAuthenticator();
    const viaFreshClient = caller(adapter, authenticator);
    const before = api.seen.length;
    const answer = await viaFreshClient("POST", `${api.url}/things`, Readable.from(["streamed"]));
    expect(answer.status).toBe(401);
    expect(api.seen.slice(before).map((s) => [s.status, s.body])).toEqual([[401, "streamed"]]);
    const nonce = api.seen.at(-1)!.answeredNonce;
    expect((await viaFreshClient("GET", `${api.url}/things`)).status).toBe(200);
    expect(api.seen.length - before).toBe(2);
    expect(proofClaims(api.seen.at(-1)!.dpop).nonce).toBe(nonce);
  });

  test("a server that keeps asking for a new nonce gets exactly one resend, then its refusal is the answer", async () => {
    const before = stubborn.requests.length;
    const answer = await call("GET", `${stubborn.url}/x`);
    expect(answer.status).toBe(401);
    const seen = stubborn.requests.slice(before);
    expect(seen).toHaveLength(2);
    expect(proofClaims(seen[1]!.headers.dpop).nonce).toBe(`again-${before + 1}`);
  });

  test("a redirect to another origin carries neither the token, nor a proof, nor the nonce, and that origin's nonce challenge is not answered", async () => {
    const authenticator = await freshAuthenticator();
    const viaFreshClient = caller(adapter, authenticator);
    const before = { api: api.seen.length, other: other.requests.length };
    const answer = await viaFreshClient("GET", `${api.url}/away`);
    expect(answer.status).toBe(401); // the other origin's refusal
    expect(api.seen.slice(before.api).map((s) => s.status)).toEqual([401, 307]);
    const nonce = api.seen.at(-1)!.answeredNonce!;
    const landed = other.requests.slice(before.other);
    expect(landed).toHaveLength(1);
    expect([landed[0]!.headers.authorization, landed[0]!.headers.dpop]).toEqual([undefined, undefined]);
    expect(everythingReceived(other)).not.toContain(token);
    expect(everythingReceived(other)).not.toContain(nonce);
    // The other origin's nonce stays with it: the API still gets its own.
    expect((await viaFreshClient("GET", `${api.url}/things`)).status).toBe(200);
    expect(proofClaims(api.seen.at(-1)!.dpop).nonce).toBe(nonce);
  });
});
