import "reflect-metadata";
import { describe, expect, test } from "@jest/globals";
import {
  LIBRARY_VERSION, PluginDependencyException, PluginException, PluginVersionException, createKernel, token,
  type AuthKernel, type AuthPlugin, type StorageFormat,
} from "../../src/index.js";
import { definePlugin, satisfiesVersionRange } from "../../src/plugin-kit.js";
import { InertClient, configClassFor } from "../support/generic-plugin.js";
import { stampHeader, stampPlugin } from "../support/stamp-plugin.js";

const SERVICE = token<string>("test:PartialService");

function failure(fn: () => unknown): PluginException {
  try {
    fn();
  } catch (e) {
    return e as PluginException;
  }
  throw new Error("expected a failure");
}

/** A plugin contributing one of everything, whose register hook or storage provider may fail. */
function partialPlugin(fail: "register" | "storage-provider" | "nothing"): AuthPlugin {
  const format: StorageFormat = { matches: () => false, decode: () => ({}), encode: () => "" } as unknown as StorageFormat;
  return definePlugin({
    name: "test/partial",
    version: "1.0.0",
    clientTypes: [
      {
        clientType: "partial_type",
        schema: { $id: "urn:test:partial", type: "object" },
        configClass: configClassFor("partial_type") as never,
        clientClass: InertClient,
        meta: { displayName: "Partial", description: "fails part-way" },
      },
    ],
    storageFormats: [format],
    storageProviders: [
      {
        name: "partial-store",
        create: (services) => {
          if (fail === "storage-provider") throw new Error("cannot reach the store");
          return services.storage;
        },
      },
    ],
    register(services) {
      services.provide(SERVICE, { useValue: "provided" });
      if (fail === "register") throw new Error("register failed half-way");
    },
  });
}

function expectNothingOfPartial(kernel: AuthKernel): void {
  expect(kernel.plugins().map((p) => p.name)).toEqual(["test/stamp"]);
  expect(kernel.clientTypes().map((t) => t.clientType)).toEqual(["stamped"]);
  expect(kernel.isProvided(SERVICE)).toBe(false);
  expect(() => kernel.storageProvider("partial-store")).toThrow(/Unknown storage provider "partial-store"/);
}

describe("use() is atomic", () => {
  test.each([
    ["its register hook throws after providing a service", "register" as const, "register failed half-way"],
    ["a storage provider's create throws", "storage-provider" as const, "cannot reach the store"],
  ])("a plugin that fails part-way (%s) leaves nothing registered", async (_what, fail, message) => {
    const kernel = createKernel({ plugins: [stampPlugin] });
    expect(() => kernel.use(partialPlugin(fail))).toThrow(message);
    expectNothingOfPartial(kernel);
    // The kernel still works, and the same plugin registers once it no longer fails.
    expect(await stampHeader(kernel)).toMatch(/^Stamp default@\d+$/);
    kernel.use(partialPlugin("nothing"));
    expect(kernel.clientTypes().map((t) => t.clientType)).toEqual(["stamped", "partial_type"]);
    expect(kernel.resolve(SERVICE)).toBe("provided");
    expect(kernel.storageProvider("partial-store")).toBe(kernel.services.storage);
  });
});

describe("plugins declare what they need", () => {
  const dependent = definePlugin({ name: "test/dependent", version: "1.0.0", dependencies: ["test/stamp", "test/other"] });

  test("missing dependencies are refused with ERR_PLUGIN_DEPENDENCY, naming each one", () => {
    const kernel = createKernel({ plugins: [stampPlugin] });
    const err = failure(() => kernel.use(dependent));
    expect(err).toBeInstanceOf(PluginDependencyException);
    expect(err.code).toBe("ERR_PLUGIN_DEPENDENCY");
    expect(err.message).toBe('Plugin "test/dependent" depends on "test/other", not registered on this kernel (register it first); registered: test/stamp');
    expect(kernel.plugins().map((p) => p.name)).toEqual(["test/stamp"]);
  });

  test("a plugin registers once its dependencies are registered", () => {
    const kernel = createKernel({ plugins: [stampPlugin, definePlugin({ name: "test/other", version: "2.0.0" }), dependent] });
    expect(kernel.plugins().map((p) => p.name)).toEqual(["test/stamp", "test/other", "test/dependent"]);
  });

  test("an unsatisfied planet-auth range is refused with ERR_PLUGIN_VERSION, naming both versions", () => {
    const future = definePlugin({ name: "test/future", version: "1.0.0", planetAuth: "^1.0.0" });
    const err = failure(() => createKernel({ plugins: [future] }));
    expect(err).toBeInstanceOf(PluginVersionException);
    expect(err.code).toBe("ERR_PLUGIN_VERSION");
    expect(err.message).toBe(`Plugin "test/future" needs planet-auth ^1.0.0; this is planet-auth ${LIBRARY_VERSION}`);
    const kernel = createKernel();
    expect(() => kernel.use(future)).toThrow(PluginVersionException);
    expect(kernel.plugins()).toEqual([]);
    expect(() => kernel.use(definePlugin({ name: "test/current", version: "1.0.0", planetAuth: `>=${LIBRARY_VERSION} <9.0.0 || ^10.0.0` }))).not.toThrow();
  });

  test("the manifest refuses malformed dependencies and ranges", () => {
    expect(() => definePlugin({ name: "x", version: "1.0.0", planetAuth: "latest" })).toThrow(/planetAuth: "latest" is not a supported version range/);
    expect(() => definePlugin({ name: "x", version: "1.0.0", dependencies: ["a", "a"] })).toThrow(/dependencies/);
    expect(() => definePlugin({ name: "x", version: "1.0.0", dependencies: [""] })).toThrow(/dependencies\.0/);
  });
});

describe("satisfiesVersionRange", () => {
  test.each([
    ["0.1.0", "^0.1.0", true], ["0.1.9", "^0.1.0", true], ["0.2.0", "^0.1.0", false], ["0.0.9", "^0.1.0", false],
    ["1.4.0", "^1.2.3", true], ["2.0.0", "^1.2.3", false], ["1.2.2", "^1.2.3", false],
    ["0.0.3", "^0.0.3", true], ["0.0.4", "^0.0.3", false],
    ["1.2.9", "~1.2.3", true], ["1.3.0", "~1.2.3", false],
    ["1.0.0", ">=1.0.0 <2.0.0", true], ["2.0.0", ">=1.0.0 <2.0.0", false], ["1.0.0", ">1.0.0", false], ["1.0.0", "<=1.0.0", true],
    ["3.1.0", "^1.0.0 || ^3.0.0", true], ["2.1.0", "^1.0.0 || ^3.0.0", false],
    ["1.2.3", "1.2.3", true], ["1.2.3", "=1.2.4", false], ["5.0.0", "*", true],
    ["1.0.0-rc.1", ">=1.0.0", false], ["1.0.0-rc.2", ">=1.0.0-rc.1", true],
    ["1.0.0", "latest", false], ["1.0.0", "", false], ["not-a-version", "*", false],
  ])("%s satisfies %s: %s", (version, range, expected) => {
    expect(satisfiesVersionRange(version, range)).toBe(expected);
  });
});
