/**
 * RS256/384/512 on the validator's and the verifier threads' path (`verifyAs`): the public-key
 * operation with PKCS #1 type 1 padding and an exact comparison of DigestInfo || H (RFC 8017 section
 * 8.2.2), not node:crypto's `verify`. Every encoding here is made with the raw private-key operation,
 * so the forgeries that lenient padding parsers accept (garbage after the digest, a short padding
 * string, another DigestInfo) reach the checks; each verdict must be node:crypto's `verify` verdict,
 * which the thread-pool path uses.
 */
import { describe, expect, test } from "@jest/globals";
import { constants, createHash, generateKeyPairSync, privateEncrypt, verify } from "node:crypto";
import { SIGNATURE_ALGORITHMS } from "../../../../src/plugins/oidc/validation/algorithms.js";

const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const K = 256;
const MESSAGE = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0";
const DIGEST_INFO = {
  sha256: "3031300d060960864801650304020105000420",
  sha384: "3041300d060960864801650304020205000430",
  sha512: "3051300d060960864801650304020305000440",
  sha1: "3021300906052b0e03021a05000414",
} as const;

/** s = EM^d mod n: the signature whose RSAVP1 is exactly `encoded`. */
function rawSignature(encoded: Buffer): Buffer {
  expect(encoded.length).toBe(K);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, encoded);
}

/** 00 01 FF.. 00 DigestInfo H, padded with `ffCount` FF bytes and followed by `trailer`. */
function encoding(digestInfo: string, hash: Buffer, options: { ffCount?: number; trailer?: Buffer; blockType?: number } = {}): Buffer {
  const t = Buffer.concat([Buffer.from(digestInfo, "hex"), hash, options.trailer ?? Buffer.alloc(0)]);
  const ff = options.ffCount ?? K - t.length - 3;
  const encoded = Buffer.concat([Buffer.from([0, options.blockType ?? 1]), Buffer.alloc(ff, 0xff), Buffer.from([0]), t]);
  return Buffer.concat([encoded, Buffer.alloc(K - encoded.length)]);
}

const sha = (name: string, data = MESSAGE) => createHash(name).update(data).digest();

function nodeVerdict(digest: string, signature: Buffer): boolean {
  try {
    return verify(digest, Buffer.from(MESSAGE), publicKey, signature);
  } catch {
    return false;
  }
}

describe("RSASSA-PKCS1-v1_5 by the public-key operation and an exact comparison", () => {
  const rs256 = SIGNATURE_ALGORITHMS.get("RS256")!;
  const sha256 = sha("sha256");

  const cases: Record<string, { signature: Buffer; valid: boolean }> = {
    "a correct encoding": { signature: rawSignature(encoding(DIGEST_INFO.sha256, sha256)), valid: true },
    "the digest of another message": { signature: rawSignature(encoding(DIGEST_INFO.sha256, sha("sha256", `${MESSAGE}x`))), valid: false },
    "a SHA-1 DigestInfo": { signature: rawSignature(encoding(DIGEST_INFO.sha1, sha("sha1"))), valid: false },
    "a SHA-512 DigestInfo and digest": { signature: rawSignature(encoding(DIGEST_INFO.sha512, sha("sha512"))), valid: false },
    "a DigestInfo without the NULL parameters": {
      signature: rawSignature(encoding("302f300b0609608648016503040201" + "0420", sha256)),
      valid: false,
    },
    "garbage after the digest (a short padding string)": {
      signature: rawSignature(encoding(DIGEST_INFO.sha256, sha256, { ffCount: 8, trailer: Buffer.alloc(K - 11 - 51, 0x41) })),
      valid: false,
    },
    "block type 2 (encryption padding)": {
      signature: rawSignature(Buffer.concat([Buffer.from([0, 2]), Buffer.alloc(K - 54, 0x55), Buffer.from([0]), Buffer.from(DIGEST_INFO.sha256, "hex"), sha256])),
      valid: false,
    },
    "a padding byte that is not FF": {
      signature: rawSignature((() => {
        const e = encoding(DIGEST_INFO.sha256, sha256);
        e[20] = 0xfe;
        return e;
      })()),
      valid: false,
    },
    "the modulus itself (s >= n)": { signature: Buffer.from(publicKey.export({ format: "jwk" }).n!, "base64url"), valid: false },
    "all FF bytes (s > n)": { signature: Buffer.alloc(K, 0xff), valid: false },
    "zero": { signature: Buffer.alloc(K), valid: false },
    "one byte short": { signature: rawSignature(encoding(DIGEST_INFO.sha256, sha256)).subarray(1), valid: false },
    "one byte long": { signature: Buffer.concat([Buffer.from([0]), rawSignature(encoding(DIGEST_INFO.sha256, sha256))]), valid: false },
    "empty": { signature: Buffer.alloc(0), valid: false },
  };

  test.each(Object.entries(cases))("%s: the verdict of node:crypto's verify", (_name, { signature, valid }) => {
    expect(nodeVerdict("sha256", signature)).toBe(valid);
    expect(rs256.verify(MESSAGE, publicKey, signature)).toBe(valid);
  });

  test.each([
    ["RS384", "sha384"],
    ["RS512", "sha512"],
  ] as const)("%s verifies its own encoding and refuses RS256's", (name, digest) => {
    const alg = SIGNATURE_ALGORITHMS.get(name)!;
    const own = rawSignature(encoding(DIGEST_INFO[digest], sha(digest)));
    expect([nodeVerdict(digest, own), alg.verify(MESSAGE, publicKey, own)]).toEqual([true, true]);
    const rs256Signature = rawSignature(encoding(DIGEST_INFO.sha256, sha256));
    expect([nodeVerdict(digest, rs256Signature), alg.verify(MESSAGE, publicKey, rs256Signature)]).toEqual([false, false]);
  });

  test("a valid signature whose first byte is zero, without that byte: refused (RFC 8017 section 8.2.2 step 1), as node:crypto does", () => {
    // About one signature in 256 starts with a zero byte: vary the message until one does.
    let message = MESSAGE;
    let signature = rawSignature(encoding(DIGEST_INFO.sha256, sha("sha256", message)));
    for (let i = 0; signature[0] !== 0; i++) {
      message = `${MESSAGE}.${i}`;
      signature = rawSignature(encoding(DIGEST_INFO.sha256, sha("sha256", message)));
    }
    expect(rs256.verify(message, publicKey, signature)).toBe(true);
    // The same number in k - 1 bytes: the public-key operation alone takes it, the length check does not.
    expect(verify("sha256", Buffer.from(message), publicKey, signature.subarray(1))).toBe(false);
    expect(rs256.verify(message, publicKey, signature.subarray(1))).toBe(false);
  });

  test("the signing input is its UTF-8 bytes: a non-ASCII character never verifies against the ASCII it truncates to", () => {
    // U+0141 written as latin1 is 0x41 ("A"); as UTF-8 it is two bytes, so the digest differs.
    const signature = rawSignature(encoding(DIGEST_INFO.sha256, sha("sha256", "A.B")));
    expect(rs256.verify("A.B", publicKey, signature)).toBe(true);
    expect(rs256.verify("\u0141.B", publicKey, signature)).toBe(false);
    expect(rs256.verify(Buffer.from("A.B"), publicKey, signature)).toBe(true);
  });

  test("a 3072-bit key: the encoding follows the modulus length", () => {
    const big = generateKeyPairSync("rsa", { modulusLength: 3072 });
    const encoded = Buffer.concat([Buffer.from([0, 1]), Buffer.alloc(384 - 54, 0xff), Buffer.from([0]), Buffer.from(DIGEST_INFO.sha256, "hex"), sha256]);
    const signature = privateEncrypt({ key: big.privateKey, padding: constants.RSA_NO_PADDING }, encoded);
    expect(rs256.verify(MESSAGE, big.publicKey, signature)).toBe(true);
    expect(rs256.verify(MESSAGE, publicKey, signature)).toBe(false);
  });
});
