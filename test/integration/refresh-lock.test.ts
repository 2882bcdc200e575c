/**
 * The OIDC refresh takes the cross-process lock of the token's storage provider (`withLock`), whatever
 * provider that is — also one wrapping the file provider — and without one it refreshes single-flight
 * in process, saying so once at debug.
 */
import { expect, test } from "@jest/globals";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  Auth, AuthLogger, FileStorageProvider, GotHttpClient, createKernel, type JsonObject, type ObjectStorageProvider,
} from "../../src/index.js";
import { oidcPlugin, type RefreshingOidcTokenRequestAuthenticator } from "../../src/plugins/oidc/index.js";
import { captureLogger } from "../support/capture-logger.js";
import { useOidcServerAndHome } from "./support/oidc-server-and-home.js";

const env = useOidcServerAndHome();

/** A custom provider that wraps the file provider and records the locks taken through it. */
class RecordingProvider implements ObjectStorageProvider {
  readonly locks: string[] = [];
  constructor(readonly inner: FileStorageProvider) {}
  loadObj(key: string): Promise<JsonObject> { return this.inner.loadObj(key); }
  saveObj(key: string, data: JsonObject): Promise<void> { return this.inner.saveObj(key, data); }
  objExists(key: string): Promise<boolean> { return this.inner.objExists(key); }
  mtime(key: string): Promise<number> { return this.inner.mtime(key); }
  objRename(src: string, dst: string): Promise<void> { return this.inner.objRename(src, dst); }
  async withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    this.locks.push(key);
    return this.inner.withLock(key, fn);
  }
}

/** Same, without withLock. */
class UnlockedProvider implements ObjectStorageProvider {
  constructor(readonly inner: FileStorageProvider) {}
  loadObj(key: string): Promise<JsonObject> { return this.inner.loadObj(key); }
  saveObj(key: string, data: JsonObject): Promise<void> { return this.inner.saveObj(key, data); }
  objExists(key: string): Promise<boolean> { return this.inner.objExists(key); }
  mtime(key: string): Promise<number> { return this.inner.mtime(key); }
  objRename(src: string, dst: string): Promise<void> { return this.inner.objRename(src, dst); }
}

async function staleTokenContext(storage: ObjectStorageProvider, name: string, logger?: AuthLogger) {
  const { op, home } = env;
  const tokens = await op.authCodeTokens({ scope: "openid offline_access" });
  const key = `.planet/${name}/token.json`;
  await mkdir(path.join(home.dir, ".planet", name), { recursive: true });
  const now = Math.floor(Date.now() / 1000);
  await writeFile(path.join(home.dir, key), JSON.stringify({ access_token: "stale", refresh_token: tokens.refresh_token, token_type: "Bearer", _iat: now - 7200, _exp: now - 3600 }));
  const kernel = createKernel({ plugins: [oidcPlugin], services: { storage, http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }), ...(logger ? { logger } : {}) } });
  const auth = await Auth.initializeFromConfigDict(
    { client_type: "oidc_auth_code", auth_server: op.issuer, client_id: op.clients.publicApp.clientId, redirect_uri: "http://127.0.0.1/callback" },
    { kernel, tokenFile: key },
  );
  return { key, authenticator: auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator };
}

test("the refresh takes the lock of a custom provider that wraps the file provider", async () => {
  const storage = new RecordingProvider(new FileStorageProvider({ homeDir: () => env.home.dir }));
  const { key, authenticator } = await staleTokenContext(storage, "wrapped");
  const headers = await authenticator.authorizationHeaders();
  expect(authenticator.refreshCount()).toBe(1);
  expect(headers.Authorization).toMatch(/^Bearer /);
  expect(headers.Authorization).not.toBe("Bearer stale");
  expect(storage.locks).toEqual([key]);
});

test("a provider without withLock: concurrent requests share one in-process refresh, reported at debug", async () => {
  const host = captureLogger();
  const storage = new UnlockedProvider(new FileStorageProvider({ homeDir: () => env.home.dir }));
  const { authenticator } = await staleTokenContext(storage, "unlocked", new AuthLogger(host));
  await Promise.all([authenticator.authorizationHeaders(), authenticator.authorizationHeaders()]);
  expect(authenticator.refreshCount()).toBe(1);
  const notes = host.lines.filter((l) => l.includes("has no withLock"));
  expect(notes).toHaveLength(1);
  expect(notes[0]).toMatch(/^debug .*UnlockedProvider/);
});
