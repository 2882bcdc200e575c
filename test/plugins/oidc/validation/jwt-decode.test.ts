import { beforeAll, describe, expect, test } from "@jest/globals";
import { InvalidArgumentException } from "../../../../src/index.js";
import { TokenValidator, decodeJwtPayloadUnverified, decodeJwtUnverified } from "../../../../src/plugins/oidc/validation/index.js";
import { InvalidTokenException } from "../../../../src/index.js";
import type { KeyRing } from "./fixtures.js";
import { AUDIENCE, ISSUER, b64u, baseClaims, fixedClock, keyRing, memoryJwks, signJose } from "./fixtures.js";

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

describe("a segment is the one canonical base64url encoding of its bytes", () => {
  // Node's decoder reads each of these as the bytes of the original segment (or skips it): only the
  // rule that a segment is the one canonical spelling of its bytes tells them apart.
  const spellings: Record<string, (segment: string) => string> = {
    "a character above U+00FF whose low byte is in the alphabet": (seg) => `${seg.slice(0, 4)}${String.fromCharCode(0x100 + seg.charCodeAt(4))}${seg.slice(5)}`,
    "the base64 alphabet's + and /": (seg) => seg.replace(/-/g, "+").replace(/_/g, "/").replace(/^[A-Za-z0-9]/, "+"),
    "a padding =": (seg) => `${seg}=`,
    "a space": (seg) => `${seg.slice(0, 3)} ${seg.slice(3)}`,
    "a character Node's decoder skips": (seg) => `${seg.slice(0, 3)}!${seg.slice(3)}`,
    "a last character with unused bits set": (seg) => {
      // A segment whose length is 2 or 3 mod 4 ends in a character with 4 or 2 unused bits: set the lowest.
      const s = seg.length % 4 === 0 ? seg.slice(0, -1) : seg;
      const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
      return `${s.slice(0, -1)}${alphabet[alphabet.indexOf(s.at(-1)!) | 1]}`;
    },
    "a whole extra character (length 1 mod 4)": (seg) => `${seg}${"AAA".slice(0, (4 - (seg.length % 4)) % 4)}A`,
  };

  test.each(Object.entries(spellings))("%s, in any segment, is refused by the decoders and the validator", async (_name, respell) => {
    const token = await signJose(ring.rsa1);
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock });
    await expect(validator.validateToken(token, { issuer: ISSUER, audience: AUDIENCE })).resolves.toMatchObject({ sub: "user-1" });
    const segments = token.split(".");
    for (const i of [0, 1, 2]) {
      const altered = segments.map((seg, j) => (j === i ? respell(seg) : seg));
      expect(altered[i]).not.toBe(segments[i]);
      const bad = altered.join(".");
      expect(() => decodeJwtUnverified(bad)).toThrow(InvalidArgumentException);
      await expect(validator.validateToken(bad, { issuer: ISSUER, audience: AUDIENCE })).rejects.toThrow(InvalidTokenException);
    }
  });

  test("a signature respelled with a character above U+00FF decodes to the same bytes, and is refused as malformed", async () => {
    const token = await signJose(ring.rsa1);
    const [h, p, s] = token.split(".");
    // U+0100 + the code of the first character: Node's decoder reads it as that character.
    const respelled = `${String.fromCharCode(0x100 + s.charCodeAt(0))}${s.slice(1)}`;
    expect(Buffer.from(respelled, "base64url").equals(Buffer.from(s, "base64url"))).toBe(true);
    const clock = fixedClock();
    const validator = new TokenValidator({ fetchJwks: memoryJwks(ring.jwks).fetcher, clock }, { clock });
    await expect(validator.validateToken(`${h}.${p}.${respelled}`, { issuer: ISSUER, audience: AUDIENCE })).rejects.toThrow(/Malformed token: JWT has a character that is not base64url/);
  });
});
