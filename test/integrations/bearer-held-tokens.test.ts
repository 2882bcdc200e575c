/**
 * The middleware's same-turn answer (`BearerAuthenticator.authenticateNow`): a Bearer token the
 * validator has verified and still holds is answered without a promise, with the same verdicts as the
 * full path — a DPoP-bound token presented as Bearer is refused there too.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { BearerAuthError, BearerAuthenticator, type BearerRequest } from "../../src/integrations/bearer.js";
import { startHandMadeIssuer, type HandMadeIssuer } from "./support/hand-made-issuer.js";

const AUDIENCE = "https://api.example.test/";
let op: HandMadeIssuer;
let authenticator: BearerAuthenticator;
beforeAll(async () => {
  op = await startHandMadeIssuer({ audience: AUDIENCE });
  authenticator = new BearerAuthenticator({ issuers: [{ issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri }] });
  await authenticator.ready();
});
afterAll(() => op?.stop());

const requestWith = (authorization: string): BearerRequest => ({ rawHeaders: ["Authorization", authorization], headers: { authorization }, method: "GET", url: "/items" });

describe("authenticateNow", () => {
  test("a token seen for the first time is validated in full (a promise); once held, it is answered at once, same claims", async () => {
    const token = await op.sign("RS256", { jti: "held-once", scope: "items:read" });
    const first = authenticator.authenticateNow(requestWith(`Bearer ${token}`));
    expect(first).toBeInstanceOf(Promise);
    const auth = await first;
    const again = authenticator.authenticateNow(requestWith(`Bearer ${token}`));
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toMatchObject({ scheme: "Bearer", token, scopes: ["items:read"] });
    expect((again as { claims: unknown }).claims).toBe(auth!.claims);
  });

  test("a DPoP-bound token presented as Bearer is refused on the full path and, once held, on the same-turn path", async () => {
    const bound = await op.sign("RS256", { jti: "bound", cnf: { jkt: "0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I" } });
    const full = await Promise.resolve(authenticator.authenticateNow(requestWith(`Bearer ${bound}`))).catch((e: unknown) => e);
    expect(full).toBeInstanceOf(BearerAuthError);
    let held: unknown;
    try {
      authenticator.authenticateNow(requestWith(`Bearer ${bound}`));
    } catch (err) {
      held = err;
    }
    expect(held).toBeInstanceOf(BearerAuthError);
    expect({ status: (held as BearerAuthError).status, error: (held as BearerAuthError).error }).toEqual({ status: 401, error: "invalid_token" });
  });

  test("a request without a token is refused at once (authRequired)", () => {
    expect(() => authenticator.authenticateNow({ rawHeaders: [], headers: {}, method: "GET", url: "/items" })).toThrow(BearerAuthError);
  });
});
