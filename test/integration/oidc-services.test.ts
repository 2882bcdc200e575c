/**
 * The OIDC plugin's services live in each kernel's container: a host application replaces one for a
 * single kernel (here the token endpoint client, with one that adds a header), and only that kernel's
 * requests change — counted at the in-process OpenID Provider.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { GotHttpClient, createKernel, type AuthKernel } from "../../src/kernel/index.js";
import {
  JwksKeyCache, OIDC_JWKS_KEY_CACHE, OIDC_TOKEN_API_CLIENT, TokenApiClient, oidcPlugin, type OidcAuthClient,
} from "../../src/plugins/oidc/index.js";
import type { FormParams, SendOptions } from "../../src/plugins/oidc/api/api-client.js";
import type { HttpResponse } from "../../src/kernel/index.js";
import { startOidcServer, type OidcServer } from "../support/oidc-server.js";

const TAG_HEADER = "x-host-tag";

/** A token endpoint client that tags every request it sends. */
class TaggingTokenApiClient extends TokenApiClient {
  protected override send(method: "GET" | "POST", form: FormParams | undefined, headers: Record<string, string> | undefined, options: SendOptions): Promise<HttpResponse> {
    return super.send(method, form, { ...headers, [TAG_HEADER]: "kernel-a" }, options);
  }
}

let op: OidcServer;
/** Token requests the provider answered, by the tag they carried ("none" when untagged). */
const tokenRequestsByTag: Record<string, number> = {};

beforeAll(async () => {
  op = await startOidcServer();
  op.provider.on("grant.success", (ctx: { get(name: string): string }) => {
    const tag = ctx.get(TAG_HEADER) || "none";
    tokenRequestsByTag[tag] = (tokenRequestsByTag[tag] ?? 0) + 1;
  });
});
afterAll(() => op.stop());

function kernel(): AuthKernel {
  return createKernel({ plugins: [oidcPlugin], services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) } });
}

async function clientCredentialsClient(k: AuthKernel): Promise<OidcAuthClient> {
  const config = k.configFromDict({
    client_type: "oidc_client_credentials_secret",
    auth_server: op.issuer,
    client_id: op.clients.secretBasic.clientId,
    client_secret: op.clients.secretBasic.clientSecret,
    scopes: ["api:read"],
  });
  return (await k.clientFromConfig(config)) as OidcAuthClient;
}

describe("OIDC services per kernel", () => {
  test("a host's token API client on one kernel tags that kernel's token requests and no other's", async () => {
    const a = kernel();
    const b = kernel();
    a.provide(OIDC_TOKEN_API_CLIENT, { useValue: (options) => new TaggingTokenApiClient(options) });

    const credA = await (await clientCredentialsClient(a)).login();
    const credB = await (await clientCredentialsClient(b)).login();
    const credFresh = await (await clientCredentialsClient(kernel())).login();

    for (const cred of [credA, credB, credFresh]) expect(cred.data()?.access_token).toEqual(expect.any(String));
    expect(tokenRequestsByTag).toEqual({ "kernel-a": 1, none: 2 });
  });

  test("the override wins whether it is made before or after the plugin is registered", async () => {
    const before = createKernel({ services: { http: new GotHttpClient({ retryLimit: 0, timeoutMs: 10_000 }) } });
    before.provide(OIDC_TOKEN_API_CLIENT, { useValue: (options) => new TaggingTokenApiClient(options) });
    before.use(oidcPlugin);
    const api = await (await clientCredentialsClient(before)).tokenApi();
    expect(api).toBeInstanceOf(TaggingTokenApiClient);
    expect(await (await clientCredentialsClient(kernel())).tokenApi()).not.toBeInstanceOf(TaggingTokenApiClient);
  });

  test("the validator's key cache comes from the kernel: a host's factory builds the cache that validates tokens", async () => {
    const built: JwksKeyCache[] = [];
    const k = kernel();
    k.provide(OIDC_JWKS_KEY_CACHE, { useValue: (options) => {
      const cache = new JwksKeyCache(options);
      built.push(cache);
      return cache;
    } });
    const validator = (await k.clientFromConfig(
      k.configFromDict({ client_type: "oidc_client_validator", auth_server: op.issuer, audiences: [op.apiAudience] }),
    )) as OidcAuthClient;
    const tokens = await op.clientCredentialsTokens({ scope: "api:read" });
    await expect(validator.validateAccessTokenLocal(String(tokens.access_token))).resolves.toMatchObject({ iss: op.issuer });
    expect(built).toHaveLength(1);
  });
});
