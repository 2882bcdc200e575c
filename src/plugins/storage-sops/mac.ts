/**
 * The sops MAC: SHA-512 over the plaintext spelling of the leaves, in document order, written as
 * uppercase hex and stored encrypted (AAD = the `lastmodified` text). With `mac_only_encrypted`
 * the hash starts with a fixed 32-byte prefix and covers only the encrypted leaves.
 */
import type { Hash } from "node:crypto";
/** node:crypto, taken on first use rather than at import (most processes never need it). */
const nodeCrypto = () => process.getBuiltinModule("node:crypto");

/** The fixed prefix sops hashes first when `mac_only_encrypted` is set. */
export const MAC_ONLY_ENCRYPTED_PREFIX = Buffer.from(
  "8a3fd2ad54ce66527b1034f3d147be0b0b975b3bf44f72c6fdadec8176f27d69",
  "hex",
);

export class MacBuilder {
  readonly #hash: Hash = nodeCrypto().createHash("sha512");
  readonly macOnlyEncrypted: boolean;

  constructor(macOnlyEncrypted = false) {
    this.macOnlyEncrypted = macOnlyEncrypted;
    if (macOnlyEncrypted) this.#hash.update(MAC_ONLY_ENCRYPTED_PREFIX);
  }

  /** Add one leaf's bytes. `encrypted` says whether the leaf is (or will be) encrypted. */
  add(bytes: Uint8Array, encrypted: boolean): void {
    if (this.macOnlyEncrypted && !encrypted) return;
    this.#hash.update(bytes);
  }

  /** Finish: 128 uppercase hex characters. */
  digestHex(): string {
    return this.#hash.digest("hex").toUpperCase();
  }
}

/** Constant-time comparison of two hex MACs, case-insensitive. */
export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a.toUpperCase(), "utf8");
  const y = Buffer.from(b.toUpperCase(), "utf8");
  return x.length === y.length && nodeCrypto().timingSafeEqual(x, y);
}

/**
 * Go's `strconv.FormatFloat(f, 'f', -1, 64)`: the shortest decimal that round-trips, never with an
 * exponent. sops spells every JSON number (and YAML float) this way, in values and in the MAC.
 */
export function goFormatFloat(n: number): string {
  if (Object.is(n, -0)) return "-0";
  if (Number.isNaN(n)) return "NaN";
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : "-Inf";
  const s = String(n);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const sign = m[1]!;
  const intPart = m[2]!;
  const frac = m[3] ?? "";
  const exp = Number(m[4]);
  const digits = intPart + frac;
  const point = intPart.length + exp;
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${"0".repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The bytes sops hashes for a leaf (its `ToBytes`): strings raw, numbers as Go text, booleans `True`/`False`. */
export function leafBytes(value: string | number | bigint | boolean): Buffer {
  if (typeof value === "string") return Buffer.from(value, "utf8");
  if (typeof value === "boolean") return Buffer.from(value ? "True" : "False", "utf8");
  if (typeof value === "bigint") return Buffer.from(value.toString(), "utf8");
  return Buffer.from(goFormatFloat(value), "utf8");
}
