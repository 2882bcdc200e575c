/**
 * The redis storage's options as a discovered config gives them (`storage: { type: "redis", ... }`),
 * checked with errors that name the option (never its value: a URL may carry a password).
 */
import { InvalidDataException, isLoopbackHost, type Environment, type JsonObject } from "../../kernel/index.js";

export interface RedisStorageConfig {
  url: string;
  prefix?: string;
  leaseMs?: number;
  lockWaitMs?: number;
  commandTimeoutMs?: number;
  /** Encrypt stored objects with SOPS/age (recipients from `recipients`, else where the SOPS plugin finds them). */
  encrypt?: boolean;
  recipients?: string[];
  /** Accept `redis://` (cleartext: tokens and the password readable on the path) to a non-loopback host. */
  allowCleartext?: boolean;
}

/** The options a discovered config may give the redis storage (the editor schema of a config file describes each). */
export const REDIS_STORAGE_OPTION_NAMES: readonly string[] = ["url", "urlEnv", "prefix", "leaseMs", "lockWaitMs", "commandTimeoutMs", "encrypt", "recipients", "allowCleartext"];

/**
 * Why tokens may not travel to `url`, or undefined when they may: `rediss://` (TLS) anywhere,
 * `redis://` only to a loopback host unless `allowCleartext`. Never quotes the URL (it may carry a password).
 */
export function redisUrlReason(url: string, allowCleartext = false): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "is not a redis:// or rediss:// URL";
  }
  if (parsed.protocol === "rediss:") return undefined;
  if (parsed.protocol !== "redis:") return "must be a redis:// or rediss:// URL";
  if (allowCleartext || isLoopbackHost(parsed.hostname)) return undefined;
  return "uses redis:// (cleartext) to a non-loopback host: use rediss://, or set allowCleartext: true to accept the risk";
}

function fail(field: string, rule: string): never {
  throw new InvalidDataException(`storage.${field} ${rule}`, { field: `storage.${field}` });
}

function positiveInteger(options: JsonObject, field: string): number | undefined {
  const v = options[field];
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v <= 0) fail(field, "must be a positive integer (milliseconds)");
  return v;
}

/** `url` is given, or `urlEnv` names the environment variable holding it (keeps a password out of the file). */
export function parseRedisStorageOptions(options: JsonObject, env: Environment): RedisStorageConfig {
  const unknown = Object.keys(options).filter((k) => !REDIS_STORAGE_OPTION_NAMES.includes(k));
  if (unknown.length) fail(unknown[0]!, `is not an option of the redis storage; known: ${REDIS_STORAGE_OPTION_NAMES.join(", ")}`);
  let url = options.url;
  if (url === undefined && options.urlEnv !== undefined) {
    if (typeof options.urlEnv !== "string" || !options.urlEnv) fail("urlEnv", "must name an environment variable");
    url = env[options.urlEnv];
    if (!url) fail("urlEnv", `names the environment variable ${options.urlEnv}, which is not set`);
  }
  if (typeof url !== "string" || !/^rediss?:\/\//.test(url)) fail("url", "must be a redis:// or rediss:// URL (or give urlEnv)");
  if (options.allowCleartext !== undefined && typeof options.allowCleartext !== "boolean") fail("allowCleartext", "must be true or false");
  const reason = redisUrlReason(url, options.allowCleartext === true);
  if (reason) fail("url", reason);
  if (options.prefix !== undefined && typeof options.prefix !== "string") fail("prefix", "must be a string");
  if (options.encrypt !== undefined && typeof options.encrypt !== "boolean") fail("encrypt", "must be true or false");
  const recipients = options.recipients;
  if (recipients !== undefined && (!Array.isArray(recipients) || recipients.some((r) => typeof r !== "string" || !r.startsWith("age1")))) {
    fail("recipients", "must be a list of age recipients (age1…)");
  }
  return {
    url,
    ...(options.prefix !== undefined ? { prefix: options.prefix as string } : {}),
    ...(positiveInteger(options, "leaseMs") !== undefined ? { leaseMs: positiveInteger(options, "leaseMs") } : {}),
    ...(positiveInteger(options, "lockWaitMs") !== undefined ? { lockWaitMs: positiveInteger(options, "lockWaitMs") } : {}),
    ...(positiveInteger(options, "commandTimeoutMs") !== undefined ? { commandTimeoutMs: positiveInteger(options, "commandTimeoutMs") } : {}),
    ...(options.encrypt === true || recipients !== undefined ? { encrypt: true } : {}),
    ...(recipients !== undefined ? { recipients: recipients as string[] } : {}),
    ...(options.allowCleartext === true ? { allowCleartext: true } : {}),
  };
}
