/** PKCE, state/nonce, the authorization URL, the loopback callback listener (real HTTP), TTY mode. */
import { describe, expect, test } from "@jest/globals";
import { createHash } from "node:crypto";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { AuthorizationApiClient, createPkcePair, parseLoopbackRedirectUri, pkceChallenge, randomNonce, randomState, startCallbackListener } from "../../../../src/plugins/oidc/api/index.js";
import { AuthorizationApiException } from "../../../../src/plugins/oidc/errors.js";

/** A plain HTTP GET (no retries, no agent reuse); resolves with status and body, or the error. */
function get(url: string, method = "GET"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent: false }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("PKCE, state, nonce", () => {
  test("verifier is 128 URL-safe chars from 96 random bytes; challenge is S256", () => {
    const a = createPkcePair();
    const b = createPkcePair();
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{128}$/);
    expect(a.verifier).not.toBe(b.verifier);
    expect(a.method).toBe("S256");
    expect(a.challenge).toBe(createHash("sha256").update(a.verifier).digest("base64url"));
  });
  test("RFC 7636 appendix B vector", () => {
    expect(pkceChallenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });
  test("state and nonce are 128-bit URL-safe values (P3)", () => {
    for (const v of [randomState(), randomNonce()]) expect(v).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(randomState()).not.toBe(randomState());
  });
});

describe("authorization URL", () => {
  test("extras first and losing to protocol params; + for spaces; no client auth", () => {
    const authz = new AuthorizationApiClient({ authorizationUri: "https://as.test/authorize" });
    const { url, state, nonce } = authz.buildAuthorizationUrl({
      clientId: "app",
      redirectUri: "http://localhost:8080/cb",
      requestedScopes: ["openid", "offline_access"],
      requestedAudiences: ["https://api.test/"],
      pkceCodeChallenge: "CHAL",
      state: "S",
      nonce: "N",
      extra: { organization: "org", response_type: "token", nothing: null },
    });
    expect([state, nonce]).toEqual(["S", "N"]);
    expect(url).toBe(
      "https://as.test/authorize?organization=org&response_type=code&client_id=app&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Fcb" +
        "&state=S&nonce=N&code_challenge=CHAL&code_challenge_method=S256&scope=openid+offline_access&audience=https%3A%2F%2Fapi.test%2F",
    );
    const generated = authz.buildAuthorizationUrl({ clientId: "app", redirectUri: "r", pkceCodeChallenge: "c" });
    expect(generated.state).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new URL(generated.url).searchParams.has("scope")).toBe(false);
  });
});

describe("loopback callback listener", () => {
  test("only the redirect path counts: favicon and other paths get 404 and are ignored; success page after a valid callback", async () => {
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/callback", expectedState: "st", acknowledgementBody: "<p>ok</p>" });
    const base = `http://127.0.0.1:${l.port}`;
    expect(l.redirectUri).toBe(`${base}/callback`);
    expect((await get(`${base}/favicon.ico`)).status).toBe(404);
    expect((await get(`${base}/other?code=x&state=st`)).status).toBe(404);
    expect((await get(`${base}/callback?code=x&state=st`, "POST")).status).toBe(404);
    const codeP = l.waitForCode();
    expect(await get(`${base}/callback?code=the-code&state=st`)).toEqual({ status: 200, body: "<p>ok</p>" });
    await expect(codeP).resolves.toBe("the-code");
    await expect(get(`${base}/callback`)).rejects.toMatchObject({ code: "ECONNREFUSED" }); // closed
  });

  test("a wrong state is rejected with an error page (not the success page)", async () => {
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "expected-state", acknowledgementBody: "SUCCESS" });
    const codeP = l.waitForCode().catch((e: unknown) => e);
    const res = await get(`http://127.0.0.1:${l.port}/cb?code=secret-code&state=forged`);
    expect(res.status).toBe(400);
    expect(res.body).not.toContain("SUCCESS");
    expect(res.body).not.toContain("secret-code");
    const err = (await codeP) as AuthorizationApiException;
    expect(err).toBeInstanceOf(AuthorizationApiException);
    expect(err.message).toBe('Callback state mismatch: expected "expected-state", received "forged"');
  });

  test("an error parameter is reported with its description; a missing code is rejected", async () => {
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "s" });
    const p = l.waitForCode().catch((e: unknown) => e);
    const res = await get(`http://127.0.0.1:${l.port}/cb?error=access_denied&error_description=User%20%3Cb%3Esaid%3C%2Fb%3E%20no&state=s`);
    expect(res.status).toBe(400);
    expect(res.body).toContain("User &lt;b&gt;said&lt;/b&gt; no"); // escaped
    expect(await p).toMatchObject({ message: "Authorization error: access_denied: User <b>said</b> no", errorCode: "access_denied" });

    const l2 = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "s" });
    const p2 = l2.waitForCode().catch((e: unknown) => e);
    await get(`http://127.0.0.1:${l2.port}/cb?state=s`);
    expect(await p2).toEqual(new AuthorizationApiException("Callback did not include an authorization code"));
  });

  test("overall deadline (injected short timeout); the server is closed afterwards", async () => {
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "s", timeoutMs: 30 });
    await expect(l.waitForCode()).rejects.toThrow("Timeout: no callback data was received");
    await expect(get(`http://127.0.0.1:${l.port}/cb`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  test("cancellable with an AbortSignal", async () => {
    const controller = new AbortController();
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "s", signal: controller.signal });
    const p = l.waitForCode();
    const reason = new Error("cancelled");
    controller.abort(reason);
    await expect(p).rejects.toBe(reason);
    await expect(get(`http://127.0.0.1:${l.port}/cb`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  test("localhost binds loopback; non-loopback hosts are refused; port 80 when absent", async () => {
    const l = await startCallbackListener({ redirectUri: "http://LOCALHOST:0/cb", expectedState: "s", timeoutMs: 5000 });
    const p = l.waitForCode();
    expect((await get(`http://127.0.0.1:${l.port}/cb?code=c&state=s`)).status).toBe(200);
    await expect(p).resolves.toBe("c");
    await expect(startCallbackListener({ redirectUri: "http://example.com:8080/cb", expectedState: "s" })).rejects.toThrow(
      "Local redirect URI has an unexpected hostname (expected localhost or 127.0.0.1): http://example.com:8080/cb",
    );
    expect(parseLoopbackRedirectUri("http://localhost/cb").port).toBe(80);
    expect(parseLoopbackRedirectUri("http://127.0.0.1:8080").path).toBe("/");
  });

  test("localhost: when another process holds ::1 on the port, the listener fails instead of listening on 127.0.0.1 alone", async () => {
    // (This machine has an IPv6 loopback; where it has none, ::1 is skipped as before.)
    const squatter = createServer((_req, res) => res.end("not yours"));
    await new Promise<void>((resolve) => squatter.listen(0, "::1", resolve));
    const { port } = squatter.address() as AddressInfo;
    try {
      const err = await startCallbackListener({ redirectUri: `http://localhost:${port}/cb`, expectedState: "s" }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AuthorizationApiException);
      expect((err as Error).message).toMatch(new RegExp(`Could not listen for the authorization callback on localhost:${port}: .*EADDRINUSE`));
      // The 127.0.0.1 half was released.
      const again = createServer();
      await new Promise<void>((resolve, reject) => again.once("error", reject).listen(port, "127.0.0.1", resolve));
      await new Promise((resolve) => again.close(resolve));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  test("a port already in use is an AuthorizationApiException", async () => {
    const l = await startCallbackListener({ redirectUri: "http://127.0.0.1:0/cb", expectedState: "s" });
    await expect(startCallbackListener({ redirectUri: `http://127.0.0.1:${l.port}/cb`, expectedState: "s" })).rejects.toBeInstanceOf(AuthorizationApiException);
    await l.close();
  });
});

describe("AuthorizationApiClient modes", () => {
  test("browser mode binds before opening the browser; an opener failure closes the listener", async () => {
    const authz = new AuthorizationApiClient({ authorizationUri: "https://as.test/authorize" });
    let port = 0;
    const printed: string[] = [];
    const err = await authz
      .authcodeFromPkceAuthRequestWithBrowserAndCallbackListener({
        clientId: "app",
        redirectUri: "http://127.0.0.1:0/callback",
        pkceCodeChallenge: "c",
        display: { print: (t) => printed.push(t) },
        browserOpener: async (url) => {
          port = Number(new URL(new URL(url).searchParams.get("redirect_uri")!).port);
          expect((await get(`http://127.0.0.1:${port}/favicon.ico`)).status).toBe(404); // already listening
          throw new Error("no browser here");
        },
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthorizationApiException);
    expect(err.message).toContain("no browser here");
    expect(printed).toHaveLength(1);
    await expect(get(`http://127.0.0.1:${port}/callback`)).rejects.toMatchObject({ code: "ECONNREFUSED" });
  });

  test("browser mode returns code, state, nonce and the redirect URI actually used", async () => {
    const authz = new AuthorizationApiClient({ authorizationUri: "https://as.test/authorize" });
    let authUrl = "";
    const result = await authz.authcodeFromPkceAuthRequestWithBrowserAndCallbackListener({
      clientId: "app",
      redirectUri: "http://127.0.0.1:0/callback",
      pkceCodeChallenge: "c",
      browserOpener: async (url) => {
        authUrl = url;
        const q = new URL(url).searchParams;
        // the "browser" follows the OP's redirect back to us
        await get(`${q.get("redirect_uri")}?code=abc&state=${q.get("state")}`);
      },
    });
    const q = new URL(authUrl).searchParams;
    expect(result).toEqual({ code: "abc", state: q.get("state"), nonce: q.get("nonce"), redirectUri: q.get("redirect_uri") });
  });

  test("TTY mode prints the URL and reads the code with a hidden prompt", async () => {
    const authz = new AuthorizationApiClient({ authorizationUri: "https://as.test/authorize" });
    const printed: string[] = [];
    const asked: Array<[string, unknown]> = [];
    const result = await authz.authcodeFromPkceAuthRequestWithTtyInput({
      clientId: "app",
      redirectUri: "https://as.test/show-code",
      pkceCodeChallenge: "c",
      display: { print: (t) => printed.push(t) },
      prompt: {
        prompt: async (q, o) => {
          asked.push([q, o]);
          return "  pasted-code \n";
        },
      },
    });
    expect(result.code).toBe("pasted-code");
    expect(result.redirectUri).toBe("https://as.test/show-code");
    expect(printed.join("\n")).toContain("https://as.test/authorize?");
    expect(asked).toEqual([["Authentication code: ", { hidden: true }]]);
  });
});
