/**
 * The SOPS document format: parsing a document (JSON, or YAML for reading) into an ordered tree,
 * the `sops` metadata block, and the partial-encryption selectors (which leaves are encrypted).
 */
import type { Document, Node as YamlNode } from "yaml";
import { OrderedMap, OrderedJsonSyntaxError, parseOrderedJson, type OrderedValue } from "../../kernel/index.js";
import { SopsFormatException } from "./errors.js";
import { loadYaml } from "./lazy-deps.js";

/** The top-level key holding the metadata. */
export const SOPS_METADATA_KEY = "sops";
/** What sops records when no partial-encryption option is given. */
export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

/** Partial-encryption settings, as sops stores them in the metadata. */
export interface PartialEncryption {
  unencrypted_suffix?: string;
  encrypted_suffix?: string;
  unencrypted_regex?: string;
  encrypted_regex?: string;
  unencrypted_comment_regex?: string;
  encrypted_comment_regex?: string;
  mac_only_encrypted?: boolean;
}
export const PARTIAL_ENCRYPTION_KEYS = [
  "unencrypted_suffix",
  "encrypted_suffix",
  "unencrypted_regex",
  "encrypted_regex",
  "unencrypted_comment_regex",
  "encrypted_comment_regex",
] as const;

export interface SopsAgeEntry {
  recipient: string;
  /** An ASCII-armored age file whose payload is the 32-byte data key. */
  enc: string;
}

/** Key backends other than age, with a human name for messages. */
export const OTHER_KEY_BACKENDS: Readonly<Record<string, string>> = {
  pgp: "PGP",
  kms: "AWS KMS",
  gcp_kms: "GCP KMS",
  azure_kv: "Azure Key Vault",
  hc_vault: "HashiCorp Vault",
  hckms: "Huawei Cloud KMS",
};

export interface SopsMetadata {
  /** The metadata block as found in the document, in its order (kept when re-saving). */
  map: OrderedMap;
  /** The age key entries usable without Shamir (top-level `age`, or the only key group's). */
  age: SopsAgeEntry[];
  lastModified: string;
  /** The encrypted MAC (`ENC[...]`). */
  mac: string;
  version?: string;
  partial: PartialEncryption;
  /** Human names of the non-age key backends the file also (or only) uses, e.g. ["PGP"]. */
  otherKeyTypes: string[];
  /** Metadata keys of those backends, e.g. ["pgp"]. */
  otherKeyFields: string[];
  /** Several key groups (Shamir secret sharing): only the `sops` binary can decrypt. */
  usesKeyGroups: boolean;
}

export type DocumentKind = "json" | "yaml";

/** Guess the kind: text starting with `{` is JSON; else `.yaml`/`.yml` paths are YAML, `.json` JSON; else YAML. */
export function detectKind(text: string, path?: string): DocumentKind {
  const first = text.replace(/^\uFEFF/, "").trimStart()[0];
  if (first === "{") return "json";
  if (path && /\.ya?ml$/i.test(path)) return "yaml";
  return path?.endsWith(".json") ? "json" : "yaml";
}

/** Parse a document into an ordered tree. Errors never quote the text. */
export async function parseSopsText(text: string, kind: DocumentKind, filePath: string): Promise<OrderedMap> {
  let root: OrderedValue;
  if (kind === "json") {
    try {
      root = parseOrderedJson(text);
    } catch (err) {
      const where = err instanceof OrderedJsonSyntaxError ? `: ${err.message}` : "";
      throw new SopsFormatException(`SOPS file is not valid JSON${where}`, { filePath });
    }
  } else {
    root = await parseYamlOrdered(text, filePath);
  }
  if (!(root instanceof OrderedMap)) {
    throw new SopsFormatException("SOPS file does not hold an object at the top level", { filePath });
  }
  return root;
}

async function parseYamlOrdered(text: string, filePath: string): Promise<OrderedValue> {
  const { parseDocument, isAlias, isMap, isScalar, isSeq } = await loadYaml();
  const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const line = doc.errors[0]?.linePos?.[0]?.line;
    throw new SopsFormatException(`SOPS file is not valid YAML${line ? ` (line ${line})` : ""}`, { filePath });
  }
  const convert = (node: unknown, depth: number): OrderedValue => {
    if (depth > 512) throw new SopsFormatException("SOPS YAML file is nested too deeply", { filePath });
    if (node === null || node === undefined) return null;
    if (isAlias(node)) return convert(node.resolve(doc as Document), depth + 1);
    if (isMap(node)) {
      const map = new OrderedMap();
      for (const pair of node.items) {
        const keyNode = pair.key as YamlNode | null;
        if (!isScalar(keyNode)) throw new SopsFormatException("SOPS YAML file has a non-scalar map key", { filePath });
        const key = keyNode.value === null ? "null" : String(keyNode.value);
        map.entries.push([key, convert(pair.value, depth + 1)]);
      }
      return map;
    }
    if (isSeq(node)) return node.items.map((item) => convert(item, depth + 1));
    if (isScalar(node)) {
      const v = node.value;
      if (v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint") return v;
      if (typeof v === "number") return v;
      if (v instanceof Date) return v.toISOString();
      return String(v);
    }
    throw new SopsFormatException("SOPS YAML file holds an unsupported node type", { filePath });
  };
  return convert(doc.contents, 0);
}

function isPlainString(v: OrderedValue | undefined): v is string {
  return typeof v === "string";
}

function ageEntries(value: OrderedValue | undefined, filePath: string): SopsAgeEntry[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new SopsFormatException("SOPS metadata 'age' is not a list", { filePath });
  return value.map((item) => {
    if (!(item instanceof OrderedMap) || !isPlainString(item.get("recipient")) || !isPlainString(item.get("enc"))) {
      throw new SopsFormatException("SOPS metadata 'age' entry lacks a recipient or enc", { filePath });
    }
    return { recipient: item.get("recipient") as string, enc: item.get("enc") as string };
  });
}

function backendsIn(map: OrderedMap): string[] {
  return Object.keys(OTHER_KEY_BACKENDS).filter((k) => {
    const v = map.get(k);
    return Array.isArray(v) && v.length > 0;
  });
}

/** Validate and read the `sops` metadata block. */
export function parseMetadata(value: OrderedValue | undefined, filePath: string): SopsMetadata {
  if (value === undefined) {
    throw new SopsFormatException("Not a SOPS file: no top-level 'sops' metadata", { filePath });
  }
  if (!(value instanceof OrderedMap)) throw new SopsFormatException("SOPS metadata is not an object", { filePath });
  const lastModified = value.get("lastmodified");
  if (!isPlainString(lastModified) || lastModified === "") {
    throw new SopsFormatException("SOPS metadata has no 'lastmodified'", { filePath });
  }
  const mac = value.get("mac");
  if (!isPlainString(mac) || mac === "") throw new SopsFormatException("SOPS metadata has no 'mac'", { filePath });

  const partial: PartialEncryption = {};
  for (const key of PARTIAL_ENCRYPTION_KEYS) {
    const v = value.get(key);
    if (v === undefined || v === null || v === "") continue;
    if (!isPlainString(v)) throw new SopsFormatException(`SOPS metadata '${key}' is not a string`, { filePath });
    partial[key] = v;
  }
  const macOnly = value.get("mac_only_encrypted");
  if (macOnly !== undefined && macOnly !== null && typeof macOnly !== "boolean") {
    throw new SopsFormatException("SOPS metadata 'mac_only_encrypted' is not a boolean", { filePath });
  }
  if (macOnly === true) partial.mac_only_encrypted = true;

  let age = ageEntries(value.get("age"), filePath);
  let otherKeyFields = backendsIn(value);
  let usesKeyGroups = false;
  const groups = value.get("key_groups");
  if (Array.isArray(groups) && groups.length > 0) {
    if (!groups.every((g) => g instanceof OrderedMap)) {
      throw new SopsFormatException("SOPS metadata 'key_groups' is malformed", { filePath });
    }
    if (groups.length > 1) {
      usesKeyGroups = true;
      otherKeyFields = [...new Set([...otherKeyFields, ...groups.flatMap((g) => backendsIn(g as OrderedMap))])];
    } else {
      const group = groups[0] as OrderedMap;
      age = [...age, ...ageEntries(group.get("age"), filePath)];
      otherKeyFields = [...new Set([...otherKeyFields, ...backendsIn(group)])];
    }
  }
  const otherKeyTypes = otherKeyFields.map((k) => OTHER_KEY_BACKENDS[k]!);
  if (usesKeyGroups) otherKeyTypes.push("key groups (Shamir secret sharing)");
  if (age.length === 0 && otherKeyTypes.length === 0) {
    throw new SopsFormatException("SOPS metadata lists no keys (no age recipients, no other key backend)", {
      filePath,
    });
  }
  const version = value.get("version");
  return {
    map: value,
    age,
    lastModified,
    mac,
    version: isPlainString(version) ? version : undefined,
    partial,
    otherKeyTypes,
    otherKeyFields,
    usesKeyGroups,
  };
}

/**
 * Compile a Go RE2 pattern as a JS RegExp. Handles a leading inline flag group such as `(?i)`,
 * which JavaScript (Node 20) does not accept.
 */
export function compileGoRegex(source: string): RegExp {
  let body = source;
  let flags = "";
  const m = /^\(\?([imsU]+)\)/.exec(body);
  if (m) {
    body = body.slice(m[0].length);
    for (const f of m[1]!) if ((f === "i" || f === "m" || f === "s") && !flags.includes(f)) flags += f;
  }
  try {
    return new RegExp(body, flags + "u");
  } catch {
    return new RegExp(body, flags);
  }
}

/** Decides, from a leaf's path of map keys, whether sops encrypts it (sops `Tree.Encrypt` order). */
export type LeafSelector = (path: readonly string[]) => boolean;

export function createLeafSelector(partial: PartialEncryption, filePath: string): LeafSelector {
  const compile = (name: string, src: string | undefined): RegExp | undefined => {
    if (src === undefined) return undefined;
    try {
      return compileGoRegex(src);
    } catch {
      throw new SopsFormatException(`SOPS metadata '${name}' is not a valid regular expression`, { filePath });
    }
  };
  const unencryptedRegex = compile("unencrypted_regex", partial.unencrypted_regex);
  const encryptedRegex = compile("encrypted_regex", partial.encrypted_regex);
  const { unencrypted_suffix: unencryptedSuffix, encrypted_suffix: encryptedSuffix } = partial;
  return (path) => {
    let encrypted = true;
    if (unencryptedSuffix && path.some((k) => k.endsWith(unencryptedSuffix))) encrypted = false;
    if (encryptedSuffix) encrypted = path.some((k) => k.endsWith(encryptedSuffix));
    if (unencryptedRegex && path.some((k) => unencryptedRegex.test(k))) encrypted = false;
    if (encryptedRegex) encrypted = path.some((k) => encryptedRegex.test(k));
    return encrypted;
  };
}

/** The AAD of a leaf: every map key on its path followed by ':' (array positions add nothing). */
export function aadFor(path: readonly string[]): string {
  return path.map((k) => `${k}:`).join("");
}

/** `lastmodified` as sops writes it: RFC 3339, UTC, whole seconds, `Z`. */
export function formatLastModified(date: Date): string {
  return date.toISOString().replace(/\.\d+Z$/, "Z");
}
