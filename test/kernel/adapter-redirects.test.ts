/**
 * The got, fetch and axios adapters attach the credential only to the origin of the original request:
 * an API that redirects to a "bucket" on another port must not hand the bucket the credential.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import axios from "axios";
import got from "got";
import { RequestAuthenticator } from "../../src/index.js";
import { startRecordingServer, type RecordingServer } from "../support/recording-server.js";

const SECRET = "sk-live-credential-1234";

/** An authenticator with a fixed credential in a header of the test's choice. */
class FixedAuthenticator extends RequestAuthenticator {
  constructor(header: string) {
    super();
    this.authHeader = header;
    this.tokenPrefix = header === "Authorization" ? "Bearer" : null;
  }
  preRequestHook(): void {
    this.tokenBody = SECRET;
  }
}

let api: RecordingServer;
let bucket: RecordingServer;

beforeAll(async () => {
  bucket = await startRecordingServer((_req, res) => res.writeHead(200, { "content-type": "text/plain" }).end("object bytes"));
  api = await startRecordingServer((req, res) => {
    if (req.path === "/download") res.writeHead(302, { location: `${bucket.url}/object?X-Sig=abc` }).end();
    else if (req.path === "/moved") res.writeHead(301, { location: "/here" }).end();
    else if (req.path === "/upload") res.writeHead(307, { location: `${bucket.url}/object` }).end();
    else res.writeHead(200, { "content-type": "text/plain" }).end("api bytes");
  });
});
afterAll(async () => {
  await api.close();
  await bucket.close();
});
beforeEach(() => {
  api.requests.length = 0;
  bucket.requests.length = 0;
});

type Get = (auth: RequestAuthenticator, url: string) => Promise<string>;
const adapters: Array<[string, Get]> = [
  ["got", (auth, url) => got.extend(auth.gotHooks()).get(url).text()],
  ["fetch", async (auth, url) => (await auth.fetch()(url)).text()],
  [
    "axios",
    async (auth, url) => {
      const client = axios.create({ responseType: "text" });
      client.interceptors.request.use(auth.axiosInterceptor());
      return (await client.get<string>(url)).data;
    },
  ],
];

describe.each(adapters)("%s adapter", (_name, get) => {
  test.each(["Authorization", "X-Api-Key"])("a redirect to another origin reaches it without the %s credential", async (header) => {
    const auth = new FixedAuthenticator(header);
    expect(await get(auth, `${api.url}/download`)).toBe("object bytes");
    expect(api.requests).toHaveLength(1);
    expect(JSON.stringify(api.requests[0]!.headers)).toContain(SECRET);
    expect(bucket.requests).toHaveLength(1);
    expect(JSON.stringify(bucket.requests[0]!.headers)).not.toContain(SECRET);
    expect(bucket.requests[0]!.headers[header.toLowerCase()]).toBeUndefined();
  });

  test("a redirect within the origin keeps the credential", async () => {
    const auth = new FixedAuthenticator("X-Api-Key");
    expect(await get(auth, `${api.url}/moved`)).toBe("api bytes");
    expect(api.requests.map((r) => r.path)).toEqual(["/moved", "/here"]);
    for (const r of api.requests) expect(r.headers["x-api-key"]).toBe(SECRET);
  });
});

test("fetch: a 307 POST to another origin is resent with its body but without the credential", async () => {
  const auth = new FixedAuthenticator("X-Api-Key");
  const res = await auth.fetch()(`${api.url}/upload`, { method: "POST", body: "payload", headers: { "content-type": "text/plain" } });
  expect(await res.text()).toBe("object bytes");
  expect(bucket.requests[0]).toMatchObject({ method: "POST", body: "payload" });
  expect(bucket.requests[0]!.headers["x-api-key"]).toBeUndefined();
});

test("fetch: redirect 'manual' is passed through with the credential on the one request sent", async () => {
  const auth = new FixedAuthenticator("X-Api-Key");
  const res = await auth.fetch()(`${api.url}/download`, { redirect: "manual" });
  expect(res.status).toBe(302);
  expect(bucket.requests).toHaveLength(0);
  expect(api.requests[0]!.headers["x-api-key"]).toBe(SECRET);
});

test("axios: a beforeRedirect the caller configured still runs", async () => {
  const auth = new FixedAuthenticator("X-Api-Key");
  const seen: string[] = [];
  const client = axios.create({ responseType: "text", beforeRedirect: (options) => void seen.push(String(options.href)) });
  client.interceptors.request.use(auth.axiosInterceptor());
  await client.get(`${api.url}/download`);
  expect(seen).toEqual([`${bucket.url}/object?X-Sig=abc`]);
  expect(bucket.requests[0]!.headers["x-api-key"]).toBeUndefined();
});
