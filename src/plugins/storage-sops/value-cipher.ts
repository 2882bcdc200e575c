/**
 * Per-value encryption as sops does it: AES-256-GCM with the file's 32-byte data key, a random
 * 32-byte IV per value, the value's path ("a:b:c:") as additional authenticated data, stored as
 * `ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>]`.
 */
/** node:crypto, taken on first use rather than at import (most processes never need it). */
const nodeCrypto = () => process.getBuiltinModule("node:crypto");

/** The value types sops records. `comment` only appears in YAML. */
export type SopsValueType = "str" | "int" | "float" | "bool" | "bytes" | "time" | "comment";
const VALUE_TYPES = new Set<string>(["str", "int", "float", "bool", "bytes", "time", "comment"]);

export const IV_LENGTH = 32;
export const TAG_LENGTH = 16;
export const DATA_KEY_LENGTH = 32;

const ENC_RE = /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:([a-z]+)\]$/;
const B64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Why a value could not be decrypted. Carries no value bytes. */
export class ValueCipherError extends Error {
  constructor(readonly reason: "malformed" | "authentication") {
    super(reason === "malformed" ? "malformed encrypted value" : "authentication failed");
    this.name = "ValueCipherError";
  }
}

export interface ParsedEncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: SopsValueType;
}

/** True when the string has the shape of a sops-encrypted value. */
export function isEncryptedValue(value: string): boolean {
  return ENC_RE.test(value);
}

export function parseEncryptedValue(value: string): ParsedEncryptedValue {
  const m = ENC_RE.exec(value);
  if (!m) throw new ValueCipherError("malformed");
  const [, data, iv, tag, type] = m as unknown as [string, string, string, string, string];
  if (!B64_RE.test(data) || !B64_RE.test(iv) || !B64_RE.test(tag) || !VALUE_TYPES.has(type)) {
    throw new ValueCipherError("malformed");
  }
  const parsed = {
    data: Buffer.from(data, "base64"),
    iv: Buffer.from(iv, "base64"),
    tag: Buffer.from(tag, "base64"),
    type: type as SopsValueType,
  };
  if (parsed.iv.length === 0 || parsed.tag.length !== TAG_LENGTH) throw new ValueCipherError("malformed");
  return parsed;
}

/** Decrypt one `ENC[...]` value; returns the plaintext bytes and the recorded type. */
export function decryptValue(value: string, key: Uint8Array, aad: string): { plaintext: Buffer; type: SopsValueType } {
  const parsed = parseEncryptedValue(value);
  try {
    const decipher = nodeCrypto().createDecipheriv("aes-256-gcm", key, parsed.iv, { authTagLength: TAG_LENGTH });
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(parsed.tag);
    const plaintext = Buffer.concat([decipher.update(parsed.data), decipher.final()]);
    return { plaintext, type: parsed.type };
  } catch {
    throw new ValueCipherError("authentication");
  }
}

/** Encrypt plaintext bytes as an `ENC[...]` value with a fresh random 32-byte IV. */
export function encryptValue(plaintext: Uint8Array, key: Uint8Array, aad: string, type: SopsValueType): string {
  const iv = nodeCrypto().randomBytes(IV_LENGTH);
  const cipher = nodeCrypto().createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_LENGTH });
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  const tag = cipher.getAuthTag();
  return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
}
