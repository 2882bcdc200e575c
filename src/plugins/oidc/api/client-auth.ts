/**
 * Client-authentication strategies (RFC 6749 section 2.3, RFC 7523 section 2.2), composable with any flow.
 * A strategy decorates an outgoing form request for one endpoint; `endpointUrl` is the exact URL being
 * called (it becomes the client assertion's `aud`).
 */
import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { types } from "node:util";
import { resolve as resolvePath } from "node:path";
import { AuthClientConfigException, lazyLoader, nowSeconds, recastMessage, systemClock, type Clock } from "../../../kernel/index.js";

const loadJose = lazyLoader(() => import("jose"));

/** A client authentication method's RFC 7591 name (`client_secret_basic`, `private_key_jwt`, …). */
export type ClientAuthMethod = "none" | "client_secret_basic" | "client_secret_post" | "private_key_jwt" | "no_client_auth";

/** The mutable parts of a request a strategy may decorate. */
export interface ClientAuthRequest {
  form: Record<string, string | undefined>;
  headers: Record<string, string>;
}

/**
 * How a client authenticates to the auth server's endpoints (client secret in a header or the form, a signed
 * assertion, or nothing).
 */
export interface ClientAuthStrategy {
  /** The RFC 7591 `token_endpoint_auth_method` name (or `no_client_auth` for the validator). */
  readonly method: ClientAuthMethod;
  readonly clientId?: string | undefined;
  /**
   * Add this client's authentication to a request to `endpointUrl` (a header, form fields or a signed
   * assertion).
   */
  apply(request: ClientAuthRequest, endpointUrl: string): Promise<void>;
}

/** Public clients: `client_id` in the form. */
export class PublicClientAuth implements ClientAuthStrategy {
  readonly method = "none" as const;
  /** A public client: sends only its client ID. */
  constructor(readonly clientId: string) {}
  async apply(request: ClientAuthRequest): Promise<void> {
    request.form.client_id = this.clientId;
  }
}

/** Adds nothing (the `oidc_client_validator` type). */
export class NoClientAuth implements ClientAuthStrategy {
  readonly method = "no_client_auth" as const;
  readonly clientId = undefined;
  async apply(): Promise<void> {}
}

/** Options of `ClientSecretBasicAuth`: how the client ID and secret are encoded in the header. */
export interface ClientSecretBasicOptions {
  /**
   * `raw` (default, as the reference): base64(`id:secret`) with nothing encoded first.
   * `rfc6749`: form-url-encode id and secret first (RFC 6749 section 2.3.1).
   */
  encoding?: "raw" | "rfc6749";
}

/** HTTP Basic client authentication; nothing added to the body. */
export class ClientSecretBasicAuth implements ClientAuthStrategy {
  readonly method = "client_secret_basic" as const;
  readonly #secret: string;
  readonly #encoding: "raw" | "rfc6749";
  /** Sends the client ID and secret in an HTTP Basic `Authorization` header. */
  constructor(readonly clientId: string, clientSecret: string, options: ClientSecretBasicOptions = {}) {
    this.#secret = clientSecret;
    this.#encoding = options.encoding ?? "raw";
  }
  async apply(request: ClientAuthRequest): Promise<void> {
    const enc = this.#encoding === "rfc6749" ? formUrlEncode : (s: string) => s;
    const token = Buffer.from(`${enc(this.clientId)}:${enc(this.#secret)}`, "utf8").toString("base64");
    request.headers.Authorization = `Basic ${token}`;
  }
}

/** application/x-www-form-urlencoded encoding of one value (space as `+`). */
function formUrlEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `client_id` and `client_secret` in the form. */
export class ClientSecretPostAuth implements ClientAuthStrategy {
  readonly method = "client_secret_post" as const;
  readonly #secret: string;
  /** Sends the client ID and secret as form fields. */
  constructor(readonly clientId: string, clientSecret: string) {
    this.#secret = clientSecret;
  }
  async apply(request: ClientAuthRequest): Promise<void> {
    request.form.client_id = this.clientId;
    request.form.client_secret = this.#secret;
  }
}

/** Options of `PrivateKeyJwtAuth`: the private key, its passphrase and the clock assertions are dated by. */
export interface PrivateKeyJwtOptions {
  clientId: string;
  /** PEM literal (PKCS#1, PKCS#8 or encrypted PKCS#8). Wins over `privateKeyFile`. */
  privateKey?: string;
  /** PEM file path; relative paths resolve against the process CWD. */
  privateKeyFile?: string;
  /** Password of an encrypted PEM. */
  privateKeyPassword?: string;
  clock?: Clock;
  /** Assertion lifetime in seconds. Default 300. */
  lifetimeSeconds?: number;
  /** The client_type, for error messages. */
  clientType?: string;
}

export const CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/**
 * private_key_jwt (RFC 7523): a fresh RS256 client assertion per request, `aud` = the endpoint URL.
 * The key is loaded lazily on first use and cached for the life of the strategy; a load failure is
 * not cached (the next call tries again).
 */
export class PrivateKeyJwtAuth implements ClientAuthStrategy {
  readonly method = "private_key_jwt" as const;
  readonly clientId: string;
  readonly #options: PrivateKeyJwtOptions;
  readonly #clock: Clock;
  #key?: Promise<KeyObject>;

  /** Signs a short-lived client assertion with the client's private key for each request. */
  constructor(options: PrivateKeyJwtOptions) {
    this.clientId = options.clientId;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  /** The loaded private key (loads it on first call). Throws AuthClientConfigException. */
  privateKey(): Promise<KeyObject> {
    if (!this.#key) {
      this.#key = loadRsaPrivateKey(this.#options);
      this.#key.catch(() => (this.#key = undefined));
    }
    return this.#key;
  }

  /** Mint a client assertion for `audience` (RFC 7523 section 3 claims, plus `nbf`). */
  async clientAssertion(audience: string): Promise<string> {
    const [key, { SignJWT }] = await Promise.all([this.privateKey(), loadJose()]);
    const now = nowSeconds(this.#clock);
    return new SignJWT({
      iss: this.clientId,
      sub: this.clientId,
      aud: audience,
      iat: now,
      nbf: now,
      exp: now + (this.#options.lifetimeSeconds ?? 300),
      jti: process.getBuiltinModule("node:crypto").randomUUID(),
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT" })
      .sign(key);
  }

  async apply(request: ClientAuthRequest, endpointUrl: string): Promise<void> {
    delete request.form.client_id;
    request.form.client_assertion_type = CLIENT_ASSERTION_TYPE;
    request.form.client_assertion = await this.clientAssertion(endpointUrl);
  }
}

/**
 * The recast message "<original message> (<OriginalClass>)". Like the kernel's recastMessage, but also
 * for errors from another realm (node:fs errors under jest's vm modules fail `instanceof Error`).
 */
function recastText(err: unknown): string {
  if (types.isNativeError(err)) return `${err.message} (${err.constructor?.name ?? err.name})`;
  return recastMessage(err);
}

/**
 * Load an RSA private key from a PEM literal (wins) or file. Errors become AuthClientConfigException
 * with the recast message "<original message> (<OriginalClass>)"; the key text never appears.
 */
async function loadRsaPrivateKey(options: Pick<PrivateKeyJwtOptions, "privateKey" | "privateKeyFile" | "privateKeyPassword" | "clientType">): Promise<KeyObject> {
  const { privateKey, privateKeyFile, privateKeyPassword, clientType } = options;
  let pem: string;
  let field: string;
  if (privateKey) {
    pem = privateKey;
    field = "client_privkey";
  } else if (privateKeyFile) {
    field = "client_privkey_file";
    try {
      pem = await readFile(resolvePath(process.cwd(), privateKeyFile), "utf8");
    } catch (err) {
      throw new AuthClientConfigException(recastText(err), { cause: err, clientType, field });
    }
  } else {
    throw new AuthClientConfigException("No client private key configured (client_privkey or client_privkey_file)", { clientType, field: "client_privkey" });
  }
  let key: KeyObject;
  try {
    key = process.getBuiltinModule("node:crypto").createPrivateKey({
      key: pem,
      format: "pem",
      ...(privateKeyPassword ? { passphrase: Buffer.from(privateKeyPassword, "utf8") } : {}),
    });
  } catch (err) {
    throw new AuthClientConfigException(recastText(err), { cause: err, clientType, field });
  }
  if (key.asymmetricKeyType !== "rsa") {
    throw new AuthClientConfigException(`Client private key must be an RSA key (RS256), got ${key.asymmetricKeyType ?? key.type}`, { clientType, field });
  }
  return key;
}
