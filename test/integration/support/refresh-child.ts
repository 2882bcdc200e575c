/**
 * One "process sharing a profile" for the cross-process refresh test: builds an auth-code context on a
 * shared token file, reports "ready", waits for "go" on stdin, makes one authenticated request's headers
 * and prints the Authorization header as JSON.
 * Usage: node --import tsx refresh-child.ts <homeDir> <tokenFile> <issuer> <clientId>
 */
import { once } from "node:events";
import { Auth, FileStorageProvider, GotHttpClient, createKernel } from "../../../src/kernel/index.js";
import { oidcPlugin, type RefreshingOidcTokenRequestAuthenticator } from "../../../src/plugins/oidc/index.js";

const [home, tokenFile, issuer, clientId] = process.argv.slice(2) as [string, string, string, string];
const kernel = createKernel({
  plugins: [oidcPlugin],
  services: { storage: new FileStorageProvider({ homeDir: () => home }), http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) },
});
const auth = await Auth.initializeFromConfigDict(
  { client_type: "oidc_auth_code", auth_server: issuer, client_id: clientId, redirect_uri: "http://127.0.0.1/callback" },
  { kernel, tokenFile },
);
process.stdout.write("ready\n");
await once(process.stdin, "data");
const authenticator = auth.requestAuthenticator() as RefreshingOidcTokenRequestAuthenticator;
const headers = await authenticator.authorizationHeaders();
const error = authenticator.lastRefreshError();
process.stdout.write(JSON.stringify({ authorization: headers.Authorization ?? null, refreshed: authenticator.refreshCount(), error: error ? String(error) : null }) + "\n");
process.stdin.destroy();
