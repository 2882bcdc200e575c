/**
 * The redis storage's options as a discovered config gives them (`storage: { type: "redis", ... }`),
 * checked with errors that name the option (never its value: a URL may carry a password).
 */
import { InvalidDataException, transportVerdict, type Environment, type JsonObject } from "../../kernel/index.js";

/**
 * The options of Redis storage in a config file (`{ "type": "redis", … }`): URL, key prefix, Cluster or
 * Sentinel, credentials and encryption.
 */
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
  /** A Redis Cluster: `url` names one of its nodes. */
  cluster?: boolean;
  /** The master name Sentinel watches: `url` names a Sentinel. */
  sentinel?: string;
  /** More cluster nodes or Sentinels, `host:port`. */
  nodes?: string[];
}

/** The options a discovered config may give the redis storage (the editor schema of a config file describes each). */
export const REDIS_STORAGE_OPTION_NAMES: readonly string[] = [
  "url", "urlEnv", "prefix", "leaseMs", "lockWaitMs", "commandTimeoutMs", "encrypt", "recipients", "allowCleartext", "cluster", "sentinel", "nodes",
];

/**
 * Why tokens may not travel to `url`, or undefined when they may: `rediss://` (TLS) anywhere,
 * `redis://` only to a loopback host unless `allowCleartext`. Never quotes the URL (it may carry a password).
 */
export function redisUrlReason(url: string, allowCleartext = false): string | undefined {
  switch (transportVerdict(url, { secure: "rediss:", cleartext: "redis:" }, allowCleartext)) {
    case "ok": return undefined;
    case "not-a-url": return "is not a redis:// or rediss:// URL";
    case "wrong-scheme": return "must be a redis:// or rediss:// URL";
    case "cleartext": return "uses redis:// (cleartext) to a non-loopback host: use rediss://, or set allowCleartext: true to accept the risk";
  }
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

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:/@[\]]+):\d{1,5}$/;

/**
 * What is wrong with where the store would connect, or undefined: the url's scheme (and each node
 * reached with it) by {@link redisUrlReason}; `nodes` as `host:port`; a prefix without `{` `}`
 * (the store's keys carry a hash tag); not both `cluster` and `sentinel`.
 */
export function redisTargetReason(o: {
  url: string; allowCleartext?: boolean; prefix?: string; cluster?: boolean; sentinel?: string; nodes?: string[];
}): { field: string; rule: string } | undefined {
  const urlReason = redisUrlReason(o.url, o.allowCleartext);
  if (urlReason) return { field: "url", rule: urlReason };
  if (o.prefix !== undefined && /[{}]/.test(o.prefix)) return { field: "prefix", rule: "must not contain { or } (the store hash-tags its keys)" };
  if (o.cluster && o.sentinel !== undefined) return { field: "sentinel", rule: "cannot be combined with cluster: true" };
  if (o.sentinel !== undefined && !o.sentinel) return { field: "sentinel", rule: "must name the master Sentinel watches" };
  const scheme = new URL(o.url).protocol;
  for (const node of o.nodes ?? []) {
    if (!HOST_PORT.test(node)) return { field: "nodes", rule: "must be a list of host:port" };
    const reason = redisUrlReason(`${scheme}//${node}`, o.allowCleartext);
    if (reason) return { field: "nodes", rule: reason };
  }
  if (o.nodes && !o.cluster && o.sentinel === undefined) return { field: "nodes", rule: "is for cluster: true or sentinel" };
  return undefined;
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
  if (options.cluster !== undefined && typeof options.cluster !== "boolean") fail("cluster", "must be true or false");
  if (options.sentinel !== undefined && typeof options.sentinel !== "string") fail("sentinel", "must name the master Sentinel watches");
  const nodes = options.nodes;
  if (nodes !== undefined && (!Array.isArray(nodes) || nodes.some((n) => typeof n !== "string"))) fail("nodes", "must be a list of host:port");
  const target = {
    url,
    allowCleartext: options.allowCleartext === true,
    ...(typeof options.prefix === "string" ? { prefix: options.prefix } : {}),
    ...(options.cluster === true ? { cluster: true } : {}),
    ...(typeof options.sentinel === "string" ? { sentinel: options.sentinel } : {}),
    ...(nodes !== undefined ? { nodes: nodes as string[] } : {}),
  };
  const reason = redisTargetReason(target);
  if (reason) fail(reason.field, reason.rule);
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
    ...(target.cluster ? { cluster: true } : {}),
    ...(target.sentinel !== undefined ? { sentinel: target.sentinel } : {}),
    ...(target.nodes ? { nodes: target.nodes } : {}),
  };
}
