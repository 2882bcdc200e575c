/**
 * The plugin conformance suite: what every plugin must do to work like a built-in. It needs no test
 * runner — `conformanceChecks` returns named async checks that throw on failure, and
 * `describeConformance` hands them to a runner's `describe`/`it` (node:test, jest, vitest).
 */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { isDeepStrictEqual } from "node:util";
import {
  AuthException, AuthLogger, HTTP_CLIENT, STORAGE_PROVIDER, X_PLANET_APP_HEADER, createKernel, definePlugin, secretFieldNames,
  type AuthKernel, type AuthPlugin, type Clock, type Credential, type HostLogger, type JsonObject,
} from "../kernel/index.js";

/** What the suite needs to exercise one client type of the plugin. */
export interface ClientTypeSample {
  clientType: string;
  /** A valid config of this client type. Building its client must not need the network. */
  config: JsonObject;
  /**
   * Credential data the client's `defaultRequestAuthenticator(tokenKey)` reads from its token file
   * (without `_iat`/`_exp`: the suite adds them). Omit it for a client type whose authenticator holds
   * no credential.
   */
  credential?: JsonObject;
  /**
   * `false` for a client type that authenticates no outgoing requests (a token validator): its
   * authenticator must then refuse at once — a synchronous AuthException, never a promise.
   */
  authenticatesRequests?: boolean;
  /**
   * Invalid configs of this client type, in addition to those the suite derives from `config` (each
   * required key removed, each key given values of the wrong type). No value of an `x-secret` field
   * of `config` or of these configs may appear in any error message or log line produced while
   * checking them.
   */
  invalidConfigs?: JsonObject[];
}

export interface ConformanceOptions {
  plugin: AuthPlugin;
  /** Plugins the plugin depends on, registered before it. */
  dependencies?: readonly AuthPlugin[];
  /** One sample per client type; every client type the plugin contributes needs one. */
  samples: readonly ClientTypeSample[];
}

export interface ConformanceCheck {
  name: string;
  /** Run the check; it throws a `ConformanceError` saying what is wrong. */
  run(): Promise<void>;
}

/** The subset of a test runner the suite registers its checks with. */
export interface TestRunner {
  /** Group the checks under a name (jest's, vitest's or node:test's `describe`). */
  describe(name: string, body: () => void): unknown;
  /** Register one check (jest's, vitest's or node:test's `it`). */
  it(name: string, body: () => Promise<void>): unknown;
}

export class ConformanceError extends Error {
  override name = "ConformanceError";
}

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new ConformanceError(message);
}

const START_MS = Date.UTC(2030, 0, 1);

/** A clock the suite moves by hand. */
class ManualClock implements Clock {
  ms = START_MS;
  now(): number {
    return this.ms;
  }
}

/** Counts every call on an object's methods (storage, HTTP): "no I/O" means the count stays put. */
function counting<T extends object>(target: T, counter: { calls: number }): T {
  return new Proxy(target, {
    get(obj, key) {
      const value = Reflect.get(obj, key, obj) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        counter.calls++;
        return (value as (...a: unknown[]) => unknown).apply(obj, args);
      };
    },
  });
}

/** A host logger that keeps every line at every level. */
function capturingLogger(lines: string[]): HostLogger {
  const keep = (...args: unknown[]) => void lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
  return { debug: keep, info: keep, warn: keep, error: keep, isLevelEnabled: () => true };
}

interface Harness {
  kernel: AuthKernel;
  clock: ManualClock;
  home: string;
  lines: string[];
  io: { calls: number };
  dispose(): Promise<void>;
}

async function harness(options: ConformanceOptions): Promise<Harness> {
  const home = await mkdtemp(path.join(tmpdir(), "planet-auth-conformance-"));
  const clock = new ManualClock();
  const lines: string[] = [];
  const kernel = createKernel({
    plugins: [...(options.dependencies ?? []), options.plugin],
    homeDir: () => home,
    services: { clock, logger: new AuthLogger(capturingLogger(lines)), env: {} },
  });
  const io = { calls: 0 };
  const storage = kernel.services.storage;
  const http = kernel.services.http;
  kernel.provide(STORAGE_PROVIDER, { useValue: counting(storage, io) });
  kernel.provide(HTTP_CLIENT, { useValue: counting(http, io) });
  return { kernel, clock, home, lines, io, dispose: () => rm(home, { recursive: true, force: true }) };
}

async function withHarness(options: ConformanceOptions, body: (h: Harness) => Promise<void>): Promise<void> {
  const h = await harness(options);
  try {
    await body(h);
  } finally {
    await h.dispose();
  }
}

/** True when every object in a JSON value has its keys in sorted order. */
function keysSorted(value: unknown): boolean {
  if (Array.isArray(value)) return value.every(keysSorted);
  if (!value || typeof value !== "object") return true;
  const keys = Object.keys(value);
  return keys.every((k, i) => i === 0 || keys[i - 1]! < k) && Object.values(value).every(keysSorted);
}

function sampleFor(options: ConformanceOptions, clientType: string): ClientTypeSample {
  const sample = options.samples.find((s) => s.clientType === clientType);
  assert(sample, `no sample config for client_type "${clientType}" of plugin "${options.plugin.name}"`);
  return sample;
}

async function checkRegistration(options: ConformanceOptions): Promise<void> {
  const defined = definePlugin(options.plugin);
  const kernel = createKernel({ plugins: [...(options.dependencies ?? []), options.plugin] });
  const registered = kernel.clientTypes().filter((t) => t.plugin === options.plugin.name).map((t) => t.clientType);
  const contributed = (defined.clientTypes ?? []).map((ct) => ct.clientType);
  assert(isDeepStrictEqual(registered, contributed), `registered client types ${registered.join(", ")} differ from the contributed ${contributed.join(", ")}`);
  for (const clientType of contributed) sampleFor(options, clientType);
}

async function checkConfigRoundTrip(options: ConformanceOptions, sample: ClientTypeSample): Promise<void> {
  await withHarness(options, async ({ kernel, home }) => {
    const config = kernel.configFromDict(sample.config);
    config.check();
    const first = path.join(home, "a", "auth_client.json");
    config.setPath(first);
    await config.save();
    const mode = (await stat(first)).mode & 0o777;
    assert(mode === 0o600, `the saved config has mode ${mode.toString(8)}, not 600`);
    const bytes = await readFile(first, "utf8");
    assert(keysSorted(JSON.parse(bytes)), "the saved config's keys are not sorted");
    const loaded = await kernel.configFromFile(first);
    assert(loaded.clientType() === sample.clientType, `the reloaded config has client_type "${loaded.clientType()}"`);
    assert(isDeepStrictEqual(loaded.data(), config.data()), "the reloaded config's data differs from the saved config's");
    const second = path.join(home, "b", "auth_client.json");
    loaded.setPath(second);
    await loaded.save();
    assert((await readFile(second, "utf8")) === bytes, "saving the reloaded config does not give the same bytes");
  });
}

const TOKEN_KEY = "conformance/token.json";
const LIFETIME_S = 3600;

async function freshAuthenticator(h: Harness, sample: ClientTypeSample, credential: JsonObject) {
  const iat = Math.floor(h.clock.now() / 1000);
  await h.kernel.services.storage.saveObj(TOKEN_KEY, { ...credential, _iat: iat, _exp: iat + LIFETIME_S });
  const client = await h.kernel.clientFromConfig(h.kernel.configFromDict(sample.config));
  return { iat, authenticator: client.defaultRequestAuthenticator(TOKEN_KEY) };
}

async function checkCredential(options: ConformanceOptions, sample: ClientTypeSample, credential: JsonObject): Promise<void> {
  await withHarness(options, async (h) => {
    const { iat, authenticator } = await freshAuthenticator(h, sample, credential);
    const loaded: Credential | null = await authenticator.credential();
    assert(loaded, "the authenticator has no credential after its token file was written");
    assert((await loaded.issuedTime()) === iat, "_iat did not load");
    assert((await loaded.expiryTime()) === iat + LIFETIME_S, "_exp did not load");
    assert(!(await loaded.isExpired()), "a credential expiring in an hour reads as expired");
    h.clock.ms += (LIFETIME_S + 1) * 1000;
    assert(await loaded.isExpired(), "isExpired does not follow the kernel's clock");
    loaded.setPath(path.join(h.home, "copy", "token.json"));
    await loaded.save();
    const mode = (await stat(path.join(h.home, "copy", "token.json"))).mode & 0o777;
    assert(mode === 0o600, `the saved credential has mode ${mode.toString(8)}, not 600`);
    const reread = await h.kernel.services.storage.loadObj(path.join(h.home, "copy", "token.json"));
    assert(isDeepStrictEqual(reread, loaded.data()), "the saved credential reads back differently");
  });
}

async function checkSynchronousDecoration(options: ConformanceOptions, sample: ClientTypeSample): Promise<void> {
  await withHarness(options, async (h) => {
    const authenticator = sample.credential
      ? (await freshAuthenticator(h, sample, sample.credential)).authenticator
      : (await h.kernel.clientFromConfig(h.kernel.configFromDict(sample.config))).defaultRequestAuthenticator(null);
    if (sample.authenticatesRequests === false) {
      let outcome: unknown;
      try {
        outcome = authenticator.decorate({});
      } catch (err) {
        assert(err instanceof AuthException, `the refusal to decorate is not an AuthException: ${describeError(err)}`);
        return;
      }
      assert(false, `an authenticator that authenticates no requests did not refuse at once (it returned ${outcome instanceof Promise ? "a promise" : "normally"})`);
    }
    await authenticator.decorate({}); // the first request may load the credential
    h.io.calls = 0;
    const headers: Record<string, string> = {};
    const result = authenticator.decorate(headers);
    assert(result === undefined, "decorating with a fresh credential returned a promise");
    assert(h.io.calls === 0, `decorating with a fresh credential made ${h.io.calls} storage or HTTP call(s)`);
    assert(headers[X_PLANET_APP_HEADER], `decorating did not set ${X_PLANET_APP_HEADER}`);
  });
}

/** Configs that must fail: each required key removed, each key given values of the wrong JSON type. */
function derivedInvalidConfigs(schema: Record<string, unknown>, config: JsonObject): JsonObject[] {
  const required = Array.isArray(schema.required) ? (schema.required as string[]) : [];
  const out: JsonObject[] = required.filter((k) => k !== "client_type").map((k) => {
    const { [k]: _removed, ...rest } = config;
    return rest;
  });
  for (const key of Object.keys(config).filter((k) => k !== "client_type")) {
    const value = config[key];
    for (const wrong of [12345, true, [value ?? null], { value: value ?? null }, ""]) out.push({ ...config, [key]: wrong });
  }
  return out;
}

async function checkSecretsNeverShown(options: ConformanceOptions, sample: ClientTypeSample): Promise<void> {
  const contribution = definePlugin(options.plugin).clientTypes!.find((ct) => ct.clientType === sample.clientType)!;
  const secretNames = secretFieldNames(contribution.schema);
  const secretValues = [sample.config, ...(sample.invalidConfigs ?? [])]
    .flatMap((dict) => secretNames.map((name) => dict[name]))
    .filter((v): v is string => typeof v === "string" && v.length > 0);
  assert(secretNames.length === 0 || secretValues.length > 0, `the samples of ${sample.clientType} give no value to any x-secret field (${secretNames.join(", ")})`);
  await withHarness(options, async (h) => {
    const invalid = [...derivedInvalidConfigs(contribution.schema, sample.config), ...(sample.invalidConfigs ?? [])];
    for (const dict of invalid) {
      for (const attempt of [() => h.kernel.configFromDict(dict).check(), () => h.kernel.clientFromConfig(h.kernel.configFromDict(dict))]) {
        try {
          await attempt();
        } catch (err) {
          h.lines.push(describeError(err));
        }
      }
    }
    for (const secret of secretValues) {
      const leak = h.lines.find((line) => line.includes(secret));
      assert(!leak, `a value of an x-secret field appears in an error or log line: ${leak?.split(secret).join("<the secret>")}`);
    }
  });
}

/** An error's message and those of its causes, as a person reading logs would see them. */
function describeError(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 10; depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" <- ");
}

async function checkTwoKernels(options: ConformanceOptions): Promise<void> {
  const [a, b] = [await harness(options), await harness(options)];
  try {
    for (const sample of options.samples) {
      const [configA, configB] = [a.kernel.configFromDict(sample.config), b.kernel.configFromDict(sample.config)];
      assert(configA.kernel() === a.kernel && configB.kernel() === b.kernel, "a config does not belong to the kernel that built it");
      const [clientA, clientB] = [await a.kernel.clientFromConfig(configA), await b.kernel.clientFromConfig(configB)];
      assert(clientA.services.clock === a.clock && clientB.services.clock === b.clock, "a client does not use its own kernel's clock");
      if (!sample.credential) continue;
      b.clock.ms += (LIFETIME_S + 1) * 1000;
      const [authA, authB] = [(await freshAuthenticator(a, sample, sample.credential)).authenticator, clientB.defaultRequestAuthenticator(TOKEN_KEY)];
      await b.kernel.services.storage.saveObj(TOKEN_KEY, { ...sample.credential, _iat: Math.floor(START_MS / 1000), _exp: Math.floor(START_MS / 1000) + LIFETIME_S });
      const [credA, credB] = [await authA.credential(), await authB.credential()];
      assert(credA && credB, "no credential loaded");
      assert(!(await credA.isExpired()) && (await credB.isExpired()), "the two kernels' credentials do not each follow their own clock");
      b.clock.ms = START_MS;
    }
    // A plugin's own services are built per kernel.
    const tokens: symbol[] = [];
    options.plugin.register?.({ provide: (tok) => void tokens.push(tok as symbol) });
    for (const tok of tokens) {
      const [va, vb] = [a.kernel.resolve(tok), b.kernel.resolve(tok)];
      if (va && typeof va === "object" && !Object.isFrozen(va)) {
        assert(va !== vb, `the plugin service ${tok.description ?? String(tok)} is one mutable object shared by two kernels`);
      }
    }
  } finally {
    await a.dispose();
    await b.dispose();
  }
}

/** The conformance checks for a plugin, each a named async function that throws on failure. */
export function conformanceChecks(options: ConformanceOptions): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [
    { name: "the manifest is valid, every schema compiles, and every client type has a sample", run: () => checkRegistration(options) },
  ];
  for (const sample of options.samples) {
    const ct = sample.clientType;
    checks.push(
      { name: `${ct}: the sample config validates and round-trips (fromDict → save → fromFile) byte-identically, keys sorted, mode 0600`, run: () => checkConfigRoundTrip(options, sample) },
      { name: `${ct}: the authenticator decorates synchronously with a fresh credential (no promise, no I/O) and sets X-Planet-App`, run: () => checkSynchronousDecoration(options, sample) },
      { name: `${ct}: no x-secret value appears in any error message or log line while invalid configs are checked`, run: () => checkSecretsNeverShown(options, sample) },
    );
    const credential = sample.credential;
    if (credential) {
      checks.push({ name: `${ct}: a credential saves and loads with _iat/_exp, and isExpired follows the kernel's clock`, run: () => checkCredential(options, sample, credential) });
    }
  }
  checks.push({ name: "the plugin works in two kernels at once with nothing shared", run: () => checkTwoKernels(options) });
  return checks;
}

/** Register the checks with a test runner: `describeConformance(opts, { describe, it })`. */
export function describeConformance(options: ConformanceOptions, runner: TestRunner): void {
  runner.describe(`planet-auth conformance: ${options.plugin.name}`, () => {
    for (const check of conformanceChecks(options)) runner.it(check.name, () => check.run());
  });
}
