/**
 * SOPS documents with age, natively: decrypt files written by `sops` (JSON, or YAML for reading),
 * verifying the MAC, and encrypt in the same format so that `sops` can decrypt what we write.
 * Everything happens in memory; callers write the returned text (atomically).
 *
 * Files whose keys need another backend (PGP, cloud KMS, Vault, Shamir key groups) go through the
 * `sops` binary on stdin/stdout when one is available, else fail with a clear error.
 */
import path from "node:path";
import {
  FileBackedJsonObjectException, InvalidDataException, type JsonObject, OrderedMap, fromJs,
  stringifyOrderedJson, toJs, type KeyOrder, type OrderedValue,
} from "../../kernel/index.js";
import {
  creationRuleFor,
  findSopsConfig,
  loadAgeIdentities,
  parseRecipients,
  resolveEnvironment,
  SOPS_AGE_RECIPIENTS,
  type CreationRule,
  type SopsEnvironment,
  type SopsEnvironmentOptions,
} from "./age-keys.js";
import {
  SopsConfigException,
  SopsDecryptionException,
  SopsException,
  SopsFormatException,
  SopsMacMismatchException,
  SopsNoIdentityException,
  SopsNoRecipientsException,
  SopsUnsupportedKeyTypeException,
} from "./errors.js";
import { loadAge } from "./lazy-deps.js";
import { MacBuilder, goFormatFloat, leafBytes, macEquals } from "./mac.js";
import { decryptWithBinary, encryptWithBinary, keyFlagsFromMetadata, sopsBinaryFor, unsupported } from "./sops-binary.js";
import {
  DEFAULT_UNENCRYPTED_SUFFIX,
  PARTIAL_ENCRYPTION_KEYS,
  SOPS_METADATA_KEY,
  aadFor,
  createLeafSelector,
  detectKind,
  formatLastModified,
  parseMetadata,
  parseSopsText,
  type DocumentKind,
  type PartialEncryption,
  type SopsAgeEntry,
  type SopsMetadata,
} from "./sops-format.js";
import { DATA_KEY_LENGTH, ValueCipherError, decryptValue, encryptValue, type SopsValueType } from "./value-cipher.js";

/** The sops version recorded in files we write (the metadata layout we write is that of 3.9). */
export const DEFAULT_SOPS_VERSION = "3.9.4";

/** Options of SOPS encryption and decryption: environment, home directory, age identities and recipients. */
export interface SopsCodecOptions extends SopsEnvironmentOptions {
  /** Extra age identities (`AGE-SECRET-KEY-…`), tried before the discovered ones. */
  identities?: readonly string[];
  /** Recipients for NEW files; overrides `SOPS_AGE_RECIPIENTS` and `.sops.yaml`. */
  recipients?: readonly string[];
  /** An explicit `.sops.yaml`; `false` turns config discovery off. Default: nearest one above the file. */
  configPath?: string | false;
  /** Path of the `sops` binary for non-age keys; `false` never uses one. Default: `sops` on `$PATH`. */
  sopsBinary?: string | false;
  /** Clock for `lastmodified`. */
  now?: () => Date;
  /** `version` written in new files' metadata. Default {@link DEFAULT_SOPS_VERSION}. */
  sopsVersion?: string;
  /** Indentation of written JSON. Default "\t" (what sops writes). */
  indent?: string;
  /** Key order of written data. Default "sorted" (the reference's layout). */
  keyOrder?: KeyOrder;
  /** Partial-encryption settings for NEW files (override the creation rule's). */
  partialEncryption?: PartialEncryption;
}

export interface SopsDecryptOptions extends SopsCodecOptions {
  /** Input kind; default: detected from the path and the text. */
  kind?: DocumentKind;
}

export interface SopsEncryptOptions extends SopsCodecOptions {
  /** The file's current text, if any: its recipients, key groups and selectors are kept when they weaken nothing configured. */
  previousText?: string;
}

// ───────────────────────────── data key (age) ─────────────────────────────

interface UnwrapResult {
  key?: Uint8Array;
  malformed: number;
}

async function unwrapDataKey(entries: readonly SopsAgeEntry[], identities: readonly string[]): Promise<UnwrapResult> {
  const { Decrypter, armor } = await loadAge();
  const decrypter = new Decrypter();
  let usable = 0;
  for (const identity of identities) {
    try {
      decrypter.addIdentity(identity);
      usable++;
    } catch {
      // an unparsable identity line: skip it (never echo it)
    }
  }
  let malformed = 0;
  if (usable === 0) return { malformed };
  for (const entry of entries) {
    let file: Uint8Array;
    try {
      file = armor.decode(entry.enc);
    } catch {
      malformed++;
      continue;
    }
    try {
      const key = await decrypter.decrypt(file);
      if (key.length === DATA_KEY_LENGTH) return { key, malformed };
      malformed++;
    } catch {
      // not for us (or damaged): try the next recipient
    }
  }
  return { malformed };
}

async function wrapDataKey(dataKey: Uint8Array, recipients: readonly string[], filePath: string): Promise<SopsAgeEntry[]> {
  const { Encrypter, armor } = await loadAge();
  const out: SopsAgeEntry[] = [];
  for (const recipient of recipients) {
    const encrypter = new Encrypter();
    try {
      encrypter.addRecipient(recipient);
    } catch {
      throw new SopsConfigException(`Invalid age recipient '${shortRecipient(recipient)}'`, { filePath });
    }
    out.push({ recipient, enc: armor.encode(await encrypter.encrypt(dataKey)) });
  }
  return out;
}

/** `age1abcde…vwxyz`: enough to recognise a public key in a message. */
function shortRecipient(r: string): string {
  return r.length > 20 ? `${r.slice(0, 10)}…${r.slice(-6)}` : r;
}

// ───────────────────────────── decrypt ─────────────────────────────

function parseBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Convert decrypted plaintext per its sops type; returns the value and the bytes sops hashes. */
function typedValue(plaintext: Buffer, type: SopsValueType): { value: OrderedValue; macBytes: Buffer } | undefined {
  const text = plaintext.toString("utf8");
  switch (type) {
    case "str":
    case "bytes":
    case "time":
      return { value: text, macBytes: plaintext };
    case "int": {
      if (!/^[+-]?\d+$/.test(text)) return undefined;
      const n = BigInt(text);
      return { value: n, macBytes: Buffer.from(n.toString(), "utf8") };
    }
    case "float": {
      const n = Number(text);
      if (text.trim() === "" || Number.isNaN(n)) return undefined;
      return { value: n, macBytes: Buffer.from(goFormatFloat(n), "utf8") };
    }
    case "bool": {
      const b = parseBool(text);
      if (b === undefined) return undefined;
      return { value: b, macBytes: leafBytes(b) };
    }
    default:
      return undefined;
  }
}

function describePath(p: readonly string[]): string {
  return p.length === 0 ? "(top level)" : p.join(".");
}

function decryptTree(
  tree: OrderedMap,
  dataKey: Uint8Array,
  metadata: SopsMetadata,
  filePath: string,
): OrderedMap {
  const shouldEncrypt = createLeafSelector(metadata.partial, filePath);
  const mac = new MacBuilder(metadata.partial.mac_only_encrypted === true);
  const walk = (value: OrderedValue, p: string[]): OrderedValue => {
    if (value instanceof OrderedMap) {
      return new OrderedMap(value.entries.map(([k, v]) => [k, walk(v, [...p, k])]));
    }
    if (Array.isArray(value)) return value.map((item) => walk(item, p));
    if (value === null) return null;
    const encrypted = shouldEncrypt(p);
    if (!encrypted) {
      mac.add(leafBytes(value), false);
      return value;
    }
    if (value === "") return "";
    if (typeof value !== "string") {
      throw new SopsDecryptionException(`The value at '${describePath(p)}' should be encrypted but is not`, {
        filePath,
      });
    }
    let decrypted: { plaintext: Buffer; type: SopsValueType };
    try {
      decrypted = decryptValue(value, dataKey, aadFor(p));
    } catch (err) {
      const reason =
        err instanceof ValueCipherError && err.reason === "malformed"
          ? "it is not a well-formed ENC[AES256_GCM,…] value"
          : "authentication failed (tampered value, IV or tag, or a moved key)";
      throw new SopsDecryptionException(`Cannot decrypt the value at '${describePath(p)}': ${reason}`, { filePath });
    }
    const typed = typedValue(decrypted.plaintext, decrypted.type);
    if (!typed) {
      throw new SopsDecryptionException(
        `The value at '${describePath(p)}' has type '${decrypted.type}' but its plaintext does not parse as one`,
        { filePath },
      );
    }
    mac.add(typed.macBytes, true);
    return typed.value;
  };
  const out = walk(tree, []) as OrderedMap;

  let storedMac: string;
  try {
    storedMac = decryptValue(metadata.mac, dataKey, metadata.lastModified).plaintext.toString("utf8");
  } catch {
    throw new SopsMacMismatchException(
      "The SOPS MAC cannot be decrypted (the MAC or 'lastmodified' was tampered with)",
      { filePath },
    );
  }
  if (!macEquals(storedMac, mac.digestHex())) {
    throw new SopsMacMismatchException(
      "SOPS MAC mismatch: the file's values, their order or its MAC were changed outside sops",
      { filePath },
    );
  }
  return out;
}

/** Split the top-level `sops` entry off the data tree. */
function splitDocument(root: OrderedMap): { tree: OrderedMap; metadataValue: OrderedValue | undefined } {
  const tree = new OrderedMap(root.entries.filter(([k]) => k !== SOPS_METADATA_KEY));
  return { tree, metadataValue: root.get(SOPS_METADATA_KEY) };
}

/**
 * Run `fn`; any error that is not already one of ours becomes a SopsException naming the file and
 * the error class only (its message could quote input), with the original kept as `cause`.
 */
async function guarded<T>(what: string, filePath: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FileBackedJsonObjectException) throw err;
    const name = err instanceof Error ? err.name : typeof err;
    throw new SopsException(`Unexpected failure while ${what} a SOPS file (${name})`, { filePath, cause: err });
  }
}

/** Decrypt a SOPS document to an ordered tree (document order kept). */
export async function decryptSopsToOrdered(
  text: string,
  filePath: string,
  options: SopsDecryptOptions = {},
): Promise<OrderedMap> {
  return guarded("decrypting", filePath, () => decryptOrdered(text, filePath, options));
}

async function decryptOrdered(text: string, filePath: string, options: SopsDecryptOptions): Promise<OrderedMap> {
  const kind = options.kind ?? detectKind(text, filePath);
  const root = await parseSopsText(text, kind, filePath);
  const { tree, metadataValue } = splitDocument(root);
  const metadata = parseMetadata(metadataValue, filePath);
  const environment = resolveEnvironment(options);

  let unwrap: UnwrapResult = { malformed: 0 };
  let sources: string[] = [];
  if (metadata.age.length > 0 && !metadata.usesKeyGroups) {
    const loaded = await loadAgeIdentities(environment, options.identities ?? [], filePath);
    sources = loaded.sources;
    unwrap = await unwrapDataKey(metadata.age, loaded.identities);
  }
  if (unwrap.key) return decryptTree(tree, unwrap.key, metadata, filePath);

  if (metadata.otherKeyTypes.length > 0) {
    const binary = await sopsBinaryFor(environment, options);
    if (binary) return decryptWithBinary(binary, text, kind, filePath, environment);
    if (metadata.age.length === 0 || metadata.usesKeyGroups) {
      throw new SopsUnsupportedKeyTypeException(
        `This SOPS file needs ${metadata.otherKeyTypes.join(", ")} to decrypt, which only the sops binary supports, and no sops binary was found on PATH`,
        { filePath },
      );
    }
  }
  if (unwrap.malformed === metadata.age.length && metadata.age.length > 0) {
    throw new SopsFormatException("No age entry of the SOPS metadata holds a valid armored age file", { filePath });
  }
  const recipients = metadata.age.map((e) => shortRecipient(e.recipient)).join(", ");
  const others =
    metadata.otherKeyTypes.length > 0
      ? `; it also has ${metadata.otherKeyTypes.join(", ")} keys, which need the sops binary (not found on PATH)`
      : "";
  throw new SopsNoIdentityException(
    `No age identity can decrypt this SOPS file (its age recipients: ${recipients}; identities looked for in: ${sources.join(", ")})${others}`,
    { filePath },
  );
}

/** Decrypt a SOPS document (JSON or YAML) to a plain JSON object. */
export async function decryptSops(text: string, filePath: string, options: SopsDecryptOptions = {}): Promise<JsonObject> {
  return toJs(await decryptSopsToOrdered(text, filePath, options)) as JsonObject;
}

// ───────────────────────────── encrypt ─────────────────────────────

function encryptTree(
  tree: OrderedMap,
  dataKey: Uint8Array,
  partial: PartialEncryption,
  filePath: string,
): { tree: OrderedMap; macHex: string } {
  const shouldEncrypt = createLeafSelector(partial, filePath);
  const mac = new MacBuilder(partial.mac_only_encrypted === true);
  const walk = (value: OrderedValue, p: string[]): OrderedValue => {
    if (value instanceof OrderedMap) return new OrderedMap(value.entries.map(([k, v]) => [k, walk(v, [...p, k])]));
    if (Array.isArray(value)) return value.map((item) => walk(item, p));
    if (value === null) return null;
    const encrypted = shouldEncrypt(p);
    const bytes = leafBytes(value);
    mac.add(bytes, encrypted);
    if (!encrypted || value === "") return value;
    const type: SopsValueType =
      typeof value === "string" ? "str" : typeof value === "boolean" ? "bool" : typeof value === "bigint" ? "int" : "float";
    return encryptValue(bytes, dataKey, aadFor(p), type);
  };
  return { tree: walk(tree, []) as OrderedMap, macHex: mac.digestHex() };
}

function ageList(entries: readonly SopsAgeEntry[]): OrderedValue[] {
  return entries.map((e) => new OrderedMap([["recipient", e.recipient], ["enc", e.enc]]));
}

/** Metadata of a new file, in sops 3.9's JSON layout. */
function newMetadata(age: readonly SopsAgeEntry[], partial: PartialEncryption, version: string): OrderedMap {
  const map = new OrderedMap([
    ["kms", null],
    ["gcp_kms", null],
    ["azure_kv", null],
    ["hc_vault", null],
    ["age", ageList(age)],
    ["lastmodified", ""],
    ["mac", ""],
    ["pgp", null],
  ]);
  for (const key of PARTIAL_ENCRYPTION_KEYS) if (partial[key] !== undefined) map.entries.push([key, partial[key]!]);
  if (partial.mac_only_encrypted) map.entries.push(["mac_only_encrypted", true]);
  map.entries.push(["version", version]);
  return map;
}

function withDefaultSelector(partial: PartialEncryption): PartialEncryption {
  const hasSelector = ["unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex"].some(
    (k) => partial[k as keyof PartialEncryption] !== undefined,
  );
  return hasSelector ? partial : { unencrypted_suffix: DEFAULT_UNENCRYPTED_SUFFIX, ...partial };
}

function cloneOrdered(value: OrderedValue): OrderedValue {
  if (value instanceof OrderedMap) return new OrderedMap(value.entries.map(([k, v]) => [k, cloneOrdered(v)]));
  if (Array.isArray(value)) return value.map(cloneOrdered);
  return value;
}

/** Read the previous file's metadata, if it is a SOPS document. Empty / non-SOPS JSON ⇒ undefined. */
async function previousMetadata(previousText: string | undefined, filePath: string): Promise<SopsMetadata | undefined> {
  if (previousText === undefined || previousText.trim() === "") return undefined;
  const root = await parseSopsText(previousText, detectKind(previousText, filePath), filePath);
  if (!root.has(SOPS_METADATA_KEY)) return undefined;
  return parseMetadata(root.get(SOPS_METADATA_KEY), filePath);
}

function assembleDocument(tree: OrderedMap, metadata: OrderedMap, indent: string): string {
  return stringifyOrderedJson(new OrderedMap([...tree.entries, [SOPS_METADATA_KEY, metadata]]), indent);
}

/** Paths of the non-null leaves of a tree (array items share their array's path, as in sops). */
function leafPaths(value: OrderedValue, p: string[] = [], out: string[][] = []): string[][] {
  if (value instanceof OrderedMap) for (const [k, v] of value.entries) leafPaths(v, [...p, k], out);
  else if (Array.isArray(value)) for (const item of value) leafPaths(item, p, out);
  else if (value !== null) out.push(p);
  return out;
}

/**
 * A re-save takes its selectors and recipients from the file's metadata, which anyone able to write
 * the file controls. Refuse metadata that would weaken what this library does for a new file:
 * a value that the configured (or default) selectors encrypt must not be left in clear, and every
 * age recipient must be one configured (options, SOPS_AGE_RECIPIENTS, the matching .sops.yaml rule)
 * — or, with none configured, one of the user's own identities.
 */
async function assertMetadataKeepsPolicy(
  previous: SopsMetadata,
  tree: OrderedMap,
  filePath: string,
  options: SopsEncryptOptions,
  environment: SopsEnvironment,
): Promise<void> {
  const configPath =
    options.configPath === false ? undefined : (options.configPath ?? (await findSopsConfig(path.dirname(path.resolve(filePath)))));
  const rule = configPath ? await creationRuleFor(configPath, filePath) : undefined;
  const expected = createLeafSelector(withDefaultSelector(options.partialEncryption ?? rule?.partial ?? {}), filePath);
  const actual = createLeafSelector(previous.partial, filePath);
  const inClear = leafPaths(tree).filter((p) => expected(p) && !actual(p)).map((p) => p.join("."));
  if (inClear.length > 0) {
    const selectors = PARTIAL_ENCRYPTION_KEYS.filter((k) => previous.partial[k] !== undefined).join(", ");
    throw new SopsException(
      `Refusing to re-save: the file's sops metadata (${selectors}) would write ${inClear.join(", ")} in clear, ` +
        `which the configured selectors encrypt. Restore the file's metadata or remove the file`,
      { filePath },
    );
  }
  let allowed: string[];
  if (options.recipients && options.recipients.length > 0) allowed = parseRecipients([...options.recipients]);
  else if (parseRecipients(environment.env[SOPS_AGE_RECIPIENTS]).length > 0) allowed = parseRecipients(environment.env[SOPS_AGE_RECIPIENTS]);
  else if (rule) allowed = rule.age;
  else {
    let identities: string[] = [];
    try {
      identities = (await loadAgeIdentities(environment, options.identities ?? [], filePath)).identities;
    } catch (err) {
      if (!(err instanceof SopsException)) throw err;
    }
    const { identityToRecipient } = await loadAge();
    allowed = await Promise.all(identities.map((identity) => identityToRecipient(identity).catch(() => "")));
  }
  const foreign = previous.age.map((e) => e.recipient).filter((r) => !allowed.includes(r));
  if (foreign.length > 0) {
    throw new SopsException(
      `Refusing to re-save: the file lists age recipients that are not configured (${foreign.map(shortRecipient).join(", ")}); ` +
        `recipients come from .sops.yaml, ${SOPS_AGE_RECIPIENTS} or your own identities. Restore the file's metadata or remove the file`,
      { filePath },
    );
  }
}

/**
 * Encrypt an ordered tree as a SOPS JSON document. With `previousText` (the file's current text),
 * its keys and selectors are kept once checked against the configured ones (see
 * assertMetadataKeepsPolicy): an age-only file gets a new data key wrapped for its recipients; a file
 * with other key types reuses the data key when an identity unlocks it (so PGP/KMS entries stay valid).
 */
async function encryptSopsOrdered(
  tree: OrderedMap,
  filePath: string,
  options: SopsEncryptOptions = {},
): Promise<string> {
  return guarded("encrypting", filePath, () => encryptOrdered(tree, filePath, options));
}

async function encryptOrdered(tree: OrderedMap, filePath: string, options: SopsEncryptOptions): Promise<string> {
  if (tree.has(SOPS_METADATA_KEY)) {
    throw new InvalidDataException(`A SOPS-encrypted object cannot have a top-level '${SOPS_METADATA_KEY}' key`, {
      filePath,
      field: SOPS_METADATA_KEY,
    });
  }
  const environment = resolveEnvironment(options);
  const indent = options.indent ?? "\t";
  const lastModified = formatLastModified((options.now ?? (() => new Date()))());
  const previous = await previousMetadata(options.previousText, filePath);

  let dataKey: Uint8Array;
  let metadata: OrderedMap;
  let partial: PartialEncryption;

  if (previous) {
    partial = previous.partial;
    await assertMetadataKeepsPolicy(previous, tree, filePath, options, environment);
    let reused: Uint8Array | undefined;
    // Only key groups and non-age keys need the data key reused (they cannot be re-wrapped here). An
    // age-only file gets a fresh data key: one planted in a crafted file is never used for new values.
    if (previous.age.length > 0 && previous.otherKeyTypes.length > 0 && !previous.usesKeyGroups) {
      let identities: string[] = [];
      try {
        identities = (await loadAgeIdentities(environment, options.identities ?? [], filePath)).identities;
      } catch (err) {
        if (!(err instanceof SopsException)) throw err;
      }
      reused = (await unwrapDataKey(previous.age, identities)).key;
    }
    if (reused) {
      dataKey = reused;
      metadata = cloneOrdered(previous.map) as OrderedMap;
    } else if (previous.otherKeyTypes.length === 0) {
      dataKey = process.getBuiltinModule("node:crypto").randomBytes(DATA_KEY_LENGTH);
      const age = await wrapDataKey(dataKey, previous.age.map((e) => e.recipient), filePath);
      metadata = cloneOrdered(previous.map) as OrderedMap;
      metadata.set("age", ageList(age));
    } else {
      const binary = await sopsBinaryFor(environment, options);
      if (!binary || previous.usesKeyGroups) {
        throw unsupported(
          previous.otherKeyTypes,
          filePath,
          binary ? "Re-saving this SOPS file without an age identity for it" : "Re-saving this SOPS file",
        );
      }
      return encryptWithBinary(binary, tree, filePath, environment, keyFlagsFromMetadata(previous), environment.homeDir);
    }
  } else {
    const searchedFrom = path.dirname(path.resolve(filePath));
    const configPath =
      options.configPath === false ? undefined : (options.configPath ?? (await findSopsConfig(searchedFrom)));
    let rule: CreationRule | undefined;
    if (configPath) rule = await creationRuleFor(configPath, filePath);
    partial = withDefaultSelector(options.partialEncryption ?? rule?.partial ?? {});

    let recipients: string[] = [];
    if (options.recipients && options.recipients.length > 0) {
      recipients = parseRecipients([...options.recipients]);
    } else if (parseRecipients(environment.env[SOPS_AGE_RECIPIENTS]).length > 0) {
      recipients = parseRecipients(environment.env[SOPS_AGE_RECIPIENTS]);
    } else if (rule) {
      if (rule.otherKeyTypes.length > 0) {
        const binary = await sopsBinaryFor(environment, options);
        if (!binary) throw unsupported(rule.otherKeyTypes, filePath, `The creation rule of ${rule.configPath}`);
        return encryptWithBinary(
          binary,
          tree,
          filePath,
          environment,
          ["--config", rule.configPath],
          path.dirname(rule.configPath),
        );
      }
      recipients = rule.age;
    }
    if (recipients.length === 0) {
      const where = configPath
        ? rule
          ? `the matching creation rule of ${configPath} lists no age recipients`
          : `no creation rule of ${configPath} matches this path`
        : `no .sops.yaml was found from ${searchedFrom} upwards`;
      throw new SopsNoRecipientsException(
        `No age recipients for a new SOPS file: ${where}, and ${SOPS_AGE_RECIPIENTS} is not set`,
        { filePath },
      );
    }
    dataKey = process.getBuiltinModule("node:crypto").randomBytes(DATA_KEY_LENGTH);
    const age = await wrapDataKey(dataKey, recipients, filePath);
    metadata = newMetadata(age, partial, options.sopsVersion ?? DEFAULT_SOPS_VERSION);
  }

  const encrypted = encryptTree(tree, dataKey, partial, filePath);
  metadata.set("lastmodified", lastModified);
  metadata.set("mac", encryptValue(Buffer.from(encrypted.macHex, "utf8"), dataKey, lastModified, "str"));
  return assembleDocument(encrypted.tree, metadata, indent);
}

/**
 * Encrypt a JSON object as a SOPS JSON document (see {@link encryptSopsOrdered}). Keys are sorted
 * recursively unless `keyOrder: "js"`; top-level nulls are dropped, like every file the reference
 * writes.
 */
export async function encryptSops(data: JsonObject, filePath: string, options: SopsEncryptOptions = {}): Promise<string> {
  let tree: OrderedValue;
  try {
    tree = fromJs(data, options.keyOrder ?? "sorted");
  } catch (err) {
    throw new InvalidDataException(`Data cannot be stored as JSON: ${(err as Error).message}`, { filePath });
  }
  if (!(tree instanceof OrderedMap)) throw new InvalidDataException("Data must be a JSON object", { filePath });
  const withoutNulls = new OrderedMap(tree.entries.filter(([, v]) => v !== null));
  return encryptSopsOrdered(withoutNulls, filePath, options);
}
