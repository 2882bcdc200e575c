/**
 * Authorization code + PKCE in browser mode: the library binds a loopback listener, opens the browser
 * (injected here: a stand-in "user" that signs in at the provider and follows the redirect back to the
 * listener), redeems the code and validates the ID token (issuer, audience, nonce). Then userinfo and a
 * refresh. Starts its own OpenID Provider on 127.0.0.1. Run: npm run example examples/oidc-auth-code.ts
 * With a real provider, leave `browserOpener` out (the system browser is used) or log in with
 * `allowTtyPrompt: true` to paste the code instead.
 */
import { Auth, createKernel, type BrowserOpener, oidcPlugin, type FileBackedOidcCredential, type OidcAuthClient } from "planet-auth";
import { startDevIssuer } from "planet-auth/devtools";

const op = await startDevIssuer();
const browserOpener: BrowserOpener = async (url) => {
  console.log("(browser) opening", url.slice(0, 80) + "…");
  await op.authorize(url, { deliver: true });
};
const kernel = createKernel({ plugins: [oidcPlugin], services: { browserOpener } });
const auth = await Auth.initializeFromConfigDict(
  {
    client_type: "oidc_auth_code",
    auth_server: op.issuer,
    client_id: op.clients.publicApp.clientId,
    local_redirect_uri: "http://127.0.0.1:0/callback", // port 0: any free port (loopback redirects, RFC 8252)
    scopes: ["openid", "offline_access", "email"],
  },
  { kernel },
);
await auth.ensureRequestAuthenticatorIsReady({ allowOpenBrowser: true });
const client = auth.authClient() as OidcAuthClient;
const cred = (await auth.requestAuthenticator().credential()) as FileBackedOidcCredential;
console.log("userinfo:", await client.userinfoFromAccessToken((await cred.accessToken())!));
const refreshed = await client.refresh(await cred.refreshToken());
console.log("refreshed; new access token differs:", refreshed.data()!.access_token !== cred.data()!.access_token);
await op.stop();
