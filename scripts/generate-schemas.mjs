// Generates schemas/<client_type>.schema.json for the 15 built-in client types, auth_client.schema.json
// (dispatches on client_type) and planetauth-config.schema.json (the discovered config file).
// The OIDC types share a base; writing them out self-contained keeps each schema usable on its own.
// Run: node scripts/generate-schemas.mjs
import { writeFileSync } from "node:fs";

// The schemas state exactly what the Python reference checks when a config is validated, and
// nothing stricter: presence checks are truthiness checks ("", 0, false, null, [] and {} all mean
// "not configured"), and no other key is type-checked (a wrong type fails later, where the value is
// used, with an error naming the key). What a value should be is stated for people (the description)
// and for the compiler: "x-ts-type" (an annotation, never validated) is the type
// scripts/generate-config-types.ts gives the key in src/generated/config-types.ts.
const falsy = { enum: [null, false, 0, "", [], {}] };
const configured = { not: falsy, "x-error": "must be set (a non-empty value)" };
/** The "x-ts-type" vocabulary (the kernel's `TsTypeNames`). */
const TS_TYPES = ["string", "string[]", "boolean", "number", "object"];
const typed = (tsType, s) => {
  if (!TS_TYPES.includes(tsType)) throw new Error(`x-ts-type "${tsType}" is not one of ${TS_TYPES.join(", ")}`);
  return { ...s, "x-ts-type": tsType };
};
const doc = (description, tsType = "string") => typed(tsType, { description });
const secret = (s) => ({ ...s, "x-secret": true });
const requiredKey = (description, tsType = "string") => typed(tsType, { ...configured, description });
// Not a key of the Python library: this library's opt-in to plain http:// on non-loopback hosts.
const allowInsecureHttp = {
  type: ["boolean", "null"],
  description: "Accept plain http:// URLs to hosts other than loopback (secrets then travel unencrypted)",
};

const oidcBase = {
  auth_server: requiredKey("Base URL of the OAuth2/OIDC authorization server (string)"),
  client_id: requiredKey("The client's assigned identifier (string)"),
  scopes: doc("Default scopes for login (list of strings)", "string[]"),
  audiences: typed("string[]", {
    description: "Requested audience (list of strings); when set, a list of exactly one item",
    "x-error": "must be a list of exactly one audience",
    anyOf: [falsy, { type: "array", minItems: 1, maxItems: 1 }],
  }),
  organization: doc("Organization sent with login requests (string)"),
  project_id: doc("Project sent with login requests (string)"),
  issuer: doc("Issuer of the tokens, overriding discovery (string)"),
  authorization_endpoint: doc("URL overriding discovery"),
  device_authorization_endpoint: doc("URL overriding discovery"),
  introspection_endpoint: doc("URL overriding discovery"),
  jwks_endpoint: doc("URL overriding discovery's jwks_uri"),
  revocation_endpoint: doc("URL overriding discovery"),
  userinfo_endpoint: doc("URL overriding discovery"),
  token_endpoint: doc("URL overriding discovery"),
  authorization_callback_acknowledgement: doc("HTML served by the loopback redirect listener (string)"),
  authorization_callback_acknowledgement_file: doc("File holding that HTML (string path, relative to the process CWD)"),
  allow_insecure_http: allowInsecureHttp,
};
const secretKeys = { client_secret: secret(requiredKey("Client secret (string)")) };
const pubkeyKeys = {
  client_privkey: secret(doc("PEM private key literal (string; wins over client_privkey_file)")),
  client_privkey_file: doc("PEM private key file (string path; relative paths resolve against the process CWD)"),
  client_privkey_password: secret(doc("Password of an encrypted PEM key (string)")),
};
const oneOfKeys = (a, b) => ({
  "x-error": `one of ${a} or ${b} is required`,
  anyOf: [
    { required: [a], properties: { [a]: { not: falsy } } },
    { required: [b], properties: { [b]: { not: falsy } } },
  ],
});
const authCodeKeys = {
  redirect_uri: doc("Login redirect URL (no-browser mode)"),
  local_redirect_uri: doc("Login redirect URL on the loopback interface (browser mode)"),
};
const ownerKeys = {
  user_name: doc("User name (string; input alias: username)"),
  user_password: secret(doc("User password (string; input alias: password)")),
  username: { deprecated: true, ...doc("Alias of user_name, renamed on load") },
  password: secret({ deprecated: true, ...doc("Alias of user_password, renamed on load") }),
};

// $ids are file names: relative to wherever the file is read from, so every $ref between the
// schemas resolves to a sibling file inside the installed package (no network, no invented host).
const schemaFile = (name) => `${name}.schema.json`;

function schema(clientType, title, properties, required, extra = {}) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: schemaFile(clientType),
    title,
    type: "object",
    required: ["client_type", ...required],
    properties: { client_type: { const: clientType, description: `Selects this client type (${title})` }, ...properties },
    additionalProperties: true,
    ...extra,
  };
}

const types = [];
const oidcRequired = ["auth_server", "client_id"];
for (const [flow, flowTitle, flowKeys, flowRule] of [
  ["auth_code", "Auth Code", authCodeKeys, oneOfKeys("redirect_uri", "local_redirect_uri")],
  ["device_code", "Device Code", {}, null],
  ["resource_owner", "Resource Owner", ownerKeys, null],
  ["client_credentials", "Client Credentials", {}, null],
]) {
  for (const [suffix, authTitle, authKeys, authRule] of [
    ["", "", {}, null],
    ["_secret", " (Client Secret)", secretKeys, null],
    ["_pubkey", " (Public Key)", pubkeyKeys, oneOfKeys("client_privkey", "client_privkey_file")],
  ]) {
    if (flow === "client_credentials" && suffix === "") continue;
    const ct = `oidc_${flow}${suffix}`;
    const rules = [flowRule, authRule].filter(Boolean);
    const extra = rules.length === 1 ? rules[0] : rules.length ? { allOf: rules } : {};
    types.push(schema(ct, flowTitle + authTitle, { ...oidcBase, ...authKeys, ...flowKeys },
      [...oidcRequired, ...(suffix === "_secret" ? ["client_secret"] : [])], extra));
  }
}
// "default" is an annotation here (ajv fills no defaults): the config class sets it before validation,
// which is also why the generated type makes the key optional.
types.push(schema("oidc_client_validator", "JWT Validator", {
  ...oidcBase,
  client_id: { ...requiredKey("The client's identifier (string); defaults to __OidcClientValidatorAuthClientConfig__ when the key is absent"), default: "__OidcClientValidatorAuthClientConfig__" },
}, oidcRequired));
types.push(schema("planet_legacy", "Planet Legacy Auth", {
  legacy_auth_endpoint: requiredKey("Planet legacy authentication endpoint (URL)"),
  allow_insecure_http: allowInsecureHttp,
  api_key: secret(doc("Planet API key (string); when set, requests use it and the token file is ignored")),
}, ["legacy_auth_endpoint"]));
types.push(schema("static_apikey", "API Key", {
  api_key: secret(doc("API key (string); when absent it must come from the token file")),
  bearer_token_prefix: doc("Authorization header prefix (string, default \"Bearer\"; kept only alongside api_key)"),
}, []));
types.push(schema("none", "NoOp Auth", {}, []));

// auth_client.json of a profile: the per-type schema chosen by client_type. if/then (rather than
// oneOf) lets editors complete the chosen type's keys and report only that type's errors; a
// client_type no built-in knows (a third-party plugin's) is left to that plugin's schema.
const clientTypes = types.map((s) => s.properties.client_type.const);
const authClient = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: schemaFile("auth_client"),
  title: "planet-auth profile config (auth_client.json)",
  description: "An auth client config: a JSON object keyed by client_type; the built-in types are checked against their own schema.",
  type: "object",
  required: ["client_type"],
  properties: {
    client_type: {
      description: "The kind of auth client; selects the schema for the other keys",
      anyOf: [{ enum: clientTypes }, { type: "string", minLength: 1 }],
    },
  },
  allOf: clientTypes.map((ct) => ({
    if: { required: ["client_type"], properties: { client_type: { const: ct } } },
    then: { $ref: schemaFile(ct) },
  })),
};

// A planetauth config file (.planetauthrc*, planetauth.config.*, package.json#planetauth).
const planetauthConfig = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: schemaFile("planetauth-config"),
  title: "planet-auth discovered configuration (.planetauthrc, planetauth.config.*, package.json#planetauth)",
  type: "object",
  properties: {
    plugins: {
      description: "Plugin modules to import and register, in order: package specifiers or paths relative to this file.",
      type: "array",
      items: { type: "string", minLength: 1 },
    },
    profiles: {
      description: "Profile name → auth client config (the content of a profile's auth_client.json).",
      type: "object",
      additionalProperties: { $ref: schemaFile("auth_client") },
    },
    defaultProfile: { description: "The profile used when none is named; one of the keys of profiles.", type: "string", minLength: 1 },
    storage: {
      description: "Where every context of this configuration keeps its tokens: a storage type a registered plugin contributes (e.g. \"redis\" from storage-redis) and that type's options. Default: files under the home directory.",
      type: "object",
      required: ["type"],
      properties: { type: { description: "The storage type, as its plugin names it.", type: "string", minLength: 1 } },
    },
  },
};

const outputs = [...types, authClient, planetauthConfig];
for (const s of outputs) {
  const undescribed = Object.entries(s.properties).filter(([, p]) => !p.description).map(([key]) => key);
  if (undescribed.length) throw new Error(`${s.$id}: properties without a description: ${undescribed.join(", ")}`);
  writeFileSync(new URL(`../schemas/${s.$id}`, import.meta.url), JSON.stringify(s, null, 2) + "\n");
}
console.log(`wrote ${outputs.length} schemas`);
