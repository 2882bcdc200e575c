/** The framework-neutral parts of the middleware: header parsing, challenges, granted scopes. */
import { describe, expect, test } from "@jest/globals";
import { BearerAuthError, BearerChallenge, bearerToken, claimIncludesGuard, grantedScopes } from "../../src/integrations/bearer.js";

const challenge = new BearerChallenge("api");

function refusal(header: string): BearerAuthError {
  try {
    bearerToken(header, challenge);
  } catch (err) {
    return err as BearerAuthError;
  }
  throw new Error(`${JSON.stringify(header)} was accepted`);
}

describe("bearerToken", () => {
  test.each([
    ["Bearer abc", "abc"],
    ["bearer abc", "abc"],
    ["BEARER   a-b.c_d~e+f/g==", "a-b.c_d~e+f/g=="],
  ])("%j → %j", (header, token) => {
    expect(bearerToken(header, challenge)).toBe(token);
  });

  test.each([[undefined], ["Basic dXNlcjpwYXNz"], ["Bearerabc"], ["Token abc"]])("%j carries no bearer token", (header) => {
    expect(bearerToken(header, challenge)).toBeUndefined();
  });

  test.each([["Bearer"], ["Bearer "], ["Bearer a b"], ["Bearer =abc"], ["Bearer a=b"], ["Bearer a\u00e9"]])("%j is invalid_request", (header) => {
    const err = refusal(header);
    expect(err).toBeInstanceOf(BearerAuthError);
    expect({ status: err.status, error: err.error, headers: err.headers }).toEqual({
      status: 400,
      error: "invalid_request",
      headers: { "WWW-Authenticate": 'Bearer realm="api", error="invalid_request"' },
    });
  });
});

describe("BearerChallenge", () => {
  test("the realm is a quoted-string with quotes and backslashes escaped", () => {
    expect(new BearerChallenge('a "b" \\c').error(undefined).headers["WWW-Authenticate"]).toBe('Bearer realm="a \\"b\\" \\\\c"');
  });

  test("without a realm: a bare challenge, or the error and scope alone", () => {
    const c = new BearerChallenge();
    expect(c.error(undefined)).toMatchObject({ status: 401, statusCode: 401, headers: { "WWW-Authenticate": "Bearer" } });
    expect(c.error("insufficient_scope", { scopes: ["a", "b"] })).toMatchObject({
      status: 403,
      code: "ERR_BEARER_AUTH",
      headers: { "WWW-Authenticate": 'Bearer error="insufficient_scope", scope="a b"' },
    });
  });
});

describe("grantedScopes", () => {
  test("from scope (space separated), else scp (list or string)", () => {
    expect(grantedScopes({ scope: "a  b", scp: ["x"] })).toEqual(["a", "b"]);
    expect(grantedScopes({ scp: ["x", 1, "y"] })).toEqual(["x", "y"]);
    expect(grantedScopes({ scp: "x y" })).toEqual(["x", "y"]);
    expect(grantedScopes({})).toEqual([]);
  });

  test("the token validator's reading (its scopesAnyof check): any whitespace separates, an empty scope falls back to scp", () => {
    expect(grantedScopes({ scope: "a\tb\nc" })).toEqual(["a", "b", "c"]);
    expect(grantedScopes({ scope: "", scp: ["x"] })).toEqual(["x"]);
    expect(grantedScopes({ scp: "x\ty" })).toEqual(["x", "y"]);
  });

  test("requireClaimIncludes reads a string claim as grantedScopes reads scope", () => {
    const auth = { claims: { scope: "a\tb", roles: "x\ny" }, scopes: ["a", "b"], introspection: null, token: "t", scheme: "Bearer" as const };
    expect(() => claimIncludesGuard("scope", ["b"])(auth, {})).not.toThrow();
    expect(() => claimIncludesGuard("roles", ["x", "y"])(auth, {})).not.toThrow();
    expect(() => claimIncludesGuard("roles", ["z"])(auth, {})).toThrow(BearerAuthError);
  });

  test("a fresh list each call: changing one changes no later answer", () => {
    const claims = Object.freeze({ scope: "a b" });
    grantedScopes(claims).push("c");
    expect(grantedScopes(claims)).toEqual(["a", "b"]);
  });
});
