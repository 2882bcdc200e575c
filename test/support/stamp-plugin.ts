/**
 * A third-party test plugin written only against the public API: it provides its own service (a
 * Stamper) through its `register` hook, and its client resolves that service from the kernel the
 * client belongs to. Its request authenticator sends `Authorization: Stamp <stamp>`.
 */
import { AuthClient, AuthClientConfig, CLOCK, Credential, RequestAuthenticator, token, type AuthKernel } from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";

export interface Stamper {
  stamp(): string;
}
export const STAMPER = token<Stamper>("test:Stamper");

export class StampConfig extends AuthClientConfig {
  static override readonly clientType = "stamped";
}

export class StampAuthenticator extends RequestAuthenticator {
  constructor(private readonly stamper: Stamper) {
    super();
    this.tokenPrefix = "Stamp";
  }
  preRequestHook(): void {
    this.tokenBody = this.stamper.stamp();
  }
}

export class StampClient extends AuthClient {
  /** Resolved once, when the client is built (never per request). */
  readonly #stamper = this.services.resolve(STAMPER);

  /** A credential expiring at 3000 s, judged by the client's kernel clock. */
  async login(): Promise<Credential> {
    return new Credential({ _iat: 1000, _exp: 3000 }, null, null, this.services.clock);
  }
  defaultRequestAuthenticator(): RequestAuthenticator {
    return new StampAuthenticator(this.#stamper);
  }
  canLoginUnattended(): boolean {
    return true;
  }
}

export const stampPlugin = definePlugin({
  name: "test/stamp",
  version: "1.0.0",
  planetAuth: "^0.1.0",
  clientTypes: [
    {
      clientType: "stamped",
      schema: {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "urn:test:stamped",
        type: "object",
        properties: { client_type: { const: "stamped" } },
      },
      configClass: StampConfig,
      clientClass: StampClient,
      meta: { displayName: "Stamped", description: "test plugin with its own service" },
    },
  ],
  register(services) {
    // The default stamper reads the clock of the kernel it is resolved in.
    services.provide(STAMPER, { useFactory: (kernel) => ({ stamp: () => `default@${kernel.resolve(CLOCK).now()}` }) });
  },
});

export async function stampClient(kernel: AuthKernel): Promise<StampClient> {
  return (await kernel.clientFromConfig(kernel.configFromDict({ client_type: "stamped" }))) as StampClient;
}

/** The Authorization header a fresh stamp client of `kernel` sends. */
export async function stampHeader(kernel: AuthKernel): Promise<string | undefined> {
  const client = await stampClient(kernel);
  return (await client.defaultRequestAuthenticator().authorizationHeaders()).Authorization;
}
