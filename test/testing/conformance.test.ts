/** The conformance suite fails plugins that break its rules, and passes one that keeps them. */
import "reflect-metadata";
import { describe, expect, test } from "@jest/globals";
import {
  AuthClient, AuthClientConfig, Credential, CredentialRequestAuthenticator, token, type AuthPlugin, type JsonObject,
  type RequestAuthenticator,
} from "../../src/index.js";
import { definePlugin, systemClock } from "../../src/plugin-kit.js";
import { ConformanceError, conformanceChecks, describeConformance, type ConformanceOptions } from "../../src/testing/index.js";

type Fault = "none" | "async-decorate" | "io-decorate" | "system-clock" | "leaky-error" | "shared-service";
const SECRET = "tiny-secret-value-4242";
const SHARED = token<{ calls: number }>("tiny:Counter");

function tinyPlugin(fault: Fault): AuthPlugin {
  class TinyConfig extends AuthClientConfig {
    static override readonly clientType = "tiny_token";
    protected override checkConfigRules(data: JsonObject): void {
      if (fault === "leaky-error" && data.label === "") {
        throw this.configError(`label must not be empty (secret "${String(data.secret)}")`, "label");
      }
    }
  }
  class TinyAuthenticator extends CredentialRequestAuthenticator<Credential> {
    override preRequestHook(): void | Promise<void> {
      if (fault === "async-decorate") return Promise.resolve().then(() => void (this.tokenBody = "t"));
      if (fault === "io-decorate") void this._credential!.storageProvider().objExists(this._credential!.path()!);
      this.tokenBody = String(this._credential?.data()?.token ?? "");
      if (!this._credential?.data()) return this._credential!.load().then(() => void (this.tokenBody = String(this._credential!.data()!.token)));
    }
  }
  class TinyClient extends AuthClient {
    async login(): Promise<Credential> {
      return new Credential({ token: "t" });
    }
    defaultRequestAuthenticator(credential: string | Credential | null): RequestAuthenticator {
      const clock = fault === "system-clock" ? systemClock : this.services.clock;
      const cred = credential instanceof Credential ? credential : new Credential(null, credential, this.credentialStorageProvider(), clock);
      return new TinyAuthenticator(cred);
    }
    canLoginUnattended(): boolean {
      return true;
    }
  }
  const sharedCounter = { calls: 0 };
  return definePlugin({
    name: `tiny-${fault}`,
    version: "1.0.0",
    clientTypes: [{
      clientType: "tiny_token",
      schema: {
        $id: "https://tiny.example/tiny_token.schema.json", type: "object", required: ["client_type", "secret"],
        properties: { secret: { type: "string", minLength: 8, "x-secret": true }, label: { type: "string" } },
      },
      configClass: TinyConfig,
      clientClass: TinyClient,
      meta: { displayName: "Tiny", description: "A token from a file." },
    }],
    register(services) {
      services.provide(SHARED, fault === "shared-service" ? { useValue: sharedCounter } : { useFactory: () => ({ calls: 0 }) });
    },
  });
}

function options(fault: Fault): ConformanceOptions {
  return {
    plugin: tinyPlugin(fault),
    samples: [{ clientType: "tiny_token", config: { client_type: "tiny_token", secret: SECRET, label: "x" }, credential: { token: "tok" } }],
  };
}

async function failures(fault: Fault): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const check of conformanceChecks(options(fault))) {
    await check.run().catch((err: unknown) => {
      expect(err).toBeInstanceOf(ConformanceError);
      out[check.name] = (err as Error).message;
    });
  }
  return out;
}

describe("the conformance suite", () => {
  test("a plugin that keeps the rules passes every check", async () => {
    expect(await failures("none")).toEqual({});
  });

  test.each([
    ["async-decorate", /decorates synchronously/, /returned a promise/],
    ["io-decorate", /decorates synchronously/, /made 1 storage or HTTP call/],
    ["system-clock", /isExpired follows the kernel's clock/, /isExpired does not follow the kernel's clock/],
    ["leaky-error", /no x-secret value/, /appears in an error or log line: .*<the secret>/],
    ["shared-service", /two kernels/, /tiny:Counter is one mutable object shared by two kernels/],
  ] as const)("fails a plugin with the fault %s, in that check only", async (fault, check, message) => {
    const failed = await failures(fault);
    const names = Object.keys(failed);
    expect(names.filter((n) => check.test(n))).toHaveLength(1);
    expect(failed[names.find((n) => check.test(n))!]).toMatch(message);
    // The leaked value itself is never repeated in the suite's own message.
    expect(Object.values(failed).join("\n")).not.toContain(SECRET);
  });

  test("a client type without a sample fails the registration check", async () => {
    const [registration] = conformanceChecks({ plugin: tinyPlugin("none"), samples: [] });
    await expect(registration!.run()).rejects.toThrow(/no sample config for client_type "tiny_token" of plugin "tiny-none"/);
  });

  test("describeConformance registers one named test per check with the runner's describe/it", () => {
    const registered: string[] = [];
    describeConformance(options("none"), {
      describe: (name, body) => { registered.push(`describe ${name}`); body(); },
      it: (name) => void registered.push(name),
    });
    expect(registered).toEqual(["describe planet-auth conformance: tiny-none", ...conformanceChecks(options("none")).map((c) => c.name)]);
  });
});
