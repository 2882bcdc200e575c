import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import {
  AuthClientException, FileStorageProvider, NoCredentialException, NetworkException, type Credential, type LoginOptions, type ObjectStorageProvider,
} from "../../../src/kernel/index.js";
import {
  FileBackedOidcCredential, OidcApiClientException, RefreshOrReloginOidcTokenRequestAuthenticator, RefreshingOidcTokenRequestAuthenticator,
  type OidcRefreshClient,
} from "../../../src/plugins/oidc/index.js";
import { makeTempDir } from "../../support/temp-dir.js";
import { manualClock } from "./helpers.js";

const T0 = 1_700_000_000;

/** A scripted auth client: counts calls; issues opaque tokens valid for `ttl` seconds from the clock. */
function fakeClient(clock: { now(): number }, opts: { ttl?: number; rotate?: boolean; unattended?: boolean; attemptMs?: number } = {}) {
  const calls = { refresh: [] as Array<string | null>, login: 0 };
  let n = 0;
  let failWith: unknown = null;
  // `kept`: the refresh token a non-rotating refresh keeps (OidcAuthClient.refresh carries it over).
  const issue = (withRefresh: boolean, kept?: string | null) =>
    new FileBackedOidcCredential(
      { access_token: `at-${++n}`, expires_in: opts.ttl ?? 100, ...(withRefresh ? { refresh_token: `rt-${n}` } : kept ? { refresh_token: kept } : {}) },
      null,
      null,
      clock,
    );
  const client: OidcRefreshClient & { calls: typeof calls; fail(err: unknown): void; gate?: Promise<void>; loginError?: unknown } = {
    calls,
    fail: (err) => void (failWith = err),
    async refresh(rt: string | null): Promise<Credential> {
      calls.refresh.push(rt);
      if (client.gate) await client.gate;
      // A failing attempt takes time (a refused connection retried by the HTTP client, a timeout).
      if (failWith && opts.attemptMs) (clock as ReturnType<typeof manualClock>).advance(opts.attemptMs);
      if (failWith) throw failWith;
      return issue(opts.rotate ?? false, rt);
    },
    async login(_o?: LoginOptions): Promise<Credential> {
      calls.login++;
      if (client.loginError) throw client.loginError;
      return issue(false);
    },
    canLoginUnattended: () => opts.unattended ?? false,
  };
  return client;
}

function credential(clock: { now(): number }, data: Record<string, unknown>, file: string | null = null, provider: ObjectStorageProvider | null = null) {
  return new FileBackedOidcCredential(data, file, provider, clock);
}

describe("RefreshingOidcTokenRequestAuthenticator (in memory)", () => {
  test("hot path: a fresh token decorates synchronously, without a promise or a refresh", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", _iat: T0, _exp: T0 + 100 }), client, { clock, lock: null });
    await auth.decorate({}); // first request primes
    const headers: Record<string, string> = {};
    expect(auth.preRequestHook()).toBeUndefined();
    expect(auth.decorate(headers)).toBeUndefined();
    expect(headers.Authorization).toBe("Bearer a");
    expect(headers["X-Planet-App"]).toMatch(/^planet-auth-library-/);
    expect(auth.refreshAt()).toBe(T0 + 75);
    expect(client.calls.refresh).toHaveLength(0);
  });

  test("refreshes after ¾ of the lifetime (strictly after refresh_at) and saves what the client returned", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    const cred = credential(clock, { access_token: "a", refresh_token: "r0", _iat: T0, _exp: T0 + 100 });
    const auth = new RefreshingOidcTokenRequestAuthenticator(cred, client, { clock, lock: null });
    clock.set((T0 + 75) * 1000 + 999);
    await auth.decorate({});
    expect(client.calls.refresh).toHaveLength(0);
    clock.set((T0 + 76) * 1000);
    const h: Record<string, string> = {};
    await auth.decorate(h);
    await auth.refreshSettled();
    expect(client.calls.refresh).toEqual(["r0"]);
    await auth.decorate(h);
    expect(h.Authorization).toBe("Bearer at-1");
    const now = (await auth.credential())!;
    expect(now.data()).toMatchObject({ access_token: "at-1", refresh_token: "r0" });
    expect(auth.refreshCount()).toBe(1);
  });

  test("single flight: 1,000 concurrent requests share one refresh", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    let open!: () => void;
    client.gate = new Promise<void>((r) => (open = r));
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "old", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 100 }), client, { clock, lock: null });
    const all = Promise.all(Array.from({ length: 1000 }, () => auth.authorizationHeaders()));
    open();
    const headers = await all;
    expect(client.calls.refresh).toHaveLength(1);
    expect(new Set(headers.map((h) => h.Authorization))).toEqual(new Set(["Bearer at-1"]));
  });

  test("back-off after a failure: no refresh per request while backing off; the old valid token keeps being sent", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    client.fail(new OidcApiClientException("Error from OIDC endpoint: temporarily_unavailable", { errorCode: "temporarily_unavailable" }));
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0, _exp: T0 + 100 }), client, {
      clock,
      lock: null,
      backoff: { initialMs: 1000, maxMs: 8000 },
    });
    clock.set((T0 + 80) * 1000);
    const h: Record<string, string> = {};
    await auth.decorate(h);
    await auth.refreshSettled();
    expect(h.Authorization).toBe("Bearer a");
    expect(client.calls.refresh).toHaveLength(1);
    expect(auth.lastRefreshError()).toBeInstanceOf(OidcApiClientException);
    for (let i = 0; i < 50; i++) expect(auth.decorate({})).toBeUndefined(); // synchronous, no I/O
    expect(client.calls.refresh).toHaveLength(1);
    clock.advance(1000);
    await auth.decorate({});
    await auth.refreshSettled();
    expect(client.calls.refresh).toHaveLength(2); // retry after 1 s, then 2 s
    clock.advance(1500);
    await auth.decorate({});
    await auth.refreshSettled();
    expect(client.calls.refresh).toHaveLength(2);
    expect(auth.consecutiveFailures()).toBe(2);
    client.fail(null);
    clock.advance(600);
    await auth.decorate(h);
    await auth.refreshSettled();
    expect(client.calls.refresh).toHaveLength(3);
    await auth.decorate(h);
    expect(h.Authorization).toBe("Bearer at-1");
    expect(auth.lastRefreshError()).toBeNull();
  });

  test("lenient by default: an expired token with a failed refresh still sends the stale header; strict mode throws", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    const err = new OidcApiClientException("Error from OIDC endpoint: invalid_grant", { errorCode: "invalid_grant" });
    client.fail(err);
    const expired = { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 };
    const lenient = new RefreshingOidcTokenRequestAuthenticator(credential(clock, expired), client, { clock, lock: null });
    const h: Record<string, string> = {};
    await lenient.decorate(h);
    expect(h.Authorization).toBe("Bearer a");
    const strict = new RefreshingOidcTokenRequestAuthenticator(credential(clock, expired), client, { clock, lock: null, strict: true });
    await expect(strict.authorizationHeaders()).rejects.toBe(err);
    await expect(strict.authorizationHeaders()).rejects.toBe(err); // while backing off, too
    expect(strict.lastRefreshError()).toBe(err);
    // No refresh token at all: strict mode says so, without a network call.
    const calls = client.calls.refresh.length;
    const none = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { id_token: "i" }), client, { clock, lock: null, strict: true });
    await expect(none.authorizationHeaders()).rejects.toThrow(AuthClientException);
    expect(client.calls.refresh.length).toBe(calls);
  });

  test("past the refresh point an unexpired token is sent synchronously while one background refresh runs; an expired token waits", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    let open!: () => void;
    client.gate = new Promise<void>((r) => (open = r));
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0, _exp: T0 + 100 }), client, { clock, lock: null });
    await auth.decorate({});
    clock.set((T0 + 80) * 1000);
    for (let i = 0; i < 100; i++) {
      const h: Record<string, string> = {};
      expect(auth.decorate(h)).toBeUndefined();
      expect(h.Authorization).toBe("Bearer a");
    }
    await new Promise((r) => setImmediate(r));
    expect(client.calls.refresh).toEqual(["r"]); // single flight
    open();
    await auth.refreshSettled();
    const h: Record<string, string> = {};
    expect(auth.decorate(h)).toBeUndefined();
    expect(h.Authorization).toBe("Bearer at-1");

    const expired = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "old", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), client, { clock, lock: null });
    const pending = expired.decorate(h);
    expect(pending).toBeInstanceOf(Promise);
    await pending;
    expect(h.Authorization).toBe("Bearer at-2");
  });

  test("back-off is measured from the failure: an attempt slower than the first step does not let the next request start another", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock, { attemptMs: 6000 });
    client.fail(new NetworkException("Connection refused by the token endpoint"));
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), client, {
      clock, lock: null, backoff: { initialMs: 1000 },
    });
    const h: Record<string, string> = {};
    await auth.decorate(h); // the first attempt fails at T0 + 6 s
    expect(h.Authorization).toBe("Bearer a"); // lenient: the expired token is still sent
    expect(client.calls.refresh).toHaveLength(1);
    clock.advance(500);
    expect(auth.decorate({})).toBeUndefined();
    await auth.refreshSettled();
    expect(client.calls.refresh).toHaveLength(1);
  });

  test("past the first failure no request waits on the network: due retries run in the background on the back-off schedule", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock, { attemptMs: 6000 });
    client.fail(new NetworkException("Connection refused by the token endpoint"));
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), client, {
      clock, lock: null, backoff: { initialMs: 1000 },
    });
    await auth.decorate({});
    let requests = 0;
    const end = clock.now() + 60_000;
    while (clock.now() < end) {
      const h: Record<string, string> = {};
      expect(auth.decorate(h)).toBeUndefined();
      expect(h.Authorization).toBe("Bearer a");
      requests++;
      await auth.refreshSettled();
      clock.advance(100);
    }
    // Attempts every 1, 2, 4, then 5 s (the cap while no valid token is held), each lasting 6 s.
    expect(requests).toBeGreaterThan(100);
    expect(client.calls.refresh.length).toBeGreaterThan(3);
    expect(client.calls.refresh.length).toBeLessThan(10);
    client.fail(null);
    clock.advance(5000);
    auth.decorate({});
    await auth.refreshSettled();
    const h: Record<string, string> = {};
    expect(auth.decorate(h)).toBeUndefined();
    expect(h.Authorization).toMatch(/^Bearer at-/);
  });

  test("no credential at all and none obtainable: decorating throws ERR_NO_CREDENTIAL naming the client type and the cause, lenient or not", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(null, client, { clock, lock: null, clientType: "oidc_auth_code" });
    const err = (await auth.authorizationHeaders().catch((e: unknown) => e)) as NoCredentialException;
    expect(err).toBeInstanceOf(NoCredentialException);
    expect(err.code).toBe("ERR_NO_CREDENTIAL");
    expect(err.clientType).toBe("oidc_auth_code");
    expect(err.message).toMatch(/the oidc_auth_code client holds no credential and could not obtain one: Cannot refresh the access token: no refresh token/);
    expect(err.cause).toBeInstanceOf(AuthClientException);
    // While backing off it fails at once, without a promise or another attempt.
    expect(() => auth.decorate({})).toThrow(NoCredentialException);

    const relogin = fakeClient(clock, { unattended: true });
    relogin.loginError = new OidcApiClientException("Error from OIDC endpoint: invalid_client", { errorCode: "invalid_client" });
    const cc = new RefreshOrReloginOidcTokenRequestAuthenticator(null, relogin, { clock, lock: null, clientType: "oidc_client_credentials_secret" });
    await expect(cc.authorizationHeaders()).rejects.toMatchObject({
      code: "ERR_NO_CREDENTIAL",
      message: expect.stringContaining("oidc_client_credentials_secret client holds no credential and could not obtain one: Error from OIDC endpoint: invalid_client"),
    });
    expect(relogin.calls.login).toBe(1);
  });

  test("rejects credentials of the wrong class", () => {
    const auth = new RefreshingOidcTokenRequestAuthenticator(null, null, { lock: null });
    expect(() => auth.updateCredential({} as FileBackedOidcCredential)).toThrow(TypeError);
  });
});

describe("RefreshOrReloginOidcTokenRequestAuthenticator", () => {
  test("no token at all: logs in unattended on the first request", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock, { unattended: true });
    const auth = new RefreshOrReloginOidcTokenRequestAuthenticator(null, client, { clock, lock: null });
    expect((await auth.authorizationHeaders()).Authorization).toBe("Bearer at-1");
    expect(client.calls.login).toBe(1);
  });

  test("invalid_grant falls back to unattended login; other errors do not", async () => {
    const clock = manualClock(T0 * 1000);
    const client = fakeClient(clock, { unattended: true });
    client.fail(new OidcApiClientException("Error from OIDC endpoint: invalid_grant", { errorCode: "invalid_grant" }));
    const auth = new RefreshOrReloginOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), client, { clock, lock: null });
    expect((await auth.authorizationHeaders()).Authorization).toBe("Bearer at-1");
    expect(client.calls).toEqual({ refresh: ["r"], login: 1 });

    const c2 = fakeClient(clock, { unattended: true });
    c2.fail(new OidcApiClientException("HTTP error from OIDC endpoint: 503", {}));
    const a2 = new RefreshOrReloginOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), c2, { clock, lock: null });
    await a2.authorizationHeaders();
    expect(c2.calls.login).toBe(0);

    const c3 = fakeClient(clock, { unattended: false });
    c3.fail(new OidcApiClientException("invalid_grant", { errorCode: "invalid_grant" }));
    const a3 = new RefreshOrReloginOidcTokenRequestAuthenticator(credential(clock, { access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 1 }), c3, { clock, lock: null });
    await a3.authorizationHeaders();
    expect(c3.calls.login).toBe(0);
  });
});

describe("file-backed tokens", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let provider: FileStorageProvider;
  beforeEach(async () => {
    ({ dir, cleanup } = await makeTempDir());
    provider = new FileStorageProvider({ homeDir: () => dir });
  });
  afterEach(() => cleanup());

  function countingProvider(inner: FileStorageProvider) {
    const counts = { loadObj: 0, saveObj: 0, mtime: 0, objExists: 0 };
    const p = Object.create(inner) as FileStorageProvider;
    for (const k of Object.keys(counts) as Array<keyof typeof counts>) {
      (p as any)[k] = (...args: unknown[]) => {
        counts[k]++;
        return (inner as any)[k](...args);
      };
    }
    return { provider: p, counts };
  }

  test("the first request primes from the token file; fresh requests then do no I/O", async () => {
    const clock = manualClock(T0 * 1000);
    await writeFile(path.join(dir, "token.json"), JSON.stringify({ access_token: "from-file", _iat: T0, _exp: T0 + 100 }));
    const { provider: p, counts } = countingProvider(provider);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", p), fakeClient(clock), { clock });
    expect(await auth.isInitialized()).toBe(true);
    expect(counts.loadObj).toBe(0);
    const h: Record<string, string> = {};
    await auth.decorate(h);
    expect(h.Authorization).toBe("Bearer from-file");
    expect(counts.loadObj).toBe(1);
    for (let i = 0; i < 100; i++) auth.decorate({});
    expect(counts).toMatchObject({ loadObj: 1, saveObj: 0, mtime: 1 });
  });

  test("re-reads the file before refreshing: a token refreshed by another process is used, not refreshed again", async () => {
    const clock = manualClock(T0 * 1000);
    const file = path.join(dir, "token.json");
    await writeFile(file, JSON.stringify({ access_token: "a", refresh_token: "r", _iat: T0, _exp: T0 + 100 }));
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", provider), client, { clock });
    await auth.decorate({});
    await writeFile(file, JSON.stringify({ access_token: "b", refresh_token: "r2", _iat: T0 + 90, _exp: T0 + 190 }));
    clock.set((T0 + 80) * 1000);
    const h: Record<string, string> = {};
    await auth.decorate(h);
    expect(h.Authorization).toBe("Bearer a"); // still valid: sent while the file is re-read in the background
    await auth.refreshSettled();
    await auth.decorate(h);
    expect(h.Authorization).toBe("Bearer b");
    expect(client.calls.refresh).toHaveLength(0);
  });

  test("two authenticators sharing one token file (as two processes would): one refresh, both end with the new token, file intact", async () => {
    const clock = manualClock(T0 * 1000);
    const file = path.join(dir, "token.json");
    await writeFile(file, JSON.stringify({ access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 100 }));
    const client = fakeClient(clock, { rotate: true });
    let open!: () => void;
    client.gate = new Promise<void>((r) => (open = r));
    const a = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", provider), client, { clock });
    const b = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", provider), client, { clock });
    const ha = a.authorizationHeaders();
    const hb = b.authorizationHeaders();
    setTimeout(open, 50);
    const [ra, rb] = await Promise.all([ha, hb]);
    expect(client.calls.refresh).toEqual(["r"]);
    expect(ra.Authorization).toBe("Bearer at-1");
    expect(rb.Authorization).toBe("Bearer at-1");
    expect(JSON.parse(await readFile(file, "utf8"))).toMatchObject({ access_token: "at-1", refresh_token: "rt-1" });
  });

  /** The file storage with a lock whose release is slow (a round trip to a busy lock server): it comes free only when `release` is called. */
  function slowlyReleasedLock(onReleased: () => void = () => undefined): { storage: ObjectStorageProvider; release: () => void } {
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const storage: ObjectStorageProvider = {
      loadObj: (key) => provider.loadObj(key),
      saveObj: (key, data) => provider.saveObj(key, data),
      objExists: (key) => provider.objExists(key),
      mtime: (key) => provider.mtime(key),
      objRename: (src, dst) => provider.objRename(src, dst),
      withLock: (key, fn, options) =>
        provider.withLock(key, async () => {
          const result = await fn();
          await released;
          onReleased();
          return result;
        }, options),
    };
    return { storage, release };
  }

  test("a waiting request gets the new token once it is saved, not once the lock is released", async () => {
    const clock = manualClock(T0 * 1000);
    await writeFile(path.join(dir, "token.json"), JSON.stringify({ access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 100 }));
    const events: string[] = [];
    const { storage: slowRelease, release } = slowlyReleasedLock(() => events.push("lock released"));
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", slowRelease), client, { clock });
    const headers = auth.authorizationHeaders().then((h) => (events.push("request has a token"), h));
    const fallback = setTimeout(release, 2000); // without the early wake-up the request would wait for this
    expect((await headers).Authorization).toBe("Bearer at-1");
    release();
    clearTimeout(fallback);
    await auth.refreshSettled();
    expect(events).toEqual(["request has a token", "lock released"]);
    expect(client.calls.refresh).toEqual(["r"]);
  });

  test("a request whose token expired while the last refresh was still finishing gets a new token, not the expired one", async () => {
    const clock = manualClock(T0 * 1000);
    await writeFile(path.join(dir, "token.json"), JSON.stringify({ access_token: "a", refresh_token: "r", _iat: T0 - 200, _exp: T0 - 100 }));
    const { storage: slowRelease, release } = slowlyReleasedLock();
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", slowRelease), client, { clock });
    expect((await auth.authorizationHeaders()).Authorization).toBe("Bearer at-1"); // the refresh is still releasing its lock
    clock.set((T0 + 200) * 1000); // at-1 (100 s) has expired too
    const next = auth.authorizationHeaders();
    release();
    expect((await next).Authorization).toBe("Bearer at-2");
    expect(client.calls.refresh).toEqual(["r", "r"]);
  });

  test("the first request of an authenticator whose stored token is past its refresh point waits for the refresh", async () => {
    const clock = manualClock((T0 + 80) * 1000);
    await writeFile(path.join(dir, "token.json"), JSON.stringify({ access_token: "stored", refresh_token: "r", _iat: T0, _exp: T0 + 100 }));
    const client = fakeClient(clock);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "token.json", provider), client, { clock });
    expect((await auth.authorizationHeaders()).Authorization).toBe("Bearer at-1");
    expect(client.calls.refresh).toEqual(["r"]);
  });

  test("updateCredentialData validates, overwrites the file and primes", async () => {
    const clock = manualClock(T0 * 1000);
    const auth = new RefreshingOidcTokenRequestAuthenticator(credential(clock, {}, "t.json", provider), null, { clock });
    await expect(auth.updateCredentialData({ token_type: "Bearer" })).rejects.toThrow(/none of access_token/);
    await auth.updateCredentialData({ access_token: "x", expires_in: 10 });
    expect(auth.tokenBody).toBe("x");
    expect(auth.decorate({})).toBeUndefined();
    expect(JSON.parse(await readFile(path.join(dir, "t.json"), "utf8"))).toMatchObject({ access_token: "x", _exp: T0 + 10 });
  });
});
