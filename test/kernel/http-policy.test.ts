/**
 * The HTTP seam's rules for calls that carry secrets, against 127.0.0.1 servers: no redirects (a
 * same-origin one only when asked), POST retries only when the request never left, one time budget
 * per call, a response size cap, and errors that hold no request headers or body.
 */
import { describe, expect, test } from "@jest/globals";
import { inspect } from "node:util";
import {
  GotHttpClient, NetworkException, NetworkTimeoutException, RedirectRefusedException, ResponseTooLargeException, type HttpRequest, type Sleep,
} from "../../src/index.js";
import { refusedPortUrl, recordingServersClosedAfterEach } from "../support/recording-server.js";

const CLIENT_SECRET = "client-secret-9f8e7d";
const REFRESH_TOKEN = "refresh-token-one-time-5a4b";
const BASIC = `Basic ${Buffer.from(`app:${CLIENT_SECRET}`).toString("base64")}`;

const serve = recordingServersClosedAfterEach();

function tokenPost(url: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: "POST", url, form: { grant_type: "refresh_token", refresh_token: REFRESH_TOKEN }, headers: { Authorization: BASIC }, ...extra };
}

function expectNoSecrets(err: unknown): void {
  const dump = inspect(err, { depth: Infinity, showHidden: false });
  for (const secret of [CLIENT_SECRET, REFRESH_TOKEN, BASIC, Buffer.from(`app:${CLIENT_SECRET}`).toString("base64")]) expect(dump).not.toContain(secret);
}

/** A sleep that returns at once, advancing a fake clock, and records what it was asked to wait. */
function fakeTime() {
  let now = 1_000_000;
  const waits: number[] = [];
  const sleep: Sleep = async (ms) => {
    waits.push(ms);
    now += ms;
  };
  return { clock: { now: () => now }, sleep, waits };
}

describe("redirects", () => {
  test("an auth-server POST answered 302 to another port fails naming the URL and the Location host; the secret never reaches the target", async () => {
    const elsewhere = await serve((_r, res) => res.writeHead(200, { "content-type": "application/json" }).end("{}"));
    for (const status of [301, 302, 303, 307, 308]) {
      const target = await serve((_r, res) => res.writeHead(status, { location: `${elsewhere.url}/steal?sig=query-secret` }).end());
      const err = await new GotHttpClient().request(tokenPost(`${target.url}/token?x=query-secret`)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RedirectRefusedException);
      const e = err as RedirectRefusedException;
      expect(e.message).toContain(`POST ${target.url}/token answered ${status}`);
      expect(e.message).toContain(`to host ${new URL(elsewhere.url).host}`);
      expect(e.message).not.toContain("query-secret");
      expect(e).toMatchObject({ method: "POST", url: `${target.url}/token`, status, code: "ERR_REDIRECT_REFUSED" });
      expectNoSecrets(err);
      expect(target.requests).toHaveLength(1);
    }
    expect(elsewhere.requests).toHaveLength(0);
  });

  test("a POST redirected within the same origin is refused too", async () => {
    const as = await serve((r, res) => (r.path === "/token" ? res.writeHead(307, { location: "/token2" }).end() : res.end("{}")));
    await expect(new GotHttpClient().request(tokenPost(`${as.url}/token`))).rejects.toBeInstanceOf(RedirectRefusedException);
    expect(as.requests.map((r) => r.path)).toEqual(["/token"]);
  });

  test("a GET (userinfo-like) follows no redirect by default", async () => {
    const as = await serve((r, res) => (r.path === "/a" ? res.writeHead(302, { location: "/b" }).end() : res.end("{}")));
    await expect(new GotHttpClient().request({ method: "GET", url: `${as.url}/a`, headers: { Authorization: "Bearer at" } })).rejects.toThrow(
      /GET http:\/\/127\.0\.0\.1:\d+\/a answered 302 redirecting to host 127\.0\.0\.1:\d+; redirects are not followed/,
    );
    expect(as.requests).toHaveLength(1);
  });

  test("redirect 'same-origin' follows a GET within the origin and refuses one to another port", async () => {
    const other = await serve((_r, res) => res.end("{}"));
    const as = await serve((r, res) => {
      if (r.path === "/jwks") res.writeHead(301, { location: "/keys/v2" }).end();
      else if (r.path === "/away") res.writeHead(302, { location: `${other.url}/keys` }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}');
    });
    const http = new GotHttpClient();
    const res = await http.request({ method: "GET", url: `${as.url}/jwks`, redirect: "same-origin" });
    expect(res.body).toBe('{"keys":[]}');
    await expect(http.request({ method: "GET", url: `${as.url}/away`, redirect: "same-origin" })).rejects.toThrow(/only same-origin redirects are followed/);
    expect(other.requests).toHaveLength(0);
  });

  test("a same-origin redirect naming user:password@ is followed without them: no credential the server chose is sent", async () => {
    const as = await serve((r, res) => {
      if (r.path === "/jwks") res.writeHead(302, { location: `http://planted:pw-from-server@${r.headers.host}/keys` }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"keys":[]}');
    });
    const res = await new GotHttpClient().request({ method: "GET", url: `${as.url}/jwks`, redirect: "same-origin" });
    expect(res.body).toBe('{"keys":[]}');
    expect(as.requests.map((r) => r.path)).toEqual(["/jwks", "/keys"]);
    expect(as.requests[1]!.headers.authorization).toBeUndefined();
    expect(res.url).not.toContain("pw-from-server");
  });

  test("a same-origin redirect loop ends at maxRedirects", async () => {
    const as = await serve((_r, res) => res.writeHead(302, { location: "/again" }).end());
    await expect(new GotHttpClient({ maxRedirects: 3 }).request({ method: "GET", url: `${as.url}/x`, redirect: "same-origin" })).rejects.toThrow(
      "more than 3 redirects",
    );
    expect(as.requests).toHaveLength(4);
  });
});

describe("retries and the time budget", () => {
  test("a POST to a refused port is retried (it never left), with the back-off waits, then fails with the cause's code", async () => {
    const t = fakeTime();
    const url = await refusedPortUrl();
    const err = await new GotHttpClient({ ...t, retryLimit: 3, retryBackoffMs: 1000 }).request(tokenPost(`${url}/token`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect((err as Error).message).toContain("ECONNREFUSED");
    expect(t.waits).toEqual([0, 2000, 4000]);
    expect(((err as Error).cause as { code?: string }).code).toBe("ECONNREFUSED");
    expectNoSecrets(err);
  });

  test("a POST whose connection is reset after the request arrived is sent once", async () => {
    const as = await serve((_r, res) => res.socket?.destroy());
    const err = await new GotHttpClient({ ...fakeTime(), retryLimit: 3 }).request(tokenPost(`${as.url}/token`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect(as.requests).toHaveLength(1);
    expectNoSecrets(err);
  });

  test("a POST whose response breaks off after the first bytes is sent once", async () => {
    const as = await serve((_r, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" });
      res.write('{"access_token":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const err = await new GotHttpClient({ ...fakeTime(), retryLimit: 3 }).request(tokenPost(`${as.url}/token`)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect(as.requests).toHaveLength(1);
  });

  test("a POST answered 503 is not resent", async () => {
    const as = await serve((_r, res) => res.writeHead(503).end());
    const res = await new GotHttpClient({ ...fakeTime(), retryLimit: 3 }).request(tokenPost(`${as.url}/token`));
    expect(res.status).toBe(503);
    expect(as.requests).toHaveLength(1);
  });

  test("a stalling server: the timeout is the whole budget — one attempt, a timeout error, no retry", async () => {
    const t = fakeTime();
    const as = await serve(() => undefined); // never answers
    for (const method of ["GET", "POST"] as const) {
      as.requests.length = 0;
      const err = await new GotHttpClient({ sleep: t.sleep, retryLimit: 3, retryBackoffMs: 1 })
        .request({ ...tokenPost(`${as.url}/token`), method, form: method === "POST" ? { refresh_token: REFRESH_TOKEN } : undefined, timeoutMs: 150 })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetworkTimeoutException);
      expect((err as NetworkTimeoutException).code).toBe("ERR_NETWORK_TIMEOUT");
      expect((err as Error).message).toContain("ETIMEDOUT");
      expect(as.requests).toHaveLength(1);
      expectNoSecrets(err);
    }
    expect(t.waits).toEqual([]);
  });

  test("GET retries stop when the next wait would pass the budget (3 s budget, waits 0 then 2 s, the 4 s wait does not fit)", async () => {
    const t = fakeTime();
    const as = await serve((_r, res) => res.socket?.destroy());
    const err = await new GotHttpClient({ ...t, retryLimit: 5, retryBackoffMs: 1000, timeoutMs: 3000 }).request({ method: "GET", url: `${as.url}/jwks` }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect(t.waits).toEqual([0, 2000]);
    expect(as.requests).toHaveLength(3);
  });

  test("a GET answered 429 waits Retry-After only when it fits in the budget", async () => {
    const t = fakeTime();
    const as = await serve((_r, res) => res.writeHead(429, { "retry-after": "10" }).end());
    const res = await new GotHttpClient({ ...t, timeoutMs: 5000 }).request({ method: "GET", url: `${as.url}/doc` });
    expect(res.status).toBe(429);
    expect(t.waits).toEqual([]);
    expect(as.requests).toHaveLength(1);
  });
});

describe("response size cap", () => {
  const big = "x".repeat(64 * 1024);
  test.each([
    ["with a content-length", true],
    ["chunked", false],
  ])("a body past the cap (%s) fails cleanly", async (_name, withLength) => {
    const as = await serve((_r, res) => {
      const body = `{"pad":"${big.repeat(20)}"}`;
      res.writeHead(200, { "content-type": "application/json", ...(withLength ? { "content-length": String(Buffer.byteLength(body)) } : {}) });
      res.end(body);
    });
    const err = await new GotHttpClient().request({ method: "GET", url: `${as.url}/jwks`, maxResponseBytes: 1024 * 1024 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ResponseTooLargeException);
    expect((err as Error).message).toMatch(/The response from GET http:\/\/127\.0\.0\.1:\d+\/jwks is larger than 1048576 bytes/);
  });

  test("the default cap is 1 MiB and is configurable per client and per call", async () => {
    const as = await serve((_r, res) => res.writeHead(200, { "content-type": "application/json" }).end(`{"pad":"${big}"}`));
    expect(new GotHttpClient().options.maxResponseBytes).toBe(1024 * 1024);
    await expect(new GotHttpClient().request({ method: "GET", url: as.url })).resolves.toMatchObject({ status: 200 });
    await expect(new GotHttpClient({ maxResponseBytes: 1000 }).request({ method: "GET", url: as.url })).rejects.toBeInstanceOf(ResponseTooLargeException);
    await expect(new GotHttpClient().request({ method: "GET", url: as.url, maxResponseBytes: 1000 })).rejects.toBeInstanceOf(ResponseTooLargeException);
  });
});

test("a network error's cause is a plain error with the code, not got's request (headers and form)", async () => {
  const url = await refusedPortUrl();
  const err = (await new GotHttpClient({ retryLimit: 0 }).request(tokenPost(`${url}/token?client_secret=${CLIENT_SECRET}`)).catch((e: unknown) => e)) as NetworkException;
  expect(err).toMatchObject({ method: "POST", url: `${url}/token` });
  expect(Object.keys(err.cause as object)).toEqual(["code"]);
  expectNoSecrets(err);
});
