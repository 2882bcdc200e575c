import { describe, expect, test } from "@jest/globals";
import {
  AuthClientConfigException, AuthEvent, AuthException, ExpiredTokenException, FileBackedJsonObjectException,
  InvalidDataException, InvalidTokenException, TokenValidatorException,
} from "../../src/index.js";
import { recast } from "../../src/plugin-kit.js";

describe("exception hierarchy", () => {
  test("subclasses carry stable codes and default events", () => {
    const e = new ExpiredTokenException("expired");
    expect(e).toBeInstanceOf(InvalidTokenException);
    expect(e).toBeInstanceOf(AuthException);
    expect(e.code).toBe("ERR_TOKEN_EXPIRED");
    expect(e.event()).toBe(AuthEvent.TOKEN_INVALID_EXPIRED);
    expect(e.name).toBe("ExpiredTokenException");
    expect(new AuthException("x").event()).toBeUndefined();
    expect(new AuthClientConfigException("x")).toBeInstanceOf(InvalidDataException);
  });

  test("a file path is appended to the message and can be attached later", () => {
    const e = new FileBackedJsonObjectException("bad data", { filePath: "/a/b.json" });
    expect(e.message).toBe("bad data (File: /a/b.json)");
    const later = new InvalidDataException("missing key");
    later.setFilePath("/c.json");
    expect(later.message).toBe("missing key (File: /c.json)");
    expect(later.filePath).toBe("/c.json");
  });
});

describe("recast", () => {
  test("rethrows listed error types as the target class, keeping the cause", () => {
    const boom = new RangeError("out of range");
    const wrapped = recast(TokenValidatorException, [RangeError], () => {
      throw boom;
    });
    let caught: unknown;
    try {
      wrapped();
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(TokenValidatorException);
    expect((caught as Error).message).toBe("out of range (RangeError)");
    expect((caught as Error).cause).toBe(boom);
  });

  test("lets other error types through unchanged, and handles async functions", async () => {
    const passthrough = recast(TokenValidatorException, [RangeError], () => {
      throw new TypeError("nope");
    });
    expect(passthrough).toThrow(TypeError);
    const asyncWrapped = recast(TokenValidatorException, undefined, async () => {
      throw new Error("async failure");
    });
    await expect(asyncWrapped()).rejects.toThrow("async failure (Error)");
    await expect(asyncWrapped()).rejects.toBeInstanceOf(TokenValidatorException);
  });
});

describe("recastMessage", () => {
  test("names the class of errors from another realm too", async () => {
    const { runInNewContext } = await import("node:vm");
    const foreign = runInNewContext("new TypeError('from elsewhere')") as Error;
    expect(foreign instanceof Error).toBe(false);
    const { recastMessage } = await import("../../src/plugin-kit.js");
    expect(recastMessage(foreign)).toBe("from elsewhere (TypeError)");
  });
});
