import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import "reflect-metadata";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { container as globalContainer, injectable } from "tsyringe";
import {
  Auth, AuthLogger, CLOCK, Credential, GotHttpClient, HTTP_CLIENT, LOGGER, OIDC_AUTHENTICATOR_OPTIONS,
  ObjectNotFoundException, PluginException, STORAGE_PROVIDER, createDefaultKernel, createKernel, defaultKernel,
  legacyPlugin, staticKeyPlugin, token, type HttpClient, type HttpRequest, type OidcAuthClient, type ServiceResolver,
} from "../../src/index.js";
import { definePlugin } from "../../src/plugin-kit.js";
import { startPlanetApiServer, type PlanetApiServer } from "../../examples/support/planet-api-server.js";
import { captureLogger } from "../support/capture-logger.js";
import { makeTempDir } from "../support/temp-dir.js";
import { STAMPER, stampClient, stampHeader, stampPlugin } from "../support/stamp-plugin.js";

const fixedClock = (ms: number) => ({ now: () => ms });

describe("services are providers in each kernel's own container", () => {
  test("a plugin provides a service through register, and its client resolves it from the client's own kernel", async () => {
    const a = createKernel({ plugins: [stampPlugin], services: { clock: fixedClock(1_000) } });
    const b = createKernel({ plugins: [stampPlugin], services: { clock: fixedClock(2_000) } });
    expect(await stampHeader(a)).toBe("Stamp default@1000");
    expect(await stampHeader(b)).toBe("Stamp default@2000");
    expect(a.resolve(STAMPER)).not.toBe(b.resolve(STAMPER));
  });

  test("a host override applies to one kernel only, whether made before or after the plugin is registered", async () => {
    const before = createKernel({ services: { clock: fixedClock(5) } });
    before.provide(STAMPER, { useValue: { stamp: () => "host-before" } });
    before.use(stampPlugin);
    expect(await stampHeader(before)).toBe("Stamp host-before");

    const after = createKernel({ plugins: [stampPlugin], services: { clock: fixedClock(5) } });
    const builtEarlier = await stampClient(after);
    after.provide(STAMPER, { useFactory: (k) => ({ stamp: () => `host-after@${k.resolve(CLOCK).now()}` }) });
    expect(await stampHeader(after)).toBe("Stamp host-after@5");
    // Objects built before the override keep what they resolved.
    expect((await builtEarlier.defaultRequestAuthenticator().authorizationHeaders()).Authorization).toBe("Stamp default@5");

    const untouched = createKernel({ plugins: [stampPlugin], services: { clock: fixedClock(5) } });
    expect(await stampHeader(untouched)).toBe("Stamp default@5");
  });

  describe("swapping the HTTP client", () => {
    let api: PlanetApiServer;
    beforeAll(async () => {
      api = await startPlanetApiServer({ "ada@example.com": { password: "pw-ada", apiKey: "PLAK-ada" } });
    });
    afterAll(() => api.close());

    test("changes the requests of that kernel and of no other", async () => {
      const seen: string[] = [];
      const inner = new GotHttpClient({ timeoutMs: 5_000 });
      const recording: HttpClient = {
        request: (req: HttpRequest) => {
          seen.push(`${req.method} ${new URL(req.url).pathname}`);
          return inner.request({ ...req, headers: { ...req.headers, "X-Via": "host-proxy" } });
        },
      };
      const login = async (kernel: ReturnType<typeof createKernel>) => {
        const config = kernel.configFromDict({ client_type: "planet_legacy", legacy_auth_endpoint: api.loginUrl });
        const client = await kernel.clientFromConfig(config);
        return client.login({ username: "ada@example.com", password: "pw-ada" });
      };
      const proxied = createKernel({ plugins: [legacyPlugin] });
      proxied.register(HTTP_CLIENT, recording);
      const direct = createKernel({ plugins: [legacyPlugin] });

      expect((await login(direct)).data()).toMatchObject({ key: "PLAK-ada" });
      expect(seen).toEqual([]);
      expect((await login(proxied)).data()).toMatchObject({ key: "PLAK-ada" });
      expect(seen).toEqual(["POST /v0/auth/login"]);
      expect(api.logins).toEqual(["ada@example.com", "ada@example.com"]);
    });
  });

  test("lifecycles: 'kernel' builds once per kernel on first use, 'transient' on every resolve, classes get the resolver", () => {
    const COUNTER = token<{ n: number }>("test:Counter");
    const FRESH = token<{ n: number }>("test:Fresh");
    const NAMED = token<{ label: string }>("test:Named");
    const LABEL = token<string>("test:Label");
    let built = 0;
    class Named {
      readonly label: string;
      constructor(services: ServiceResolver) {
        this.label = `named:${services.resolve(LABEL)}`;
      }
    }
    const kernel = (label: string) =>
      createKernel()
        .provide(COUNTER, { useFactory: () => ({ n: ++built }) })
        .provide(FRESH, { useFactory: () => ({ n: ++built }), lifecycle: "transient" })
        .provide(LABEL, { useValue: label })
        .provide(NAMED, { useClass: Named });
    const a = kernel("a");
    const b = kernel("b");
    expect(built).toBe(0);
    expect(a.resolve(COUNTER)).toBe(a.resolve(COUNTER));
    expect(b.resolve(COUNTER)).not.toBe(a.resolve(COUNTER));
    expect(built).toBe(2);
    expect(a.resolve(FRESH)).not.toBe(a.resolve(FRESH));
    expect(a.resolve(NAMED).label).toBe("named:a");
    expect(b.resolve(NAMED).label).toBe("named:b");
  });

  test("the default services are one per kernel: logger, HTTP client and storage provider", () => {
    const a = createKernel();
    const b = createKernel();
    for (const tok of [LOGGER, HTTP_CLIENT, STORAGE_PROVIDER]) {
      expect(a.resolve<unknown>(tok)).toBe(a.resolve<unknown>(tok));
      expect(a.resolve<unknown>(tok)).not.toBe(b.resolve<unknown>(tok));
    }
  });

  test("an unregistered token or a malformed provider is a clear error", () => {
    const kernel = createKernel();
    expect(() => kernel.resolve(token<string>("test:Nothing"))).toThrow(/No service is registered for planet-auth:test:Nothing/);
    expect(() => kernel.provide(token<string>("test:Bad"), {} as never)).toThrow(PluginException);
    expect(() => kernel.provide(token<string>("test:Bad"), { useValue: 1, useFactory: () => 2 } as never)).toThrow(/exactly one of/);
  });

  test("two plugins may not provide the same service; the second is refused whole", () => {
    const kernel = createKernel({ plugins: [stampPlugin] });
    const rival = definePlugin({
      name: "test/rival",
      version: "1.0.0",
      register(services) {
        services.provide(STAMPER, { useValue: { stamp: () => "rival" } });
      },
    });
    expect(() => kernel.use(rival)).toThrow('Plugin "test/rival" provides planet-auth:test:Stamper, already provided by plugin "test/stamp"');
    expect(kernel.plugins().map((p) => p.name)).toEqual(["test/stamp"]);
  });
});

describe("kernels share nothing", () => {
  const LEAK = token<string>("test:Leak");
  afterAll(() => globalContainer.reset());

  test("a registration on tsyringe's global container is seen by no kernel", async () => {
    const early = createDefaultKernel();
    globalContainer.register(LEAK, { useValue: "global" });
    globalContainer.register(STAMPER, { useValue: { stamp: () => "global" } });
    globalContainer.register(OIDC_AUTHENTICATOR_OPTIONS, { useValue: { strict: true } });
    const late = createDefaultKernel();
    for (const kernel of [early, late]) {
      expect(kernel.container.isRegistered(LEAK, true)).toBe(false);
      expect(() => kernel.container.resolve(LEAK)).toThrow();
      expect(kernel.isProvided(STAMPER)).toBe(false);
      const client = (await kernel.clientFromConfig(
        kernel.configFromDict({ client_type: "oidc_client_credentials_secret", auth_server: "http://127.0.0.1:1", client_id: "c", client_secret: "s" }),
      )) as OidcAuthClient;
      expect(client.authenticatorOptions().strict).toBeUndefined();
    }
  });

  test("two kernels with different loggers, clocks and storage log, expire and store independently", async () => {
    const homeA = await makeTempDir();
    const homeB = await makeTempDir();
    const logA = captureLogger();
    const logB = captureLogger();
    const a = createKernel({ plugins: [stampPlugin, staticKeyPlugin], homeDir: () => homeA.dir, services: { clock: fixedClock(2_000_000), logger: new AuthLogger(logA) } });
    const b = createKernel({ plugins: [stampPlugin, staticKeyPlugin], homeDir: () => homeB.dir, services: { clock: fixedClock(4_000_000), logger: new AuthLogger(logB) } });
    try {
      // Log: each kernel's logger, each with its own library versions.
      a.services.logger.registerLibraryVersion("acme-extension", "9.9.9");
      a.services.logger.info("from a");
      b.services.logger.info("from b");
      expect(logA.text()).toContain("from a");
      expect(logA.text()).toContain("acme-extension");
      expect(logA.text()).not.toContain("from b");
      expect(logB.text()).toContain("from b");
      expect(logB.text()).not.toContain("acme-extension");

      // Expire: the same credential data (_exp 3000 s) by each kernel's clock (2000 s vs 4000 s).
      const credA = await (await stampClient(a)).login();
      const credB = await (await stampClient(b)).login();
      expect(await credA.isExpired()).toBe(false);
      expect(await credB.isExpired()).toBe(true);

      // Store: each kernel's default storage under its own home directory.
      const tokenFile = "token.json";
      for (const [kernel, key] of [[a, "key-a"], [b, "key-b"]] as const) {
        const auth = await Auth.initializeFromConfigDict({ client_type: "static_apikey", api_key: key }, { kernel, tokenFile });
        await auth.login();
      }
      expect(JSON.parse(await readFile(path.join(homeA.dir, tokenFile), "utf8"))).toMatchObject({ api_key: "key-a" });
      expect(JSON.parse(await readFile(path.join(homeB.dir, tokenFile), "utf8"))).toMatchObject({ api_key: "key-b" });
    } finally {
      await homeA.cleanup();
      await homeB.cleanup();
    }
  });

  test("an object with no storage provider uses a fresh default provider, never the default kernel's", async () => {
    const orphan = new Credential(null, "/nonexistent-dir/orphan-token.json");
    expect(orphan.storageProvider()).not.toBe(defaultKernel().services.storage);
    expect(orphan.storageProvider()).not.toBe(orphan.storageProvider()); // nothing kept between uses
    const err = await orphan.load().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ObjectNotFoundException);
    expect((err as ObjectNotFoundException).filePath).toBe("/nonexistent-dir/orphan-token.json");
    expect(await orphan.isPersistedToStorage()).toBe(false);
  });
});

describe("an application's tsyringe classes", () => {
  @injectable()
  class Greeting {
    text(): string {
      return "hello";
    }
  }
  @injectable()
  class Greeter {
    constructor(readonly greeting: Greeting) {}
  }

  test("a kernel's container, made when first asked for, holds the services already resolved (the same instances) and what the application registers in it", () => {
    const kernel = createKernel({ plugins: [stampPlugin] });
    const before = kernel.resolve(STAMPER);
    const logger = kernel.resolve(LOGGER);
    expect(kernel.container.resolve(STAMPER)).toBe(before);
    expect(kernel.container.resolve(LOGGER)).toBe(logger);
    const GREETING = token<string>("test:Greeting");
    expect(kernel.isProvided(GREETING)).toBe(false);
    kernel.container.register(GREETING, { useValue: "hello" });
    expect(kernel.isProvided(GREETING)).toBe(true);
    expect(kernel.resolve(GREETING)).toBe("hello");
    // Provided afterwards: in the container too.
    const clock = fixedClock(7);
    kernel.provide(CLOCK, { useValue: clock });
    expect(kernel.container.resolve(CLOCK)).toBe(clock);
    expect(kernel.services.clock).toBe(clock);
  });

  test("resolve in a kernel's container: it is tsyringe's container class, the one the application imports", () => {
    const kernel = createDefaultKernel();
    expect(kernel.container).toBeInstanceOf(globalContainer.constructor);
    expect(kernel.container.resolve(Greeter).greeting.text()).toBe("hello");
  });
});
