/** The `none` client type: no authentication; requests carry only X-Planet-App. */
import {
  AuthClient, AuthClientConfig, Credential, LIBRARY_VERSION, NoOpRequestAuthenticator, definePlugin, readSchemaFile,
  type JsonObject, type LoginOptions, type RequestAuthenticator,
} from "../../kernel/index.js";
import type { NoneConfigDict } from "../../generated/config-types.js";

declare module "../../kernel/index.js" {
  interface ConfigDicts {
    none: NoneConfigDict;
  }
}

export type { NoneConfigDict };

export class NoOpAuthClientConfig extends AuthClientConfig<NoneConfigDict> {
  static override readonly clientType = "none";
}

/** A credential that is never loaded or saved. */
export class NoOpCredential extends Credential {
  override async load(): Promise<void> {}
  override async save(): Promise<void> {}
}

export class NoOpAuthClient extends AuthClient {
  async login(_options?: LoginOptions): Promise<Credential> {
    return new NoOpCredential({}, null, null, this.services.clock);
  }
  override async refresh(): Promise<Credential> {
    return this.login();
  }
  defaultRequestAuthenticator(_credential: string | Credential | null): RequestAuthenticator {
    return new NoOpRequestAuthenticator(this.services.logger);
  }
  canLoginUnattended(): boolean {
    return true;
  }
  override async validateAccessTokenRemote(): Promise<JsonObject> { return {}; }
  override async validateAccessTokenLocal(): Promise<JsonObject> { return {}; }
  override async validateIdTokenRemote(): Promise<JsonObject> { return {}; }
  override async validateIdTokenLocal(): Promise<JsonObject> { return {}; }
  override async validateRefreshTokenRemote(): Promise<JsonObject> { return {}; }
  override async revokeAccessToken(): Promise<void> {}
  override async revokeRefreshToken(): Promise<void> {}
  override async getScopes(): Promise<string[]> { return []; }
}

/** The built-in profile this plugin ships: no authentication, the default when nothing else selects a profile. */
export const NONE_PROFILE = "none";

/** The none plugin: the `none` client type (no authentication) and the built-in `none` profile. */
export const nonePlugin = definePlugin({
  name: "planet-auth/none",
  version: LIBRARY_VERSION,
  builtinProfiles: {
    profiles: { [NONE_PROFILE]: { client_type: "none" } },
    defaultProfileByClientType: { none: NONE_PROFILE },
    defaultProfile: NONE_PROFILE,
  },
  clientTypes: [
    {
      schema: readSchemaFile("runtime/none.schema.json"),
      configClass: NoOpAuthClientConfig,
      clientClass: NoOpAuthClient,
      meta: { displayName: "NoOp Auth", description: "Do not perform any authentication.", configHints: [] },
    },
  ],
});
