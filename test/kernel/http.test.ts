import { afterEach, describe, expect, test } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { GotHttpClient, NetworkException, NetworkTimeoutException, ResponseTooLargeException, X_PLANET_APP } from "../../src/index.js";

let server: http.Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

async function serve(handler: http.RequestListener): Promise<string> {
  server = http.createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe("GotHttpClient", () => {
  test("sends form bodies with X-Planet-App, omitting null values", async () => {
    const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
    const url = await serve((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    const res = await new GotHttpClient().request({ method: "POST", url, form: { a: "x y", b: null, c: undefined, d: "1" } });
    expect(res.status).toBe(200);
    expect(seen[0]!.body).toBe("a=x+y&d=1");
    expect(seen[0]!.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(seen[0]!.headers["x-planet-app"]).toBe(X_PLANET_APP);
  });

  test("retries a GET answered 429 with Retry-After: 0 instead of giving up", async () => {
    let hits = 0;
    const url = await serve((_req, res) => {
      hits++;
      if (hits === 1) res.writeHead(429, { "retry-after": "0" }).end();
      else res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
    const res = await new GotHttpClient({ retryBackoffMs: 1 }).request({ method: "GET", url });
    expect(res.status).toBe(200);
    expect(hits).toBe(2);
  });

  test("a server that never answers ends in a NetworkException after the timeout, without retrying the POST", async () => {
    let hits = 0;
    const url = await serve(() => {
      hits++; // never respond
    });
    const err = await new GotHttpClient({ timeoutMs: 200, retryBackoffMs: 1 }).request({ method: "POST", url, form: { code: "secret-code" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect((err as Error).message).toMatch(/Network error calling http:\/\/127\.0\.0\.1:\d+\/: ETIMEDOUT/);
    expect((err as Error).message).not.toContain("secret-code");
    expect(hits).toBe(1);
  });

  test("a refused connection is a NetworkException with the cause", async () => {
    const url = await serve(() => undefined);
    server!.close();
    await new Promise((r) => setTimeout(r, 10));
    const err = await new GotHttpClient({ retryLimit: 0 }).request({ method: "GET", url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect((err as Error).cause).toBeDefined();
  });
});

describe("GotHttpClient: a GET (keys, metadata, userinfo) over Node's own http", () => {
  test("sends X-Planet-App and the caller's headers, and returns status, headers, text body and URL", async () => {
    let seen: http.IncomingHttpHeaders = {};
    const url = await serve((req, res) => {
      seen = req.headers;
      res.writeHead(200, "Fine", { "content-type": "application/json", "x-multi": ["a", "b"] }).end('{"keys":["ü"]}');
    });
    const res = await new GotHttpClient().request({ method: "GET", url: `${url}/jwks?x=1`, headers: { Authorization: "Bearer at" } });
    expect(res).toMatchObject({ status: 200, statusText: "Fine", body: '{"keys":["ü"]}', url: `${url}/jwks?x=1` });
    expect(res.headers["content-type"]).toBe("application/json");
    expect(seen["x-planet-app"]).toBe(X_PLANET_APP);
    expect(seen.authorization).toBe("Bearer at");
  });

  test("a body past the cap without a declared length is cut off: ResponseTooLargeException", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = "x".repeat(16 * 1024);
      for (let i = 0; i < 8; i++) res.write(chunk);
      res.end();
    });
    await expect(new GotHttpClient({ maxResponseBytes: 64 * 1024 }).request({ method: "GET", url })).rejects.toBeInstanceOf(ResponseTooLargeException);
  });

  test("a response that breaks off is retried as a GET may be, then a NetworkException", async () => {
    let hits = 0;
    const url = await serve((_req, res) => {
      hits++;
      res.writeHead(200, { "content-length": "100" });
      res.write("partial");
      setImmediate(() => res.destroy());
    });
    const err = await new GotHttpClient({ retryLimit: 1, retryBackoffMs: 1 }).request({ method: "GET", url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkException);
    expect((err as Error).message).toMatch(/ECONNRESET/);
    expect(hits).toBe(2);
  });

  test("a server that never answers: a NetworkTimeoutException", async () => {
    const url = await serve(() => undefined);
    const err = await new GotHttpClient({ timeoutMs: 300, retryBackoffMs: 1 }).request({ method: "GET", url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkTimeoutException);
  });

  test("an aborted signal ends the call with its reason", async () => {
    const url = await serve(() => undefined);
    const controller = new AbortController();
    const pending = new GotHttpClient().request({ method: "GET", url, signal: controller.signal });
    setTimeout(() => controller.abort(new Error("caller gave up")), 50);
    await expect(pending).rejects.toThrow("caller gave up");
  });

  test("a URL that is neither http nor https is refused", async () => {
    await expect(new GotHttpClient({ retryLimit: 0 }).request({ method: "GET", url: "ftp://127.0.0.1/x" })).rejects.toBeInstanceOf(NetworkException);
  });
});
