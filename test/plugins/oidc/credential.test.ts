import { afterEach, beforeEach, describe, expect, test } from "@jest/globals";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { FileStorageProvider, InvalidDataException } from "../../../src/kernel/index.js";
import { FileBackedOidcCredential, MAX_TOKEN_LIFETIME_SECONDS } from "../../../src/plugins/oidc/index.js";
import { makeTempDir } from "../../support/temp-dir.js";
import { fakeJwt, manualClock } from "./helpers.js";

const clock = manualClock(1_700_000_000_500);
const NOW = 1_700_000_000;

describe("FileBackedOidcCredential _iat/_exp", () => {
  test("JWT claims win over stored values", () => {
    const at = fakeJwt({ iat: NOW - 100, exp: NOW + 500 });
    const c = new FileBackedOidcCredential({ access_token: at, _iat: 1, _exp: 2, expires_in: 9999 }, null, null, clock);
    expect(c.data()).toMatchObject({ _iat: NOW - 100, _exp: NOW + 500 });
  });

  test("opaque token: stored values win over now/expires_in", () => {
    const c = new FileBackedOidcCredential({ access_token: "opaque", _iat: NOW - 50, _exp: NOW + 10, expires_in: 3600 }, null, null, clock);
    expect(c.data()).toMatchObject({ _iat: NOW - 50, _exp: NOW + 10 });
  });

  test("opaque token without stored values: _iat = now, _exp = _iat + expires_in", () => {
    const c = new FileBackedOidcCredential({ access_token: "opaque", expires_in: 600 }, null, null, clock);
    expect(c.data()).toMatchObject({ _iat: NOW, _exp: NOW + 600 });
  });

  test("JWT without exp falls back to stored _exp, then expires_in from the JWT iat", () => {
    const at = fakeJwt({ iat: NOW - 10 });
    expect(new FileBackedOidcCredential({ access_token: at, expires_in: 60 }, null, null, clock).data()).toMatchObject({ _iat: NOW - 10, _exp: NOW + 50 });
    expect(new FileBackedOidcCredential({ access_token: at, _exp: NOW + 7 }, null, null, clock).data()).toMatchObject({ _exp: NOW + 7 });
  });

  test("a lifetime beyond 365 days (expires_in: 1e300, a far exp claim, a stored _exp) counts as 365 days, so the token is refreshed", async () => {
    expect(MAX_TOKEN_LIFETIME_SECONDS).toBe(365 * 24 * 3600);
    const huge = new FileBackedOidcCredential({ access_token: "opaque", refresh_token: "r", expires_in: 1e300 }, null, null, clock);
    expect(huge.data()).toMatchObject({ _iat: NOW, _exp: NOW + MAX_TOKEN_LIFETIME_SECONDS, expires_in: 1e300 });
    expect(await huge.isExpired(NOW + MAX_TOKEN_LIFETIME_SECONDS - 1)).toBe(false);
    expect(await huge.isExpired(NOW + MAX_TOKEN_LIFETIME_SECONDS)).toBe(true);
    const farClaim = fakeJwt({ iat: NOW - 10, exp: NOW + 100 * 365 * 24 * 3600 });
    expect(new FileBackedOidcCredential({ access_token: farClaim }, null, null, clock).data()).toMatchObject({ _exp: NOW - 10 + MAX_TOKEN_LIFETIME_SECONDS });
    expect(new FileBackedOidcCredential({ access_token: "opaque", _iat: NOW - 5, _exp: 1e300 }, null, null, clock).data())
      .toMatchObject({ _exp: NOW - 5 + MAX_TOKEN_LIFETIME_SECONDS });
    // Within the bound nothing changes.
    expect(new FileBackedOidcCredential({ access_token: "opaque", expires_in: MAX_TOKEN_LIFETIME_SECONDS }, null, null, clock).data())
      .toMatchObject({ _exp: NOW + MAX_TOKEN_LIFETIME_SECONDS });
  });

  test("a refresh-token-only credential never expires unless expires_in says so", async () => {
    const c = new FileBackedOidcCredential({ refresh_token: "r" }, null, null, clock);
    expect(c.data()).toMatchObject({ _iat: NOW, _exp: null });
    expect(await c.isExpiring()).toBe(false);
    expect(await c.isExpired(NOW + 10 ** 9)).toBe(false);
  });

  test("setData recomputes, and expiry follows _exp", async () => {
    const c = new FileBackedOidcCredential(null, null, null, clock);
    c.setData({ access_token: "a", expires_in: 100 });
    expect(await c.expiryTime()).toBe(NOW + 100);
    expect(await c.isExpired(NOW + 99)).toBe(false);
    expect(await c.isExpired(NOW + 100)).toBe(true);
    expect(await c.accessToken()).toBe("a");
    expect(await c.idToken()).toBeNull();
    expect(await c.refreshToken()).toBeNull();
  });

  test("valid iff one of access_token, id_token, refresh_token is truthy (§4.1)", () => {
    const c = new FileBackedOidcCredential(null, null, null, clock);
    expect(() => c.setData({ access_token: "", token_type: "Bearer" })).toThrow(InvalidDataException);
    expect(() => c.setData({ access_token: "", token_type: "Bearer" })).toThrow(/none of access_token, id_token or refresh_token/);
    expect(c.data()).toBeNull();
    c.setData({ id_token: "x" });
    expect(c.data()?.id_token).toBe("x");
  });
});

describe("FileBackedOidcCredential storage", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ dir, cleanup } = await makeTempDir()));
  afterEach(() => cleanup());

  test("saves the response verbatim plus _iat/_exp, drops null _exp, and recomputes on load", async () => {
    const provider = new FileStorageProvider({ homeDir: () => dir });
    const c = new FileBackedOidcCredential({ access_token: "a", refresh_token: "r", expires_in: 600, scope: "x y", token_type: "Bearer" }, "token.json", provider, clock);
    await c.save();
    const text = await readFile(path.join(dir, "token.json"), "utf8");
    expect(JSON.parse(text)).toEqual({ _exp: NOW + 600, _iat: NOW, access_token: "a", expires_in: 600, refresh_token: "r", scope: "x y", token_type: "Bearer" });
    const r = new FileBackedOidcCredential({ refresh_token: "only" }, "refresh.json", provider, clock);
    await r.save();
    expect(JSON.parse(await readFile(path.join(dir, "refresh.json"), "utf8"))).not.toHaveProperty("_exp");

    // A pre-2.3.0 file (no _iat/_exp) expires expires_in seconds after it is loaded.
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(dir, "old.json"), JSON.stringify({ access_token: "opaque", expires_in: 60 }));
    const later = manualClock(clock.now() + 5000);
    const old = new FileBackedOidcCredential(null, "old.json", provider, later);
    await old.load();
    expect(old.data()).toMatchObject({ _iat: NOW + 5, _exp: NOW + 65 });
  });
});
