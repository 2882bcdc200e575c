import { beforeAll, describe, expect, test } from "@jest/globals";
import { InvalidArgumentException } from "../../../../src/index.js";
import { TokenValidator, decodeJwtPayloadUnverified, decodeJwtUnverified } from "../../../../src/plugins/oidc/validation/index.js";
import type { KeyRing } from "./fixtures.js";
import { b64u, baseClaims, keyRing, signJose } from "./fixtures.js";

let ring: KeyRing;
beforeAll(async () => {
  ring = await keyRing();
});

describe("unverified decoding", () => {
  test("decodeJwtUnverified / hazmatUnverifiedDecode return header, payload and signature without verifying", async () => {
    const token = await signJose(ring.es256, baseClaims({ exp: 1 })); // expired: not checked here
    const [h, p] = token.split(".");
    const forged = `${h}.${p}.${b64u("not a signature")}`;
    for (const decode of [decodeJwtUnverified, TokenValidator.hazmatUnverifiedDecode]) {
      const d = decode(forged);
      expect(d.header).toEqual({ alg: "ES256", kid: "ec-256" });
      expect(d.payload).toMatchObject({ exp: 1, sub: "user-1" });
      expect(d.signature.toString()).toBe("not a signature");
    }
  });

  test("decodeJwtPayloadUnverified reads only the payload (for _iat/_exp bookkeeping)", async () => {
    const token = await signJose(ring.rsa1, baseClaims({ iat: 10, exp: 20 }));
    expect(decodeJwtPayloadUnverified(token)).toMatchObject({ iat: 10, exp: 20 });
    // a broken header does not matter to the payload-only decoder
    const [, p, s] = token.split(".");
    expect(decodeJwtPayloadUnverified(`${b64u("nope")}.${p}.${s}`)).toMatchObject({ exp: 20 });
  });

  test("malformed tokens ⇒ InvalidArgumentException without the token in the message", async () => {
    const token = await signJose(ring.rsa1);
    const [h, p, s] = token.split(".");
    const bad = ["", "a.b", `${h}.${p}.${s}.x`, `${h}.${b64u("[1]")}.${s}`, `${b64u("x")}.${p}.${s}`, `${h}.${p}=.${s}`, `${h}.${b64u("{")}.${s}`];
    for (const t of bad) {
      let err: unknown;
      try {
        decodeJwtUnverified(t);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentException);
      if (t.length > 10) expect((err as Error).message).not.toContain(s);
    }
    expect(() => decodeJwtPayloadUnverified(`${h}.${b64u("[1]")}.${s}`)).toThrow(InvalidArgumentException);
    expect(() => decodeJwtPayloadUnverified("x")).toThrow(InvalidArgumentException);
    expect(() => decodeJwtPayloadUnverified(undefined as unknown as string)).toThrow(InvalidArgumentException);
  });
});
