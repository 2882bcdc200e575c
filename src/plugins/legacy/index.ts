/**
 * The `planet_legacy` client type: Planet's legacy email/password login, which returns a JWT whose
 * `api_key` claim is then sent as `Authorization: api-key <key>`.
 */
import {
  AuthClient, AuthClientConfig, AuthClientException, LIBRARY_VERSION, definePlugin, givenOrPrompted, plainHttpReason,
  isConfigured, lazyLoader, mediaType, quoteServerText, readSchemaFile, redactUrl, responseForError, type Credential, type HttpRequest,
  type HttpResponse, type JsonObject,
  type LoginOptions, type RequestAuthenticator, type ErrorCode } from "../../kernel/index.js";
import { FileBackedPlanetLegacyApiKey } from "./credential.js";
import { PlanetLegacyRequestAuthenticator } from "./request-authenticator.js";
import type { PlanetLegacyConfigDict } from "../../generated/config-types.js";

declare module "../../kernel/index.js" {
  interface ErrorCodes {
    ERR_PLANET_LEGACY_AUTH_CLIENT: PlanetLegacyAuthClientException;
  }
  interface ConfigDicts {
    planet_legacy: PlanetLegacyConfigDict;
  }
}

export type { PlanetLegacyConfigDict };

export { FileBackedPlanetLegacyApiKey } from "./credential.js";
export { PlanetLegacyRequestAuthenticator } from "./request-authenticator.js";

const loadJose = lazyLoader(() => import("jose"));

export class PlanetLegacyAuthClientException extends AuthClientException {
  static override readonly code: ErrorCode = "ERR_PLANET_LEGACY_AUTH_CLIENT";
  /**
   * The HTTP response, when the error came from the login endpoint. Non-enumerable: its body may hold
   * the token, so it stays out of `util.inspect` and JSON logs.
   */
  declare readonly rawResponse?: HttpResponse;

  /**
   * Attach the server's response (secrets redacted) to this error, for callers that need its status or body.
   */
  withResponse(response: HttpResponse | undefined): this {
    Object.defineProperty(this, "rawResponse", { value: response, enumerable: false, writable: false, configurable: true });
    return this;
  }
}

export class PlanetLegacyAuthClientConfig extends AuthClientConfig<PlanetLegacyConfigDict> {
  static override readonly clientType = "planet_legacy";
  /** As the reference's constructor stores them: `legacy_auth_endpoint` and `api_key` only when set. */
  static override normalize(data: JsonObject): JsonObject {
    const out = { ...data };
    for (const key of ["legacy_auth_endpoint", "api_key"]) if (key in out && !isConfigured(out[key])) delete out[key];
    return out;
  }
  /** The Planet legacy login endpoint (`legacy_auth_endpoint`, with the built-in default). */
  legacyAuthEndpoint(): string {
    return this.requiredString("legacy_auth_endpoint");
  }
  /** The config's opt-in to a plain http:// endpoint on a non-loopback host. */
  allowInsecureHttp(): boolean {
    return this.get("allow_insecure_http") === true;
  }
  protected override checkConfigRules(data: JsonObject): void {
    super.checkConfigRules(data);
    const url = data.legacy_auth_endpoint;
    const reason = typeof url === "string" ? plainHttpReason(url, data.allow_insecure_http === true) : undefined;
    if (reason) throw this.configError(`"legacy_auth_endpoint" ${reason}`, "legacy_auth_endpoint");
  }
  /** The API key the config holds (`api_key`), if any. */
  apiKey(): string | null {
    return this.getString("api_key");
  }
}

export class PlanetLegacyAuthClient extends AuthClient {
  declare config: () => PlanetLegacyAuthClientConfig;

  #error(message: string, response?: HttpResponse, cause?: unknown): PlanetLegacyAuthClientException {
    return new PlanetLegacyAuthClientException(message, { clientType: "planet_legacy", cause }).withResponse(response);
  }

  #ask(given: string | undefined, question: string, hidden: boolean, allowPrompt: boolean, what: "username" | "password"): Promise<string> {
    return givenOrPrompted(this.services.prompt, given, question, {
      hidden,
      allowPrompt,
      missing: (reason, cause) =>
        this.#error(
          reason === "empty-answer"
            ? `No ${what} was entered`
            : reason === "no-terminal"
              ? `A ${what} is required to log in; it cannot be asked for without a terminal (standard input is not a terminal or is closed). Supply it with the ${what} login option`
              : `A ${what} is required to log in and prompting is not allowed`,
          undefined,
          cause,
        ),
    });
  }

  async login(options: LoginOptions = {}): Promise<Credential> {
    const allow = Boolean(options.allowTtyPrompt);
    const username = await this.#ask(options.username, "Email: ", false, allow, "username");
    const password = await this.#ask(options.password, "Password: ", true, allow, "password");
    const endpoint = this.config().legacyAuthEndpoint();
    const where = redactUrl(endpoint);
    this.services.logger.debug(`Logging in to the Planet legacy endpoint ${where}`);
    const request: HttpRequest = {
      method: "POST",
      url: endpoint,
      json: { email: username, password },
      headers: { Accept: "application/json" },
      signal: options.signal,
    };
    const sent = await this.services.http.request(request);
    // What an error may quote or carry of the answer: nothing of what was sent (a server may echo the password).
    const response = responseForError(sent, request, this.services.secretNames);
    if (response.status >= 400) {
      throw this.#error(`HTTP error from endpoint at ${where}: ${response.status}: ${quoteServerText(response.statusText, request, this.services.secretNames)}`, response);
    }
    if (mediaType(response) !== "application/json") {
      throw this.#error(`Expected a JSON response from ${where}, got content type "${quoteServerText(mediaType(response), request, this.services.secretNames)}"`, response);
    }
    let body: JsonObject;
    try {
      body = JSON.parse(sent.body) as JsonObject;
    } catch {
      // No cause: the parser's message quotes the body, which may hold the token.
      throw this.#error(`Unparsable JSON response from ${where}`, response);
    }
    if (!body || typeof body !== "object" || Object.keys(body).length === 0) throw this.#error(`Empty JSON response from ${where}`, response);
    const token = body.token;
    if (typeof token !== "string" || !token) throw this.#error(`The response from ${where} has no token field`, response);
    const { decodeJwt } = await loadJose();
    let claims: JsonObject;
    try {
      claims = decodeJwt(token);
    } catch (err) {
      // Our own message: a JWT library's error text says nothing useful to the user.
      throw this.#error(`The token returned by ${where} is not a JWT`, response, err);
    }
    if (typeof claims.api_key !== "string" || !claims.api_key) throw this.#error(`The token returned by ${where} has no api_key claim`, response);
    return new FileBackedPlanetLegacyApiKey({ key: claims.api_key, jwt: token }, null, null, this.services.clock);
  }

  /** A key in the config is used from memory and never written to any file. */
  defaultRequestAuthenticator(credential: string | Credential | null): RequestAuthenticator {
    let cred: FileBackedPlanetLegacyApiKey;
    const configKey = this.config().apiKey();
    if (configKey) cred = new FileBackedPlanetLegacyApiKey({ key: configKey, jwt: null }, null, null, this.services.clock);
    else if (credential === null || typeof credential === "string") {
      cred = new FileBackedPlanetLegacyApiKey(null, credential, this.credentialStorageProvider(), this.services.clock);
    } else if (credential instanceof FileBackedPlanetLegacyApiKey) cred = credential;
    else throw new TypeError(`planet_legacy needs a FileBackedPlanetLegacyApiKey credential, got ${credential.constructor.name}`);
    return new PlanetLegacyRequestAuthenticator(cred);
  }

  canLoginUnattended(): boolean {
    return false;
  }
}

/**
 * The Planet legacy plugin: the `planet_legacy` client type (email and password exchanged for an API key).
 */
export const legacyPlugin = definePlugin({
  name: "planet-auth/legacy",
  version: LIBRARY_VERSION,
  // The login request's password, and the key file's API key and login JWT.
  secretNames: ["password", "key", "jwt"],
  clientTypes: [
    {
      schema: readSchemaFile("runtime/planet_legacy.schema.json"),
      configClass: PlanetLegacyAuthClientConfig,
      clientClass: PlanetLegacyAuthClient,
      meta: {
        displayName: "Planet Legacy Auth",
        description: "Planet legacy authentication protocols.  Not recommended for new applications.",
        configHints: [
          { configKey: "legacy_auth_endpoint", configKeyName: "Planet Legacy Authentication Endpoint", configKeyDescription: "Planet legacy authentication endpoint" },
          { configKey: "api_key", configKeyName: "Planet API Key", configKeyDescription: "Planet API key" },
        ],
      },
    },
  ],
});
