// Generates schemas/<client_type>.schema.json for the 15 built-in client types (config.md).
// The OIDC types share a base; writing them out self-contained keeps each schema usable on its own.
// Run: node scripts/generate-schemas.mjs
import { writeFileSync } from "node:fs";

const str = { type: ["string", "null"] };
const nonEmpty = { type: "string", minLength: 1 };
const secret = (s) => ({ ...s, "x-secret": true });
const allowInsecureHttp = {
  type: ["boolean", "null"],
  description: "Accept plain http:// URLs to hosts other than loopback (secrets then travel unencrypted)",
};

const oidcBase = {
  auth_server: { ...nonEmpty, description: "Base URL of the OAuth2/OIDC authorization server" },
  client_id: { ...nonEmpty, description: "The client's assigned identifier" },
  scopes: { type: ["array", "null"], items: { type: "string" }, description: "Default scopes for login" },
  audiences: {
    description: "Requested audience; when set, a list of exactly one item",
    "x-error": "must be a list of exactly one audience",
    anyOf: [{ type: "null" }, { type: "array", maxItems: 0 }, { type: "array", minItems: 1, maxItems: 1, items: nonEmpty }],
  },
  organization: str, project_id: str, issuer: str,
  authorization_endpoint: str, device_authorization_endpoint: str, introspection_endpoint: str,
  jwks_endpoint: str, revocation_endpoint: str, userinfo_endpoint: str, token_endpoint: str,
  authorization_callback_acknowledgement: str, authorization_callback_acknowledgement_file: str,
  allow_insecure_http: allowInsecureHttp,
};
const secretKeys = { client_secret: secret({ ...nonEmpty, description: "Client secret" }) };
const pubkeyKeys = {
  client_privkey: secret({ ...str, description: "PEM private key literal (wins over client_privkey_file)" }),
  client_privkey_file: { ...str, description: "PEM private key file (relative paths resolve against the process CWD)" },
  client_privkey_password: secret({ ...str, description: "Password of an encrypted PEM key" }),
};
const oneOfKeys = (a, b) => ({
  "x-error": `one of ${a} or ${b} is required`,
  anyOf: [
    { required: [a], properties: { [a]: nonEmpty } },
    { required: [b], properties: { [b]: nonEmpty } },
  ],
});
const authCodeKeys = {
  redirect_uri: { ...str, description: "Login redirect URL (no-browser mode)" },
  local_redirect_uri: { ...str, description: "Login redirect URL on the loopback interface (browser mode)" },
};
const ownerKeys = {
  user_name: { ...str, description: "User name (input alias: username)" },
  user_password: secret({ ...str, description: "User password (input alias: password)" }),
  username: { ...str, deprecated: true, description: "Alias of user_name, renamed on load" },
  password: secret({ ...str, deprecated: true, description: "Alias of user_password, renamed on load" }),
};

function schema(clientType, title, properties, required, extra = {}) {
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $id: `https://planet-auth.dev/schemas/${clientType}.schema.json`,
    title,
    type: "object",
    required: ["client_type", ...required],
    properties: { client_type: { const: clientType }, ...properties },
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
types.push(schema("oidc_client_validator", "JWT Validator", { ...oidcBase, client_id: { ...str, description: "Defaults to __OidcClientValidatorAuthClientConfig__" } }, ["auth_server"]));
types.push(schema("planet_legacy", "Planet Legacy Auth", {
  legacy_auth_endpoint: { ...nonEmpty, description: "Planet legacy authentication endpoint" },
  allow_insecure_http: allowInsecureHttp,
  api_key: secret({ ...str, description: "Planet API key; when set, requests use it and the token file is ignored" }),
}, ["legacy_auth_endpoint"]));
types.push(schema("static_apikey", "API Key", {
  api_key: secret({ ...str, description: "API key; when absent it must come from the token file" }),
  bearer_token_prefix: { ...str, description: "Authorization header prefix (default \"Bearer\")" },
}, []));
types.push(schema("none", "NoOp Auth", {}, []));

for (const s of types) {
  const name = s.properties.client_type.const;
  writeFileSync(new URL(`../schemas/${name}.schema.json`, import.meta.url), JSON.stringify(s, null, 2) + "\n");
}
console.log(`wrote ${types.length} schemas`);
