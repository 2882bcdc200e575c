/** `plauth oauth …`: token file operations, validation, discovery. The profile must be an OAuth one. */
import { type Auth, type Credential, type JsonObject } from "../../index.js";
import { nowSeconds } from "../../kernel/index.js";
import { CliError } from "../errors.js";
import { formatJson, formatJwtDump, humanize, jwtParts } from "../output.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { oauthContext, splitValues } from "./context.js";

type Opts = Record<string, unknown>;

/** The saved credential of the context (loaded), or null when there is no token file. */
async function savedCredential(auth: Auth): Promise<Credential | null> {
  const path = auth.tokenFilePath();
  const credential = await auth.requestAuthenticator().credential(false);
  if (!credential) return null;
  if (path && !credential.isLoaded()) {
    if (!(await auth.authClient().credentialStorageProvider().objExists(path))) return null;
    await credential.load();
  }
  return credential;
}

async function savedTokens(auth: Auth): Promise<JsonObject> {
  return (await savedCredential(auth))?.data() ?? {};
}

function savedToken(auth: Auth, data: JsonObject, key: string): string {
  const token = data[key];
  if (typeof token !== "string" || !token) throw new CliError(`No ${key} found in ${auth.tokenFilePath() ?? "the saved credential"}`);
  return token;
}

function printJson(rt: PlauthRuntime, value: unknown, opts: Opts = {}): void {
  rt.io.out(formatJson(opts.humanReadable ? humanize(value) : value) + "\n");
}

/** Introspection result, or `"INVALID"` and exit 1 when empty or inactive. */
function printIntrospection(rt: PlauthRuntime, result: JsonObject, opts: Opts): void {
  if (!result || Object.keys(result).length === 0 || result.active === false) {
    rt.io.out('"INVALID"\n');
    throw new CliError("The token is not valid");
  }
  printJson(rt, result, opts);
}

export const refresh: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  const data = await savedTokens(auth);
  const refreshToken = data.refresh_token;
  if (typeof refreshToken !== "string" || !refreshToken) throw new CliError(`No refresh_token found in ${auth.tokenFilePath()}`);
  const scopes = splitValues(opts.scope);
  const fresh = await auth.authClient().refresh(refreshToken, scopes.length ? scopes : undefined);
  await auth.requestAuthenticator().updateCredentialData(fresh.data() ?? {});
};

export const listScopes: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printJson(rt, [...(await auth.authClient().getScopes())].sort());
};

export const discovery: Handler = async (rt, opts) => {
  printJson(rt, await (await oauthContext(rt, opts)).authClient().oidcDiscovery());
};

export const validateAccessToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printIntrospection(rt, await auth.authClient().validateAccessTokenRemote(savedToken(auth, await savedTokens(auth), "access_token")), opts);
};

export const validateIdToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printIntrospection(rt, await auth.authClient().validateIdTokenRemote(savedToken(auth, await savedTokens(auth), "id_token")), opts);
};

export const validateRefreshToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printIntrospection(rt, await auth.authClient().validateRefreshTokenRemote(savedToken(auth, await savedTokens(auth), "refresh_token")), opts);
};

export const validateAccessTokenLocal: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  const token = savedToken(auth, await savedTokens(auth), "access_token");
  const audiences = (auth.authClient().config().data()?.audiences as string[] | undefined) ?? [];
  const audience = splitValues(opts.audience)[0] ?? (audiences.length === 1 ? audiences[0] : undefined);
  const scopes = splitValues(opts.scope);
  printJson(rt, await auth.authClient().validateAccessTokenLocal(token, audience, scopes.length ? scopes : undefined), opts);
};

export const validateIdTokenLocal: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printJson(rt, await auth.authClient().validateIdTokenLocal(savedToken(auth, await savedTokens(auth), "id_token")), opts);
};

export const revokeAccessToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  await auth.authClient().revokeAccessToken(savedToken(auth, await savedTokens(auth), "access_token"));
};

export const revokeRefreshToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  await auth.authClient().revokeRefreshToken(savedToken(auth, await savedTokens(auth), "refresh_token"));
};

export const userinfo: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  printJson(rt, await auth.authClient().userinfoFromAccessToken(savedToken(auth, await savedTokens(auth), "access_token")));
};

/**
 * The saved access token. Expiry is decided from the credential's `_exp`; an expired token is
 * refreshed with the refresh token, or obtained anew by a client that logs in unattended.
 */
export const printAccessToken: Handler = async (rt, opts) => {
  const auth = await oauthContext(rt, opts);
  const client = auth.authClient();
  let credential = await savedCredential(auth);
  if (!credential?.data()) {
    if (opts.refresh === false || !client.canLoginUnattended()) throw new CliError(`No saved token in ${auth.tokenFilePath()}; log in first`);
    credential = await auth.login();
  } else if (opts.refresh !== false && (await credential.isExpired(nowSeconds(client.services.clock)))) {
    const refreshToken = credential.data()?.refresh_token;
    if (typeof refreshToken === "string" && refreshToken) {
      const fresh = await client.refresh(refreshToken);
      await auth.requestAuthenticator().updateCredentialData(fresh.data() ?? {});
      credential = await savedCredential(auth);
    } else if (client.canLoginUnattended()) {
      credential = await auth.login();
    } else {
      throw new CliError("Cannot refresh expired token");
    }
  }
  const token = savedToken(auth, credential?.data() ?? {}, "access_token");
  if (opts.json) printJson(rt, { access_token: token, expires_at: (await credential!.expiryTime()) ?? null });
  else rt.io.out(token + "\n");
};

export async function decodeSavedToken(rt: PlauthRuntime, opts: Opts, key: string): Promise<void> {
  const auth = await oauthContext(rt, opts);
  const token = (await savedTokens(auth))[key];
  const parts = jwtParts(typeof token === "string" ? token : "");
  if (opts.json) printJson(rt, { raw: parts.raw, header: parts.header, body: parts.body, signature: parts.signature }, opts);
  else rt.io.out(formatJwtDump(parts, { humanReadable: Boolean(opts.humanReadable) }));
}
