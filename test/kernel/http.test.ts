import { afterEach, describe, expect, test } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { GotHttpClient, NetworkException, X_PLANET_APP } from "../../src/index.js";

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
