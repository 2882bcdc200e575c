/**
 * The middleware when an issuer's JWKS cannot be fetched, on real Express and Fastify servers with a
 * hand-made issuer on 127.0.0.1 whose JWKS endpoint fails (HTTP 500), stops listening and recovers:
 * 503 with Retry-After (never a 401, never internal detail, whatever the host's error handler), one
 * fetch in flight, back-off from 1 s doubling, recovery, and the last good keys served while down.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { AuthLogger, GotHttpClient, createKernel, oidcPlugin, type Clock } from "../../src/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { startHandMadeIssuer, type HandMadeIssuer } from "./support/hand-made-issuer.js";
import { send, startExpress, startFastify, type Route, type Running } from "./support/two-frameworks.js";

const AUDIENCE = "https://api.example.test/";
/** What must never reach a client: the issuer's address, file paths, stack frames, the cause's words. */
const INTERNAL = /127\.0\.0\.1|jwks|\/src\/|node_modules|\bat [\w.<>]+ \(|ECONNREFUSED|HTTP error/i;

let op: HandMadeIssuer;
beforeAll(async () => {
  op = await startHandMadeIssuer({ audience: AUDIENCE });
});
afterAll(() => op?.stop());

/** Stands still at the time it was made until the test moves it (tokens are signed on the real clock, within the 5 s tolerance). */
function movableClock(): Clock & { advance(seconds: number): void } {
  let now = Date.now();
  return { now: () => now, advance: (s) => void (now += s * 1000) };
}

const servers = {
  "express (final handler)": (routes: Route[]) => startExpress(routes),
  "express (bearerErrorHandler)": (routes: Route[]) => startExpress(routes, { errorHandler: true }),
  "fastify (default error handler)": startFastify,
};

describe.each(Object.entries(servers))("%s", (_name, startServer) => {
  let server: Running;
  let clock: ReturnType<typeof movableClock>;
  beforeAll(async () => {
    clock = movableClock();
    const kernel = createKernel({
      plugins: [oidcPlugin],
      services: { clock, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 2_000 }), logger: new AuthLogger(captureLogger()) },
    });
    await op.jwks("error");
    server = await startServer([{ path: "/me", options: { kernel, issuers: [{ issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri }] } }]);
  });
  afterAll(async () => {
    await server.close();
    await op.jwks("ok");
  });

  const fetches = () => op.hits["/jwks"] ?? 0;
  const call = async (token: string) => {
    const answer = await send(`${server.url}/me`, { rawHeaders: ["Authorization", `Bearer ${token}`] });
    return { status: answer.status, retryAfter: answer.headers.get("retry-after"), challenge: answer.headers.get("www-authenticate"), body: answer.body };
  };

  test("fails, backs off, recovers, then serves the last good keys while the endpoint is down", async () => {
    const token = await op.sign("ES256", { exp: Math.floor(Date.now() / 1000) + 30 * 86_400 });
    const before = fetches();

    // No keys yet and the endpoint failing: 503 with Retry-After, no challenge, nothing internal.
    const first = await call(token);
    expect(first).toMatchObject({ status: 503, retryAfter: "1", challenge: null });
    expect(first.body).not.toMatch(INTERNAL);
    expect(fetches() - before).toBe(1);

    // Within the back-off: no new fetch, however many requests.
    const burst = await Promise.all(Array.from({ length: 20 }, () => call(token)));
    expect(new Set(burst.map((a) => a.status))).toEqual(new Set([503]));
    expect(fetches() - before).toBe(1);

    // Back-off 1 s, then 2 s: one fetch each, even for 20 concurrent requests.
    clock.advance(1.1);
    const second = await Promise.all(Array.from({ length: 20 }, () => call(token)));
    expect(second[0]).toMatchObject({ status: 503, retryAfter: "2" });
    expect(fetches() - before).toBe(2);
    clock.advance(1.1);
    expect((await call(token)).status).toBe(503);
    expect(fetches() - before).toBe(2);

    // The endpoint recovers: the next permitted fetch succeeds and the token is accepted.
    await op.jwks("ok");
    clock.advance(1.1);
    expect((await call(token)).status).toBe(200);
    expect(fetches() - before).toBe(3);

    // Down past the key set's maximum age (1 h): the last good keys keep verifying.
    await op.jwks("down");
    clock.advance(3601);
    for (let i = 0; i < 5; i++) expect((await call(token)).status).toBe(200);
    // A token whose key is not in the cached set cannot be judged while the endpoint is down: 503, not 401.
    const unknownKey = await op.sign("ES256", {}, { kid: "rotated-in" });
    clock.advance(31);
    expect(await call(unknownKey)).toMatchObject({ status: 503, challenge: null });
    await op.jwks("ok");
  });
});
