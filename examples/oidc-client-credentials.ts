/**
 * Client credentials (machine to machine): the first request logs in unattended, later requests reuse
 * the token and refresh it at ¾ of its lifetime. Starts its own OpenID Provider (oidc-provider) and a
 * small API on 127.0.0.1. Run: npm run example examples/oidc-client-credentials.ts
 */
import got from "got";
import { Auth, createKernel, oidcPlugin, type OidcAuthClient } from "planet-auth";
import { startDevIssuer } from "planet-auth/devtools";
import { startEchoApi } from "../test/integration/support/echo-api.js";

const op = await startDevIssuer();
const kernel = createKernel({ plugins: [oidcPlugin] });
const auth = await Auth.initializeFromConfigDict(
  {
    client_type: "oidc_client_credentials_secret",
    auth_server: op.issuer,
    client_id: op.clients.secretPost.clientId,
    client_secret: op.clients.secretPost.clientSecret,
    scopes: ["api:read"],
  },
  { kernel }, // add tokenFile: ".planet/my-profile/token.json" to keep the token between runs
);
// The API checks tokens locally (signature, issuer, audience) with a validator client.
const validator = (await kernel.clientFromConfig(
  kernel.configFromDict({ client_type: "oidc_client_validator", auth_server: op.issuer, audiences: [op.apiAudience] }),
)) as OidcAuthClient;
const api = await startEchoApi((token) => validator.validateAccessTokenLocal(token, undefined, ["api:read"]));

const authenticator = auth.requestAuthenticator();
console.log("got:  ", await got.extend(authenticator.gotHooks() as any)(api.url).json());
console.log("fetch:", await (await authenticator.fetch()(api.url)).json());

await api.stop();
await op.stop();
