/**
 * `expires_in` in token responses (RFC 6749 §5.1: the lifetime in seconds). A value that is not a
 * positive number is an error at the response check, never a token treated as never expiring.
 * nock stands in for a server that sends malformed lifetimes.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "@jest/globals";
import nock from "nock";
import { GotHttpClient } from "../../../../src/kernel/http.js";
import { TokenApiClient } from "../../../../src/plugins/oidc/api/index.js";
import { TokenApiException } from "../../../../src/plugins/oidc/errors.js";

const AS = "https://auth.example.test";
const http = new GotHttpClient({ retryBackoffMs: 1, timeoutMs: 5000 });

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});

function tokenResponse(expiresIn: unknown, options: { requireExpiresIn?: boolean } = {}) {
  nock(AS).post("/token").reply(200, { access_token: "AT-secret", refresh_token: "RT-secret", expires_in: expiresIn });
  return new TokenApiClient({ http, tokenUri: `${AS}/token`, ...options }).getTokenFromRefresh({ refreshToken: "rt" });
}

describe("expires_in check", () => {
  test.each([
    ["a numeric string", "3600", "a value of type string"],
    ["a negative number", -5, "-5"],
    ["zero", 0, "0"],
    ["a boolean", true, "a value of type boolean"],
    ["an object", { s: 1 }, "a value of type object"],
  ])("%s is a TokenApiException naming the field, without tokens", async (_label, value, shown) => {
    const err = (await tokenResponse(value).catch((e: unknown) => e)) as TokenApiException;
    expect(err).toBeInstanceOf(TokenApiException);
    expect(err.field).toBe("expires_in");
    expect(err.message).toBe(`Invalid token received: expires_in must be a positive number of seconds, got ${shown}`);
    expect(err.message).not.toContain("secret");
  });

  test("a malformed expires_in is refused even when expires_in is optional (requireExpiresIn: false)", async () => {
    await expect(tokenResponse("never", { requireExpiresIn: false })).rejects.toThrow(TokenApiException);
  });

  test("positive numbers are accepted, integers or not", async () => {
    await expect(tokenResponse(3600)).resolves.toMatchObject({ expires_in: 3600 });
    await expect(tokenResponse(59.5)).resolves.toMatchObject({ expires_in: 59.5 });
  });
});
