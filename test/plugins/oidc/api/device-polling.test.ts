/** Device-code polling (protocols.md §5.2 with gap P5 fixed): injected Sleep and Clock, scripted HTTP. */
import { describe, expect, test } from "@jest/globals";
import type { HttpClient, HttpRequest, HttpResponse } from "../../../../src/kernel/http.js";
import type { Sleep } from "../../../../src/kernel/seams.js";
import { DeviceAuthorizationApiClient, PublicClientAuth, TokenApiClient } from "../../../../src/plugins/oidc/api/index.js";
import {
  DeviceAccessDeniedException,
  DeviceAuthorizationApiException,
  DeviceCodeExpiredException,
  OidcApiClientException,
  TokenApiTimeoutException,
} from "../../../../src/plugins/oidc/errors.js";

const json = (status: number, body: unknown): HttpResponse => ({
  status,
  statusText: status === 200 ? "OK" : "Bad Request",
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
  url: "https://as.test/token",
});
const pending = () => json(400, { error: "authorization_pending" });
const slowDown = () => json(400, { error: "slow_down" });
const success = () => json(200, { access_token: "at", expires_in: 60 });

/** A scripted server, a fake clock and a sleep that advances it. */
function harness(script: Array<() => HttpResponse>, start = 0) {
  let now = start;
  const requests: HttpRequest[] = [];
  const sleeps: number[] = [];
  const http: HttpClient = {
    async request(r) {
      requests.push(r);
      const next = script.shift();
      if (!next) throw new Error("unexpected request");
      return next();
    },
  };
  const clock = { now: () => now };
  const sleep: Sleep = async (ms, signal) => {
    signal?.throwIfAborted();
    sleeps.push(ms);
    now += ms;
  };
  const client = new TokenApiClient({ http, clock, tokenUri: "https://as.test/token" });
  return { client, requests, sleeps, sleep, clock, advance: (ms: number) => (now += ms) };
}

const initiated = { device_code: "DC", user_code: "UC", verification_uri: "https://as.test/activate", expires_in: 600 };

describe("pollForTokenFromDeviceCode", () => {
  test("sleeps one interval (default 5 s) before each poll; pending continues; slow_down adds 5 s permanently", async () => {
    const h = harness([pending, slowDown, pending, success]);
    const tok = await h.client.pollForTokenFromDeviceCode({ initiated, initiatedAt: 0, clientAuth: new PublicClientAuth("tv"), sleep: h.sleep });
    expect(tok).toEqual({ access_token: "at", expires_in: 60 });
    expect(h.sleeps).toEqual([5000, 5000, 10000, 10000]);
    expect(h.requests).toHaveLength(4);
    expect(h.requests[0]!.form).toEqual({ grant_type: "urn:ietf:params:oauth:grant-type:device_code", device_code: "DC", client_id: "tv" });
  });

  test("uses the server's interval", async () => {
    const h = harness([pending, success]);
    await h.client.pollForTokenFromDeviceCode({ initiated: { ...initiated, interval: 2 }, initiatedAt: 0, sleep: h.sleep });
    expect(h.sleeps).toEqual([2000, 2000]);
  });

  test("deadline is measured from initiation (P5), not from the start of polling", async () => {
    const h = harness(Array.from({ length: 100 }, () => pending), 1_000_000);
    const initiatedAt = 1_000_000;
    h.advance(20_000); // the user took 20 s to read the code before polling started
    const err = await h.client
      .pollForTokenFromDeviceCode({ initiated: { ...initiated, expires_in: 30 }, initiatedAt, sleep: h.sleep })
      .catch((e) => e);
    expect(err).toBeInstanceOf(TokenApiTimeoutException);
    expect(h.sleeps).toEqual([5000, 5000]); // 20 s + 2 × 5 s = 30 s ⇒ deadline reached
    expect(h.requests).toHaveLength(2);
  });

  test("the initiation time recorded by DeviceAuthorizationApiClient is the default start", async () => {
    let now = 0;
    const clock = { now: () => now };
    const script = [
      () => json(200, { device_code: "DC", user_code: "UC", verification_uri: "v", expires_in: 10 }),
      ...Array.from({ length: 10 }, () => pending),
    ];
    const http: HttpClient = { request: async () => script.shift()!() };
    const init = await new DeviceAuthorizationApiClient({ http, clock, deviceAuthorizationUri: "https://as.test/device" }).initiate();
    now = 6_000; // 6 s pass between initiation and polling
    const sleeps: number[] = [];
    const sleep: Sleep = async (ms) => {
      sleeps.push(ms);
      now += ms;
    };
    const err = await new TokenApiClient({ http, clock, tokenUri: "https://as.test/token" }).pollForTokenFromDeviceCode({ initiated: init, sleep }).catch((e) => e);
    expect(err).toBeInstanceOf(TokenApiTimeoutException);
    expect(sleeps).toEqual([5000]);
  });

  test("access_denied and expired_token get their own exceptions; other errors are rethrown", async () => {
    const denied = harness([pending, () => json(400, { error: "access_denied", error_description: "user said no" })]);
    const e1 = await denied.client.pollForTokenFromDeviceCode({ initiated, sleep: denied.sleep }).catch((e) => e);
    expect(e1).toBeInstanceOf(DeviceAccessDeniedException);
    expect(e1.message).toContain("access_denied: user said no");

    const expired = harness([() => json(400, { error: "expired_token" })]);
    const e2 = await expired.client.pollForTokenFromDeviceCode({ initiated, sleep: expired.sleep }).catch((e) => e);
    expect(e2).toBeInstanceOf(DeviceCodeExpiredException);
    expect(e2.errorCode).toBe("expired_token");

    const other = harness([() => json(400, { error: "invalid_grant" })]);
    const e3 = await other.client.pollForTokenFromDeviceCode({ initiated, sleep: other.sleep }).catch((e) => e);
    expect(e3.constructor).toBe(OidcApiClientException);
    expect(e3.errorCode).toBe("invalid_grant");
  });

  test("success without expires_in is rejected like any token response", async () => {
    const h = harness([() => json(200, { access_token: "at" })]);
    await expect(h.client.pollForTokenFromDeviceCode({ initiated, sleep: h.sleep })).rejects.toThrow("Missing expires_in");
  });

  test("missing/invalid expires_in in the initiation data is a clear error, not a crash (P5)", async () => {
    const h = harness([]);
    const { expires_in: _drop, ...noExpiry } = initiated;
    await expect(h.client.pollForTokenFromDeviceCode({ initiated: noExpiry as typeof initiated, sleep: h.sleep })).rejects.toBeInstanceOf(
      DeviceAuthorizationApiException,
    );
    expect(h.requests).toHaveLength(0);
  });

  test("cancellable: aborting during a sleep rejects with the abort reason and stops polling", async () => {
    const h = harness(Array.from({ length: 10 }, () => pending));
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    let calls = 0;
    const sleep: Sleep = async (ms, signal) => {
      if (++calls === 3) controller.abort(reason);
      return h.sleep(ms, signal);
    };
    await expect(h.client.pollForTokenFromDeviceCode({ initiated, sleep, signal: controller.signal })).rejects.toBe(reason);
    expect(h.requests).toHaveLength(2);
  });
});
