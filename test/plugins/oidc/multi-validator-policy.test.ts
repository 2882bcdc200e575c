/**
 * OidcMultiIssuerValidator's own work per token, against a hand-made issuer on 127.0.0.1: the length
 * cap before any decoding, the payload decoded once, repeated tokens served by the verified-token
 * cache, and each issuer's policy over the defaults.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import {
  Auth, GotHttpClient, InvalidTokenException, IssuerUnavailableException, OidcMultiIssuerValidator, UnknownIssuerTokenException, createKernel, oidcPlugin,
} from "../../../src/index.js";
import crypto from "node:crypto";
import { availableParallelism } from "node:os";
import { verifierThreads } from "../../../src/plugins/oidc/validation/verifier-threads.js";
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

  test("decodes a token's payload once (issuer lookup and validation share it), and a repeated token not at all", async () => {
    await validator.validateAccessToken(await op.sign("ES256")); // keys fetched, header cached
    const token = await op.sign("ES256", { jti: "decoded-once" });
    const parse = jest.spyOn(JSON, "parse");
    try {
      await validator.validateAccessToken(token);
      expect(parse).toHaveBeenCalledTimes(1);
      await validator.validateAccessToken(token); // a verified-token cache hit: a lookup
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

  test("verifierThreads reaches each issuer's validator: off, concurrent signatures go to libuv's thread pool", async () => {
    const handed = () => verifierThreads.handed;
    const tokens = await Promise.all(Array.from({ length: 4 }, (_, i) => op.sign("RS256", { jti: `burst-${i}` })));
    const pooled = await OidcMultiIssuerValidator.fromIssuers([{ issuer: op.issuer, audience: AUDIENCE, jwksUri: op.jwksUri }], { logResult: false, verifierThreads: false });
    await pooled.validateAccessToken(await op.sign("RS256")); // keys fetched
    const poolVerify = jest.spyOn(crypto, "verify");
    try {
      let before = handed();
      await Promise.all(tokens.map((t) => pooled.validateAccessToken(t)));
      expect(handed() - before).toBe(0);
      expect(poolVerify.mock.calls.filter((args) => typeof args[4] === "function")).toHaveLength(3);
      before = handed();
      await Promise.all(tokens.map((t) => validator.validateAccessToken(t))); // the default: on
      expect(handed() - before).toBe(availableParallelism() > 1 ? 3 : 0);
    } finally {
      poolVerify.mockRestore();
    }
  });

  test("validateAccessTokenFromCache answers a held token at once, with the same checks, and nothing else", async () => {
    const token = await op.sign("RS256", { jti: "held" });
    expect(validator.validateAccessTokenFromCache(token)).toBeUndefined(); // never validated: the full path is needed
    const [claims] = await validator.validateAccessToken(token);
    const held = validator.validateAccessTokenFromCache(token);
    expect(held).toEqual([claims, null]);
    expect(held![0]).toBe(claims);
    expect(validator.validateAccessTokenFromCache(token, { doRemoteRevocationCheck: true })).toBeUndefined();
    // The call's own checks still run on a held token: a scope it does not grant is refused.
    expect(() => validator.validateAccessTokenFromCache(token, { scopesAnyof: ["not-granted"] })).toThrow(InvalidTokenException);
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

  test("an issuer whose metadata cannot be fetched: IssuerUnavailableException, one discovery attempt per back-off", async () => {
    const other = await startHandMadeIssuer({ audience: AUDIENCE });
    try {
      let now = Date.now();
      const kernel = createKernel({ plugins: [oidcPlugin], services: { clock: { now: () => now }, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 2_000 }) } });
      // No issuer in the config: it comes from discovery.
      const auth = await Auth.initializeFromConfigDict({ client_type: "oidc_client_validator", auth_server: other.issuer, audiences: [AUDIENCE] }, { kernel });
      const v = new OidcMultiIssuerValidator([auth], { logResult: false });
      const discoveries = () => other.hits["/.well-known/openid-configuration"] ?? 0;
      const token = await other.sign("ES256");
      other.metadata("error");
      const first = await v.validateAccessToken(token).catch((e: unknown) => e);
      expect(first).toBeInstanceOf(IssuerUnavailableException);
      expect(first).toMatchObject({ retryAfterSeconds: 1 });
      for (let i = 0; i < 10; i++) await expect(v.validateAccessToken(token)).rejects.toBeInstanceOf(IssuerUnavailableException);
      expect(discoveries()).toBe(1);
      now += 1100;
      await expect(v.validateAccessToken(token)).rejects.toMatchObject({ retryAfterSeconds: 2 });
      expect(discoveries()).toBe(2);
      other.metadata("ok");
      now += 2100;
      await expect(v.validateAccessToken(token)).resolves.toBeDefined();
      expect(discoveries()).toBe(3);
    } finally {
      await other.stop();
    }
  });
});
