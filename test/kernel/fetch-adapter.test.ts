/**
 * The fetch adapter's header handling: whatever form the caller gives its headers in (a plain record,
 * a Headers object, a list of pairs, a Request), the request carries the credential and X-Planet-App
 * exactly once, keeps the caller's other headers, and leaves the caller's objects as they were.
 */
import { afterAll, beforeAll, beforeEach, expect, test } from "@jest/globals";
import { NoCredentialException, NoOpRequestAuthenticator, RequestAuthenticator, X_PLANET_APP } from "../../src/index.js";
import { CredentialRequestAuthenticator } from "../../src/kernel/index.js";
import { startRecordingServer, type RecordingServer } from "../support/recording-server.js";

const SECRET = "sk-live-credential-5678";

class FixedAuthenticator extends RequestAuthenticator {
  constructor(private readonly async = false) {
    super();
    this.tokenPrefix = "Bearer";
  }
  preRequestHook(): void | Promise<void> {
    if (!this.async) {
      this.tokenBody = SECRET;
      return;
    }
    return new Promise<void>((resolve) => setImmediate(resolve)).then(() => void (this.tokenBody = SECRET));
  }
}

let api: RecordingServer;
beforeAll(async () => {
  api = await startRecordingServer((req, res) => {
    if (req.path === "/see-other") res.writeHead(303, { location: "/here" }).end();
    else res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  });
});
afterAll(() => api.close());
beforeEach(() => void (api.requests.length = 0));

const forms: Array<[string, () => [string | URL | Request, RequestInit | undefined]]> = [
  ["a plain record", () => [`${api.url}/a`, { headers: { Accept: "text/plain", authorization: "Basic caller" } }]],
  ["a Headers object", () => [`${api.url}/a`, { headers: new Headers({ Accept: "text/plain", authorization: "Basic caller" }) }]],
  ["a list of pairs", () => [`${api.url}/a`, { headers: [["Accept", "text/plain"], ["authorization", "Basic caller"]] }]],
  ["a Request", () => [new Request(`${api.url}/a`, { headers: { Accept: "text/plain", authorization: "Basic caller" } }), undefined]],
  ["a URL object", () => [new URL(`${api.url}/a`), { headers: { Accept: "text/plain", authorization: "Basic caller" } }]],
];

test.each(forms)("headers given as %s: the credential replaces the caller's header of any case, once; other headers are kept", async (_name, make) => {
  for (const auth of [new FixedAuthenticator(), new FixedAuthenticator(true)]) {
    api.requests.length = 0;
    const [input, init] = make();
    const res = await auth.fetch()(input, init);
    expect(await res.text()).toBe("ok");
    const { headers } = api.requests[0]!;
    expect(headers.authorization).toBe(`Bearer ${SECRET}`);
    expect(headers.accept).toBe("text/plain");
    expect(headers["x-planet-app"]).toBe(X_PLANET_APP);
  }
});

test("the caller's X-Planet-App, in any case, is kept and not repeated", async () => {
  await new FixedAuthenticator().fetch()(`${api.url}/a`, { headers: { "X-PLANET-APP": "my-app" } });
  expect(api.requests[0]!.headers["x-planet-app"]).toBe("my-app");
});

test("names that differ only in case are joined as Headers joins them", async () => {
  await new FixedAuthenticator().fetch()(`${api.url}/a`, { headers: { "X-Trace": "a", "x-trace": "b" } });
  expect(api.requests[0]!.headers["x-trace"]).toBe("a, b");
});

test("the caller's header record and init are left as they were", async () => {
  const headers = { Accept: "text/plain" };
  const init: RequestInit = { method: "post", body: "x", headers };
  await new FixedAuthenticator().fetch()(`${api.url}/a`, init);
  expect(headers).toEqual({ Accept: "text/plain" });
  expect(init).toEqual({ method: "post", body: "x", headers: { Accept: "text/plain" } });
  expect(api.requests[0]).toMatchObject({ method: "POST", body: "x" });
});

test("an authenticator without a credential header passes the caller's Authorization through", async () => {
  await new NoOpRequestAuthenticator().fetch()(`${api.url}/a`, { headers: { authorization: "Basic caller" } });
  expect(api.requests[0]!.headers.authorization).toBe("Basic caller");
  expect(api.requests[0]!.headers["x-planet-app"]).toBe(X_PLANET_APP);
});

test("a 303 after a POST with a plain record: the GET keeps the credential and drops the body's headers", async () => {
  await new FixedAuthenticator().fetch()(`${api.url}/see-other`, { method: "POST", body: "payload", headers: { "Content-Type": "text/plain", Accept: "text/plain" } });
  expect(api.requests.map((r) => [r.method, r.path])).toEqual([["POST", "/see-other"], ["GET", "/here"]]);
  const second = api.requests[1]!.headers;
  expect(second["content-type"]).toBeUndefined();
  expect(second.accept).toBe("text/plain");
  expect(second.authorization).toBe(`Bearer ${SECRET}`);
});

test("a missing credential rejects the returned promise (never a synchronous throw) and sends nothing", async () => {
  class Empty extends CredentialRequestAuthenticator {
    preRequestHook(): void {}
  }
  const wrapped = new Empty(null).fetch();
  let result: Promise<unknown> | undefined;
  expect(() => (result = wrapped(`${api.url}/a`))).not.toThrow();
  await expect(result).rejects.toBeInstanceOf(NoCredentialException);
  expect(api.requests).toHaveLength(0);
});
