/**
 * Config dicts as types (nothing here exists at run time). A client type's dict type is derived from
 * its JSON Schema — the built-ins' are generated from `schemas/*.json`, a plugin's come from its
 * `as const` schema through `SchemaData` — and is registered in `ConfigDicts` by declaration merging,
 * so a dict literal with a known `client_type` is checked key by key. The types are closed (no index
 * signature), so a misspelt key fails to compile and editors complete the keys; at run time unknown
 * keys are still kept and written back, and values are checked where they are used.
 */
import type { JsonObject } from "./storage-provider.js";

/**
 * The config dict type of every registered client type, by `client_type`. A plugin adds its own:
 * `declare module "planet-auth" { interface ConfigDicts { my_type: MyConfigDict } }`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ConfigDicts {}

/** The `client_type`s whose config dict type is registered in `ConfigDicts`. */
export type KnownClientType = keyof ConfigDicts & string;

/** The config dict of any registered client type, discriminated on `client_type`. */
export type ConfigDict = ConfigDicts[KnownClientType];

/**
 * What `Auth.initializeFromConfigDict` checks a dict against: a dict whose `client_type` is the
 * literal of a registered type must be that type's dict, with no key it does not declare. Such a
 * key's type is a message naming it (`unknown key "client_secert" for client_type …`), so the
 * compiler's error points at the key and says what is wrong. Any other input — a `JsonObject` read
 * from a file, a `client_type` known only at run time, a type no plugin registered — is left to
 * run-time validation.
 */
export type CheckedConfigDict<D> = D extends { readonly client_type: infer T }
  ? T extends KnownClientType
    ? ConfigDicts[T] & { readonly [K in Exclude<keyof D, keyof ConfigDicts[T]>]: UnknownKey<K, T> }
    : unknown
  : unknown;

/**
 * The type of a key a client type does not declare: an object whose only key is the message, which no
 * config value matches (a string type here would be reduced away with the literal it meets).
 */
export type UnknownKey<K extends PropertyKey, T extends string> = { readonly [M in `unknown key "${K & string}" for client_type ${T}`]: never };

/** The names a schema's `"x-ts-type"` may give a key's type, and the types they stand for. */
export interface TsTypeNames {
  string: string;
  "string[]": readonly string[];
  boolean: boolean;
  number: number;
  object: JsonObject;
}

interface JsonTypeNames {
  string: string;
  number: number;
  integer: number;
  boolean: boolean;
  null: null;
  array: readonly unknown[];
  object: JsonObject;
}

/** The type of a value a (sub)schema accepts: `x-ts-type`, else `const`, `enum`, `type` (with `items`), else unknown. */
export type SchemaValue<P> = P extends { readonly "x-ts-type": infer N extends keyof TsTypeNames }
  ? TsTypeNames[N]
  : P extends { readonly const: infer C }
    ? C
    : P extends { readonly enum: readonly (infer E)[] }
      ? E
      : P extends { readonly type: "array"; readonly items: infer I }
        ? readonly SchemaValue<I>[]
        : P extends { readonly type: infer N extends keyof JsonTypeNames }
          ? JsonTypeNames[N]
          : P extends { readonly type: readonly (infer N extends keyof JsonTypeNames)[] }
            ? JsonTypeNames[N]
            : unknown;

type RequiredKeys<S> = S extends { readonly required: readonly (infer R)[] } ? R : never;
/** A required key with a `default` is optional in a dict: the config class fills it in. */
type Optional<P> = P extends { readonly default: unknown } ? true : false;
type Flatten<T> = { [K in keyof T]: T[K] } & {};

/**
 * The config dict type of an object schema written `as const`: one key per `properties` entry,
 * required when `required` lists it (and it has no `default`), typed by `SchemaValue`. Closed: a key
 * the schema does not name is a compile error in a dict literal and on `config.data()`.
 */
export type SchemaData<S> = S extends { readonly properties: infer P }
  ? Flatten<
      { -readonly [K in keyof P as K extends RequiredKeys<S> ? (Optional<P[K]> extends true ? never : K) : never]: SchemaValue<P[K]> } & {
        -readonly [K in keyof P as K extends RequiredKeys<S> ? (Optional<P[K]> extends true ? K : never) : K]?: SchemaValue<P[K]> | undefined;
      }
    >
  : JsonObject;

/** A key of a config dict type (any string for an untyped `JsonObject`). */
export type ConfigKey<D> = keyof D & string;
