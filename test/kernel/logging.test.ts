import { describe, expect, test } from "@jest/globals";
import {
  AuthEvent, AuthLogger, ExpiredTokenException, LOG_PREFIX, redact, SecretNames, createDefaultKernel, type HostLogger,
} from "../../src/index.js";
import { logException } from "../../src/plugin-kit.js";
import { captureLogger } from "../support/capture-logger.js";

function recording(enabled: (level: string) => boolean = () => true) {
  const calls: Array<{ level: string; args: unknown[] }> = [];
  const rec = (level: string) => (...args: unknown[]) => void calls.push({ level, args });
  const host: HostLogger = { debug: rec("debug"), info: rec("info"), warn: rec("warn"), error: rec("error"), isLevelEnabled: enabled };
  return { host, calls };
}

describe("AuthLogger", () => {
  test("string mode logs one JSON string: event, auth_libraries, msg with the prefix", () => {
    const { host, calls } = recording();
    new AuthLogger(host).info("hello");
    expect(calls).toHaveLength(1);
    const payload = JSON.parse(calls[0]!.args[0] as string);
    expect(Object.keys(payload)).toEqual(["event", "auth_libraries", "msg"]);
    expect(payload.event).toBe("TRACE");
    expect(payload.auth_libraries["planet-auth"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(payload.msg).toBe(`${LOG_PREFIX}hello`);
  });

  test("an invalid-token exception contributes its event, the JWT alg, and only the allowed claims (never sub)", () => {
    const { host, calls } = recording();
    const err = new ExpiredTokenException("token expired", {
      jwtHeader: { alg: "RS256", kid: "k1" },
      jwtBody: { iss: "https://issuer/", sub: "user-123", aud: "api", scope: "a b", email: "x@y" },
    });
    new AuthLogger(host).warning(undefined, { exception: err });
    const payload = JSON.parse(calls[0]!.args[0] as string);
    expect(calls[0]!.level).toBe("warn");
    expect(payload.event).toBe(AuthEvent.TOKEN_INVALID_EXPIRED);
    expect(payload.jwt_header).toEqual({ alg: "RS256" });
    expect(payload.jwt_payload).toEqual({ iss: "https://issuer/", aud: "api", scope: "a b" });
    expect(payload.error).toBe("token expired");
    expect(payload.msg).toBe(`${LOG_PREFIX}token expired`);
    expect(JSON.stringify(payload)).not.toContain("user-123");
  });

  test("structured mode passes the payload as fields, nested or flat, in winston or pino call style", () => {
    const { host, calls } = recording();
    const logger = new AuthLogger(host);
    logger.setStructuredLogging();
    logger.info("nested", { event: AuthEvent.TOKEN_VALID });
    expect(calls[0]!.args[0]).toBe(`${LOG_PREFIX}nested`);
    expect((calls[0]!.args[1] as { props: { event: string } }).props.event).toBe("TOKEN_VALID");
    logger.setStructuredLogging({ nestedKey: null, objectFirst: true });
    logger.info("flat");
    expect((calls[1]!.args[0] as { event: string }).event).toBe("TRACE");
    expect(calls[1]!.args[1]).toBe(`${LOG_PREFIX}flat`);
  });

  test("filtered levels are skipped before any formatting; a null host mutes everything", () => {
    const { host, calls } = recording((level) => level !== "debug");
    const logger = new AuthLogger(host);
    logger.debug("hidden");
    logger.info("shown");
    expect(calls.map((c) => c.level)).toEqual(["info"]);
    logger.setHostLogger(null);
    logger.error("muted");
    expect(calls).toHaveLength(1);
  });

  test("console satisfies the host logger interface", () => {
    const logger = new AuthLogger(console);
    expect(logger.isEnabled("debug")).toBe(true);
  });

  test("logException logs with override > own > default event and rethrows", async () => {
    const host = captureLogger();
    const logger = new AuthLogger(host);
    const failing = logException(logger, async () => {
      throw new ExpiredTokenException("expired");
    });
    await expect(failing()).rejects.toBeInstanceOf(ExpiredTokenException);
    expect(host.lines[0]).toMatch(/^warn .*TOKEN_INVALID_EXPIRED/);
    const overridden = logException(logger, () => { throw new Error("plain"); }, { overrideEvent: AuthEvent.TOKEN_INVALID, level: "error" });
    expect(overridden).toThrow("plain");
    expect(host.lines[1]).toMatch(/^error .*"event":"TOKEN_INVALID".*plain/);
  });
});

describe("redact", () => {
  test("a kernel with the built-ins replaces secret values at any depth and keeps the rest", () => {
    expect(
      createDefaultKernel().redact({ grant_type: "password", password: "p", nested: [{ refresh_token: "r", scope: "s" }], client_secret: "", api_key: null }),
    ).toEqual({ grant_type: "password", password: "<redacted>", nested: [{ refresh_token: "<redacted>", scope: "s" }], client_secret: "", api_key: null });
  });

  test("the free function redacts exactly the names it is given", () => {
    expect(redact({ a: "1", B: "2", c: { a: "3" } }, new SecretNames().add(["a", "b"]))).toEqual({ a: "<redacted>", B: "<redacted>", c: { a: "<redacted>" } });
  });
});
