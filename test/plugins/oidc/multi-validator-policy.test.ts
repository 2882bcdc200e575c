/**
 * OidcMultiIssuerValidator's own work per token, against a hand-made issuer on 127.0.0.1: the length
 * cap before any decoding, the payload decoded once, repeated tokens served by the verified-token
 * cache, and each issuer's policy over the defaults.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { InvalidTokenException, OidcMultiIssuerValidator, UnknownIssuerTokenException } from "../../../src/index.js";
import { startHandMadeIssuer, type HandMadeIssuer } from "../../integrations/support/hand-made-issuer.js";

const AUDIENCE = "https://api.example.test/";
let op: HandMadeIssuer;
let validator: OidcMultiIssuerValidator;
beforeAll(async () => {
  op = await startHandMadeIssuer({ audience: AUDIENCE });
  validator = await OidcMultiIssuerValidator.fromIssuers([{ issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri }], { logResult: false });
});
afterAll(() => op?.stop());

describe("validateAccessToken", () => {
  test("checks the length cap before decoding: a 64 MiB token is refused for its length, not its issuer", async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const payload = b64({ iss: "https://untrusted.example/", pad: "x".repeat(48 * 1024 * 1024) });
    const huge = `${b64({ alg: "ES256", kid: "k" })}.${payload}.c2ln`;
    const parse = jest.spyOn(JSON, "parse");
    try {
      const err = await validator.validateAccessToken(huge).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidTokenException);
      expect(err).not.toBeInstanceOf(UnknownIssuerTokenException);
      expect((err as Error).message).toMatch(/longer than the maximum of 16384 characters/);
      expect(parse).not.toHaveBeenCalled();
    } finally {
      parse.mockRestore();
    }
  });

  test("decodes a token's payload once (issuer lookup and validation share it)", async () => {
    const token = await op.sign("ES256");
    await validator.validateAccessToken(token); // keys fetched, header cached
    const parse = jest.spyOn(JSON, "parse");
    try {
      await validator.validateAccessToken(token);
      expect(parse).toHaveBeenCalledTimes(1);
    } finally {
      parse.mockRestore();
    }
  });

  test("a repeated token is verified once (the verified-token cache), a new one again", async () => {
    const checks = () => validator.signatureChecks;
    const token = await op.sign("RS256", { jti: "repeat" });
    const before = checks();
    for (let i = 0; i < 50; i++) await validator.validateAccessToken(token);
    expect(checks() - before).toBe(1);
    await validator.validateAccessToken(await op.sign("RS256", { jti: "new" }));
    expect(checks() - before).toBe(2);
  });

  test("each issuer's policy wins over the defaults", async () => {
    const other = await startHandMadeIssuer({ audience: AUDIENCE });
    try {
      const v = await OidcMultiIssuerValidator.fromIssuers(
        [
          { issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri, algorithms: ["EdDSA"] },
          { issuer: other.issuer, audience: AUDIENCE, jwksUri: other.jwksUri },
        ],
        { logResult: false, algorithms: ["ES256"] },
      );
      await expect(v.validateAccessToken(await op.sign("EdDSA"))).resolves.toBeDefined();
      await expect(v.validateAccessToken(await op.sign("ES256"))).rejects.toBeInstanceOf(InvalidTokenException);
      await expect(v.validateAccessToken(await other.sign("ES256"))).resolves.toBeDefined();
      await expect(v.validateAccessToken(await other.sign("EdDSA"))).rejects.toBeInstanceOf(InvalidTokenException);
    } finally {
      await other.stop();
    }
  });
});
