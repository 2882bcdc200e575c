/** Every built-in plugin passes the conformance suite third parties run (`planet-auth/testing`). */
import "reflect-metadata";
import { describe, test } from "@jest/globals";
import { generateKeyPairSync } from "node:crypto";
import { describeConformance, type ClientTypeSample } from "../../src/testing/index.js";
import { legacyPlugin, nonePlugin, oidcPlugin, staticKeyPlugin, storageSopsPlugin } from "../../src/index.js";

const runner = { describe, it: test };

const AUTH_SERVER = "https://auth.example.com/oauth2";
const CLIENT_SECRET = "conformance-client-secret-7f3a";
const USER_PASSWORD = "conformance-user-password-91c2";
const KEY_PASSWORD = "conformance-key-password-5d0e";
const privateKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey
  .export({ type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase: KEY_PASSWORD })
  .toString();

const TOKENS = { token_type: "Bearer", access_token: "conformance-access-token", refresh_token: "conformance-refresh-token", expires_in: 3600 };

function oidcSample(clientType: string): ClientTypeSample {
  const config: Record<string, string> = { client_type: clientType, auth_server: AUTH_SERVER, client_id: "conformance-client" };
  if (clientType.endsWith("_secret")) config.client_secret = CLIENT_SECRET;
  if (clientType.endsWith("_pubkey")) Object.assign(config, { client_privkey: privateKey, client_privkey_password: KEY_PASSWORD });
  if (clientType.startsWith("oidc_auth_code")) config.redirect_uri = "http://localhost:8080/callback";
  if (clientType.startsWith("oidc_resource_owner")) Object.assign(config, { username: "someone", password: USER_PASSWORD });
  return { clientType, config, ...(clientType === "oidc_client_validator" ? { authenticatesRequests: false } : { credential: TOKENS }) };
}

describeConformance({ plugin: staticKeyPlugin, samples: [
  { clientType: "static_apikey", config: { client_type: "static_apikey", api_key: "conformance-api-key-0a1b", bearer_token_prefix: "api-key" } },
] }, runner);

describeConformance({ plugin: nonePlugin, samples: [{ clientType: "none", config: { client_type: "none" } }] }, runner);

describeConformance({ plugin: legacyPlugin, samples: [
  {
    clientType: "planet_legacy",
    // Without api_key, the key comes from the token file (the credential checks need that).
    config: { client_type: "planet_legacy", legacy_auth_endpoint: "https://api.example.com/v0/auth/login" },
    credential: { key: "conformance-legacy-key-77", jwt: "conformance.jwt.value" },
    invalidConfigs: [
      { client_type: "planet_legacy", api_key: "conformance-legacy-key-77" },
      { client_type: "planet_legacy", legacy_auth_endpoint: 12, api_key: "conformance-legacy-key-77" },
      { client_type: "planet_legacy", legacy_auth_endpoint: "ftp://x", api_key: "conformance-legacy-key-77" },
    ],
  },
] }, runner);

describeConformance({ plugin: oidcPlugin, samples: oidcPlugin.clientTypes!.map((ct) => oidcSample(ct.clientType)) }, runner);

describeConformance({ plugin: storageSopsPlugin, samples: [] }, runner);
