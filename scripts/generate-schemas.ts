/**
 * Writes the JSON Schemas of the built-in client types and of the planetauth config file, from one
 * description: the OIDC client-type table (src/plugins/oidc/client-types.ts), the keys of the other
 * built-in types (below) and the config file's keys (src/kernel/discovery.ts). Each client type gets
 * two renderings:
 *  - schemas/runtime/<client_type>.schema.json, what the library validates with: like the Python
 *    library (`planet_auth`), only that required keys are set ("", 0, false, null, [] and {} all mean
 *    "not configured"); a value of the wrong type fails later, where it is used, naming the key;
 *  - schemas/<client_type>.schema.json, for editors: also the type of every known key, so an editor
 *    flags what the library would refuse when it loads or uses the config.
 * auth_client.schema.json (a profile's auth_client.json) dispatches on client_type to the editor
 * schemas; planetauth-config.schema.json checks a config file, and schemas/runtime/ holds the
 * config file's shape, which config discovery checks before any plugin is loaded.
 * `npm test` fails when the committed files differ from what this produces.
 * Run: npm run generate:schemas (then npm run generate:validators and npm run generate:config-types).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { OIDC_CLIENT_TYPE_TABLE, OIDC_SHARED_KEYS, type ConfigKeySpec } from "../src/plugins/oidc/client-types.js";
import { CONFIG_FILE_KEYS } from "../src/kernel/discovery.js";
import { PROFILE_NAME_PATTERN } from "../src/kernel/profiles.js";
import { builtinPlugins } from "../src/builtins.js";
import { REDIS_STORAGE_TYPE } from "../src/plugins/storage-redis/plugin.js";
import { REDIS_STORAGE_OPTION_NAMES } from "../src/plugins/storage-redis/options.js";
import { writeGenerated } from "./write-generated.js";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const SCHEMA_DIR = path.join(root, "schemas");
/** Where the schemas the library validates with go (their `$id`: `runtime/<file>`). */
export const RUNTIME_SCHEMA_DIR = path.join(SCHEMA_DIR, "runtime");
const DRAFT = "https://json-schema.org/draft/2020-12/schema";

type Json = Record<string, unknown>;
type Keys = Readonly<Record<string, ConfigKeySpec>>;

interface ClientTypeSource {
  clientType: string;
  title: string;
  keys: Keys;
  /** Pairs of keys of which at least one must be set. */
  oneOf: readonly (readonly [string, string])[];
}

// ---- the client types ---------------------------------------------------------------------------

const secretString = (description: string): ConfigKeySpec => ({ description, type: "string", secret: true });

const OTHER_CLIENT_TYPES: ClientTypeSource[] = [
  {
    clientType: "planet_legacy", title: "Planet Legacy Auth", oneOf: [],
    keys: {
      legacy_auth_endpoint: { description: "Planet legacy authentication endpoint (URL)", type: "string", required: true },
      allow_insecure_http: OIDC_SHARED_KEYS.allow_insecure_http!, // the same opt-in as the OIDC types'
      api_key: secretString("Planet API key (string); when set, requests use it and the token file is ignored"),
    },
  },
  {
    clientType: "static_apikey", title: "API Key", oneOf: [],
    keys: {
      api_key: secretString("API key (string); when absent it must come from the token file"),
      bearer_token_prefix: { description: "Authorization header prefix (string, default \"Bearer\"; kept only alongside api_key)", type: "string" },
    },
  },
  { clientType: "none", title: "NoOp Auth", keys: {}, oneOf: [] },
];

/** The 15 built-in client types: the OIDC table's rows, then the others. */
export const CLIENT_TYPES: readonly ClientTypeSource[] = [
  ...OIDC_CLIENT_TYPE_TABLE.map((row) => ({
    clientType: row.clientType, title: row.meta.displayName, keys: { ...OIDC_SHARED_KEYS, ...row.schema.keys }, oneOf: row.schema.oneOf,
  })),
  ...OTHER_CLIENT_TYPES,
];

// ---- the two renderings of a key ----------------------------------------------------------------

const FALSY = { enum: [null, false, 0, "", [], {}] };
const SET = { not: FALSY, "x-error": "must be set (a non-empty value)" };
/** A string an editor accepts for a key that must be set: text, not only white space. */
const TEXT = { type: "string", pattern: "\\S" };
const JSON_TYPE = { string: "string", "string[]": "array", boolean: "boolean" } as const;

function annotations(spec: ConfigKeySpec): Json {
  return {
    ...(spec.deprecated ? { deprecated: true } : {}),
    description: spec.description,
    ...(spec.default !== undefined ? { default: spec.default } : {}),
    ...(spec.secret ? { "x-secret": true } : {}),
  };
}

/** What the library checks: presence of a required key, and nothing of its type unless typeCheckedOnLoad. */
function runtimeKey(spec: ConfigKeySpec): Json {
  const set = spec.required ? SET : {};
  if (spec.typeCheckedOnLoad) return { ...set, type: [JSON_TYPE[spec.type], "null"], ...annotations(spec) };
  // "x-ts-type" (an annotation, never validated) is the key's TypeScript type in src/generated/config-types.ts.
  const tsType = { "x-ts-type": spec.type };
  if (spec.maxItems !== undefined) {
    const items = spec.maxItems === 1 ? "exactly one item" : `1 to ${spec.maxItems} items`;
    return { ...annotations(spec), ...tsType, "x-error": `must be a list of ${items}`, anyOf: [FALSY, { type: "array", minItems: 1, maxItems: spec.maxItems }] };
  }
  return { ...set, ...annotations(spec), ...tsType };
}

/** A set value, for editors: text (not only white space), a non-empty list of strings, or true. */
const SET_FOR_EDITORS = { string: TEXT, "string[]": { type: "array", minItems: 1 }, boolean: { const: true } } as const;

/** What an editor checks: the value's type too (an optional key may be null, which the library reads as "not set"). */
function editorKey(spec: ConfigKeySpec): Json {
  const value = spec.required ? SET_FOR_EDITORS[spec.type] : { type: [JSON_TYPE[spec.type], "null"] };
  const items = spec.type === "string[]" ? { items: { type: "string" }, ...(spec.maxItems !== undefined ? { maxItems: spec.maxItems } : {}) } : {};
  return { ...value, ...items, ...annotations(spec) };
}

/** "One of a or b is required": a rule over the pair, each branch a set value (for editors: text). */
function oneOfRule([a, b]: readonly [string, string], value: Json): Json {
  return {
    "x-error": `one of ${a} or ${b} is required`,
    anyOf: [a, b].map((k) => ({ required: [k], properties: { [k]: value } })),
  };
}

function rules(pairs: ClientTypeSource["oneOf"], value: Json): Json {
  const list = pairs.map((pair) => oneOfRule(pair, value));
  return list.length === 1 ? list[0]! : list.length ? { allOf: list } : {};
}

// ---- the schema files ---------------------------------------------------------------------------

/**
 * `$id`s are paths relative to schemas/: relative to wherever the file is read from, so every `$ref`
 * resolves to a sibling file inside the installed package (no network, no invented host).
 */
const fileOf = (name: string) => `${name}.schema.json`;
const runtimeFileOf = (name: string) => `runtime/${fileOf(name)}`;

function clientTypeSchema(source: ClientTypeSource, variant: "runtime" | "editor"): Json {
  const runtime = variant === "runtime";
  const keyOf = runtime ? runtimeKey : editorKey;
  const required = Object.entries(source.keys).filter(([, spec]) => spec.required && (runtime || spec.default === undefined)).map(([k]) => k);
  return {
    $schema: DRAFT,
    $id: runtime ? runtimeFileOf(source.clientType) : fileOf(source.clientType),
    title: source.title,
    type: "object",
    required: ["client_type", ...required],
    properties: {
      client_type: { const: source.clientType, description: `Selects this client type (${source.title})` },
      ...Object.fromEntries(Object.entries(source.keys).map(([k, spec]) => [k, keyOf(spec)])),
    },
    // Keys of no built-in meaning are kept and written back (as the Python library does).
    additionalProperties: true,
    ...rules(source.oneOf, runtime ? { not: FALSY } : TEXT),
  };
}

const CLIENT_TYPE_NAMES = CLIENT_TYPES.map((s) => s.clientType);

/**
 * auth_client.json of a profile: client_type is a built-in one, and the keys are checked by its
 * editor schema. `$defs/anyClientType` is the same check for a profile of a config file that names
 * plugins (whose client types no built-in schema knows). if/then (rather than oneOf) lets editors
 * complete the chosen type's keys and report only that type's errors.
 */
function authClientSchema(): Json {
  return {
    $schema: DRAFT,
    $id: fileOf("auth_client"),
    title: "planet-auth profile config (auth_client.json)",
    description: "An auth client config: a JSON object keyed by client_type, one of the built-in types, each checked against its own schema.",
    type: "object",
    required: ["client_type"],
    properties: {
      client_type: { description: "The kind of auth client; selects the schema for the other keys", enum: CLIENT_TYPE_NAMES },
    },
    $ref: "#/$defs/anyClientType",
    $defs: {
      anyClientType: {
        description: "A config of any client type, a plugin's included; the built-in types are checked against their own schema.",
        type: "object",
        required: ["client_type"],
        properties: { client_type: { description: "The kind of auth client", type: "string", minLength: 1 } },
        allOf: CLIENT_TYPE_NAMES.map((ct) => ({
          if: { required: ["client_type"], properties: { client_type: { const: ct } } },
          then: { $ref: fileOf(ct) },
        })),
      },
    },
  };
}

/** What each key of a planetauth config file holds; the key set is the one discovery accepts. */
const CONFIG_FILE_PROPERTIES: Record<string, Json> = {
  plugins: {
    description: "Plugin modules to import and register, in order: package specifiers or paths relative to this file.",
    type: "array",
    items: { type: "string", minLength: 1 },
  },
  profiles: {
    description: "Profile name → auth client config (the content of a profile's auth_client.json).",
    type: "object",
  },
  defaultProfile: { description: "The profile used when none is named; one of the keys of profiles.", type: "string", minLength: 1 },
  storage: {
    description: "Where every context of this configuration keeps its tokens: a storage type a registered plugin contributes (e.g. \"redis\" from storage-redis) and that type's options. Default: files under the home directory.",
    type: "object",
    required: ["type"],
    properties: { type: { description: "The storage type, as its plugin names it.", type: "string", minLength: 1 } },
  },
};

/** The storage types a config file can name without plugins: those the built-in plugins build from options. */
const BUILTIN_STORAGE_TYPES = builtinPlugins.flatMap((p) => p.storageProviders ?? []).filter((sp) => sp.fromOptions).map((sp) => sp.name);

const positiveMs = (description: string): Json => ({ description, type: "integer", minimum: 1 });
/** The options of the built-in storage types, for editors (each type's plugin checks them when the file is loaded). */
const STORAGE_OPTIONS: Record<string, { names: readonly string[]; schema: Json }> = {
  [REDIS_STORAGE_TYPE]: {
    names: REDIS_STORAGE_OPTION_NAMES,
    schema: {
      description: "Redis (plugin storage-redis): url, or urlEnv naming the variable that holds it.",
      properties: {
        type: { const: REDIS_STORAGE_TYPE },
        url: { description: "rediss:// (TLS), or redis:// to loopback (elsewhere only with allowCleartext).", type: "string", pattern: "^rediss?://" },
        urlEnv: { description: "The environment variable holding the URL (keeps a password out of the file); used when url is absent.", type: "string", minLength: 1 },
        prefix: { description: "Prefix of every key the store writes (default \"planet-auth:\"; no { or }: the keys carry a hash tag).", type: "string", pattern: "^[^{}]*$" },
        leaseMs: positiveMs("A lock's lease, renewed while its holder runs: how long a crashed holder blocks the others (milliseconds, default 5000)."),
        lockWaitMs: positiveMs("How long to wait for a lock (milliseconds, default 60000)."),
        commandTimeoutMs: positiveMs("Timeout of each Redis command (milliseconds, default 2000)."),
        encrypt: { description: "Encrypt stored objects with SOPS/age.", type: "boolean" },
        recipients: { description: "age recipients (age1…) to encrypt for; implies encrypt.", type: "array", items: { type: "string", pattern: "^age1" } },
        allowCleartext: { description: "Accept redis:// (cleartext) to a host other than loopback.", type: "boolean" },
        cluster: { description: "A Redis Cluster: url names one of its nodes.", type: "boolean" },
        sentinel: { description: "The name of the master Sentinel watches: url names a Sentinel.", type: "string", minLength: 1 },
        nodes: {
          description: "More cluster nodes or Sentinels (host:port), reached with url's scheme and credentials.",
          type: "array",
          items: { type: "string", pattern: "^(\\[[0-9a-fA-F:.]+\\]|[^\\s:/@[\\]]+):\\d{1,5}$" },
        },
      },
      additionalProperties: false,
      allOf: [
        { anyOf: [{ required: ["url"] }, { required: ["urlEnv"] }] },
        { if: { required: ["cluster"], properties: { cluster: { const: true } } }, then: { not: { required: ["sentinel"] } } },
        { if: { required: ["nodes"] }, then: { anyOf: [{ required: ["cluster"], properties: { cluster: { const: true } } }, { required: ["sentinel"] }] } },
      ],
    },
  },
};

/** The config file's storage entry for editors: a built-in type's options checked; without plugins, only a built-in type. */
function storageRules(): { withPlugins: Json; builtInOnly: Json } {
  for (const [type, { names, schema }] of Object.entries(STORAGE_OPTIONS)) {
    const described = Object.keys(schema.properties as Json).filter((k) => k !== "type");
    if (described.join() !== names.join()) throw new Error(`the ${type} storage's options are ${names.join(", ")}; described here: ${described.join(", ")}`);
  }
  const undescribed = BUILTIN_STORAGE_TYPES.filter((t) => !STORAGE_OPTIONS[t]);
  if (undescribed.length) throw new Error(`storage types built from options without a description here: ${undescribed.join(", ")}`);
  return {
    withPlugins: {
      allOf: Object.entries(STORAGE_OPTIONS).map(([type, { schema }]) => ({
        if: { required: ["type"], properties: { type: { const: type } } },
        then: schema,
      })),
    },
    builtInOnly: { properties: { type: { enum: BUILTIN_STORAGE_TYPES } } },
  };
}

/** The config file's properties; what editors check beyond the library's shape: `editor`. */
function configFileProperties(profile: Json, editor?: { storage: Json }): Record<string, Json> {
  const defined = Object.keys(CONFIG_FILE_PROPERTIES);
  if (defined.join() !== CONFIG_FILE_KEYS.join()) {
    throw new Error(`the config file's keys are ${CONFIG_FILE_KEYS.join(", ")} (src/kernel/discovery.ts); described here: ${defined.join(", ")}`);
  }
  return {
    $schema: { description: "The JSON Schema of this file, for editors (the library ignores it).", ...(editor ? { type: "string" } : {}) },
    ...CONFIG_FILE_PROPERTIES,
    profiles: {
      ...CONFIG_FILE_PROPERTIES.profiles,
      // Profile names are checked by config discovery itself, with its own message.
      ...(editor ? { propertyNames: { pattern: PROFILE_NAME_PATTERN } } : {}),
      additionalProperties: profile,
    },
    storage: { ...CONFIG_FILE_PROPERTIES.storage, ...editor?.storage },
  };
}

const CONFIG_FILE_TITLE = "planet-auth discovered configuration (.planetauthrc, planetauth.config.*, package.json#planetauth)";

/**
 * A planetauth config file (.planetauthrc*, planetauth.config.*, package.json#planetauth), for
 * editors. Without plugins, a profile's client_type and the storage type are built-in ones; with
 * plugins they may be theirs.
 */
function configFileSchema(): Json {
  const storage = storageRules();
  return {
    $schema: DRAFT,
    $id: fileOf("planetauth-config"),
    title: CONFIG_FILE_TITLE,
    type: "object",
    properties: configFileProperties({ $ref: `${fileOf("auth_client")}#/$defs/anyClientType` }, { storage: storage.withPlugins }),
    additionalProperties: false,
    if: { required: ["plugins"], properties: { plugins: { minItems: 1 } } },
    else: { properties: { profiles: { additionalProperties: { $ref: fileOf("auth_client") } }, storage: storage.builtInOnly } },
  };
}

/**
 * The config file as discovery checks it, before any plugin is loaded: each profile for its shape only
 * (its keys are checked by its client type once the plugins are registered). Unknown top-level keys are
 * reported by discovery itself, with the list of known ones.
 */
function configFileShapeSchema(): Json {
  return {
    $schema: DRAFT,
    $id: runtimeFileOf("planetauth-config"),
    title: CONFIG_FILE_TITLE,
    type: "object",
    properties: configFileProperties({
      type: "object",
      required: ["client_type"],
      properties: { client_type: { description: "The kind of auth client", type: "string", minLength: 1 } },
    }),
  };
}

/** Every generated schema file, by absolute path. */
export function schemaSources(): Map<string, string> {
  const schemas = [
    ...CLIENT_TYPES.map((s) => clientTypeSchema(s, "editor")),
    authClientSchema(),
    configFileSchema(),
    ...CLIENT_TYPES.map((s) => clientTypeSchema(s, "runtime")),
    configFileShapeSchema(),
  ];
  const out = new Map<string, string>();
  for (const schema of schemas) {
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    const undescribed = Object.entries(properties).filter(([, p]) => !p.description).map(([k]) => k);
    if (undescribed.length) throw new Error(`${String(schema.$id)}: properties without a description: ${undescribed.join(", ")}`);
    out.set(path.join(SCHEMA_DIR, schema.$id as string), JSON.stringify(schema, null, 2) + "\n");
  }
  return out;
}

/** Write the generated schemas, removing runtime schemas of client types that are gone. */
export function writeSchemas(): string[] {
  return writeGenerated(schemaSources(), RUNTIME_SCHEMA_DIR);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(`wrote ${writeSchemas().length} schemas in ${path.relative(root, SCHEMA_DIR)}/`);
}
