/**
 * Base of every client config. A config is a plain JSON object keyed by `client_type`;
 * unknown keys are kept and written back. Validation (JSON Schema of the client type, then the
 * rules a schema cannot express) runs on check(), save() and client construction, as in the reference.
 * A config class is generic in its dict type `D` (derived from its schema: see SchemaData), so
 * `data()` and the accessors are typed by key.
 */
import { AuthClientConfigException } from "./errors.js";
import { FileBackedJsonObject } from "./file-backed-json-object.js";
import type { JsonObject, ObjectStorageProvider } from "./storage-provider.js";
import type { AuthKernel, ClientTypeMeta } from "./kernel.js";
import type { CheckedConfigDict, ConfigKey } from "./config-types.js";
import { defaultKernel } from "./default-kernel.js";

/** Where a config is stored and which kernel built it. */
export interface AuthClientConfigOptions {
  /** The kernel whose schemas and services this config uses; default: the default kernel. */
  kernel?: AuthKernel;
  path?: string | null;
  storageProvider?: ObjectStorageProvider | null;
}

/** A config class: constructible from a dict, with its static `clientType` and `normalize`. */
export type AuthClientConfigClass<C extends AuthClientConfig = AuthClientConfig> = {
  /** Construct a config from its dict. */
  new (data?: JsonObject, options?: AuthClientConfigOptions): C;
  readonly clientType: string;
  /** Input normalisation applied at construction and on `setData` (aliases, mirrored keys, defaults). */
  normalize(data: JsonObject): JsonObject;
};

/**
 * Base of every client config (the Python library's `planet_auth.AuthClientConfig`): the JSON object of a
 * profile's `auth_client.json`, keyed by `client_type`. Unknown keys are kept and written back. It is
 * validated (the client type's JSON Schema, then the rules a schema cannot express) by `check()`, `save()`
 * and when a client is built from it. Build one with `AuthClientConfig.fromDict` / `fromFile` or
 * `kernel.configFromDict`.
 */
export abstract class AuthClientConfig<D extends JsonObject = JsonObject> extends FileBackedJsonObject {
  /** The `client_type` string this class implements. Every concrete subclass sets it. */
  static readonly clientType: string = "";
  readonly #kernel?: AuthKernel;

  /**
   * A config from its dict (normalised, `client_type` set to the class's), optionally bound to a storage key,
   * a storage provider and a kernel. Not validated until `check()`.
   */
  constructor(data: JsonObject = {}, options: AuthClientConfigOptions = {}) {
    const cls = new.target as unknown as AuthClientConfigClass;
    // Always carry client_type, so a file saved from a directly built config can be reloaded.
    super(cls.normalize({ ...data, client_type: cls.clientType }), options.path ?? null, options.storageProvider ?? null);
    this.#kernel = options.kernel;
  }

  /**
   * Input normalisation applied at construction and on setData (aliases, mirrored keys, defaults).
   * Subclasses override and call super.
   */
  static normalize(data: JsonObject): JsonObject {
    return data;
  }

  /**
   * The config dict, typed by the client type's schema. Never null: a config always holds a dict.
   * Validation checks presence (as the reference does), not value types: a value read through
   * `getString` / `requiredString` / `getStringList` is also checked for its type.
   */
  override data(): D {
    return super.data() as D;
  }

  /**
   * The kernel this config belongs to (the one that built it, else the default kernel): its client type
   * registry and services.
   */
  kernel(): AuthKernel {
    return this.#kernel ?? defaultKernel();
  }

  /**
   * The explicit provider, else the provider of the kernel the config was built with, else (built
   * without one) the default provider, as for any object on its own.
   */
  override storageProvider(): ObjectStorageProvider {
    return this.explicitStorageProvider() ?? this.#kernel?.services.storage ?? super.storageProvider();
  }

  /** The config's `client_type`. */
  clientType(): string {
    return (this.constructor as AuthClientConfigClass).clientType;
  }

  override setData(data: JsonObject | null, copy = true): void {
    const cls = this.constructor as AuthClientConfigClass;
    super.setData(data ? cls.normalize({ ...data, client_type: data.client_type ?? cls.clientType }) : data, copy);
  }

  override checkData(data: JsonObject | null): void {
    super.checkData(data);
    this.kernel().validateConfigData(this.clientType(), data!);
    this.checkConfigRules(data!);
  }

  /** Rules a JSON Schema cannot express. Throw `this.configError(...)`. */
  protected checkConfigRules(_data: JsonObject): void {}

  /** An `AuthClientConfigException` for this config, naming its client type, the field and the file. */
  protected configError(message: string, field?: string): AuthClientConfigException {
    return new AuthClientConfigException(`Invalid ${this.clientType()} config: ${message}`, {
      clientType: this.clientType(),
      field,
      filePath: this.path() ?? undefined,
    });
  }

  /** Meta information for wizards: display name, description, config hints. */
  meta(): ClientTypeMeta {
    return this.kernel().clientType(this.clientType()).meta;
  }

  /** A key's value as the config holds it, typed as the schema declares it; missing and null read as null. */
  get<K extends ConfigKey<D>>(key: K): Exclude<D[K], undefined> | null {
    const v = this.data()[key];
    return v === undefined || v === null ? null : (v as Exclude<D[K], undefined>);
  }

  /**
   * A string-valued key at its point of use. Validation checks presence only (like the reference),
   * so a configured value of another type is reported here, naming the key and client_type.
   * Unset ("not configured": missing, null, "", 0, false, [] or {}) reads as null.
   */
  getString(key: ConfigKey<D>): string | null {
    const v = this.data()[key];
    if (!isConfigured(v)) return null;
    if (typeof v !== "string") throw this.configError(`"${key}" must be a string, found ${jsonTypeName(v)}`, key);
    return v;
  }

  /** A required string key at its point of use; blank text is rejected (it would make a broken URL or identifier). */
  requiredString(key: ConfigKey<D>): string {
    const v = this.getString(key);
    if (v === null || v.trim() === "") throw this.configError(`"${key}" must be a non-empty string`, key);
    return v;
  }

  /** A list-of-strings key at its point of use; unset reads as []. */
  getStringList(key: ConfigKey<D>): string[] {
    const v = this.data()[key];
    if (!isConfigured(v)) return [];
    if (!Array.isArray(v) || !v.every((item) => typeof item === "string")) {
      throw this.configError(`"${key}" must be a list of strings, found ${jsonTypeName(v)}`, key);
    }
    return [...v];
  }

  /**
   * Build a config from a dict through the default kernel (`AuthClientConfig.from_dict` of the Python library, `planet_auth`).
   * A dict literal of a registered client type is type-checked against its schema's type.
   */
  static fromDict<const T extends JsonObject>(dict: T & CheckedConfigDict<T>): AuthClientConfig {
    return defaultKernel().configFromDict(dict);
  }

  /** Read a config file through a storage provider (default: the default kernel's filesystem provider). */
  static fromFile(filePath: string, storageProvider?: ObjectStorageProvider): Promise<AuthClientConfig> {
    return defaultKernel().configFromFile(filePath, storageProvider);
  }
}

/**
 * `true` when a config value counts as "configured": the reference's truthiness, where "", 0, false,
 * null, [] and {} all mean "not set".
 */
export function isConfigured(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

/** The JSON type of a value, for error messages that must not echo the value itself. */
function jsonTypeName(value: unknown): string {
  if (Array.isArray(value)) return value.every((item) => typeof item === "string") ? "a list" : "a list with a non-string item";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
