/**
 * Plugins are typed values: a name, a version, and what they contribute.
 * `definePlugin` checks the manifest against `schemas/plugin-manifest.schema.json` plus the
 * function/class members a schema cannot see, and freezes it. Registration happens only when a
 * kernel `use`s the plugin — importing a plugin module has no side effects.
 */
import type { DependencyContainer } from "tsyringe";
import type { AuthClientConfigClass } from "./auth-client-config.js";
import type { AuthClientClass } from "./auth-client.js";
import type { KernelServices } from "./services.js";
import type { ObjectStorageProvider, StorageFormat } from "./storage-provider.js";
import { PluginException } from "./errors.js";
import { describeErrors } from "./config-validation.js";
import { shippedValidator } from "./schema-files.js";

export interface ConfigHint {
  configKey: string;
  configKeyName: string;
  configKeyDescription: string;
  configKeyDefault?: unknown;
}

export interface ClientTypeMetaInput {
  displayName: string;
  description: string;
  configHints?: ConfigHint[];
}

export interface ClientTypeContribution {
  /** The `client_type` string configs use to select this implementation. */
  clientType: string;
  /** JSON Schema (draft 2020-12, with `$id`) of the config dict. */
  schema: Record<string, unknown>;
  configClass: AuthClientConfigClass;
  clientClass: AuthClientClass;
  meta: ClientTypeMetaInput;
}

export interface StorageProviderContribution {
  name: string;
  create(services: KernelServices): ObjectStorageProvider;
}

export interface AuthPlugin {
  readonly name: string;
  readonly version: string;
  readonly clientTypes?: readonly ClientTypeContribution[];
  /** File formats for the default filesystem provider (e.g. SOPS for `*.sops.json`). */
  readonly storageFormats?: readonly StorageFormat[];
  /** Named storage providers, available as `kernel.storageProvider(name)`. */
  readonly storageProviders?: readonly StorageProviderContribution[];
  /** Register the plugin's own services in the kernel's container. */
  register?(container: DependencyContainer): void;
}

function isClass(value: unknown): boolean {
  return typeof value === "function";
}

/** Validate a plugin value and freeze it. Throws PluginException naming the plugin and every problem. */
export function definePlugin<P extends AuthPlugin>(plugin: P): Readonly<P> {
  const manifestValidator = shippedValidator("plugin-manifest.schema.json");
  const name = typeof plugin?.name === "string" ? plugin.name : "<unnamed>";
  const problems: string[] = [];
  if (!manifestValidator(plugin)) problems.push(...describeErrors(manifestValidator.errors ?? []));
  plugin?.clientTypes?.forEach((ct, i) => {
    if (!isClass(ct.configClass)) problems.push(`clientTypes.${i}.configClass: must be a class`);
    else if (ct.configClass.clientType !== ct.clientType) {
      problems.push(`clientTypes.${i}.configClass: its static clientType "${ct.configClass.clientType}" differs from "${ct.clientType}"`);
    }
    if (!isClass(ct.clientClass)) problems.push(`clientTypes.${i}.clientClass: must be a class`);
  });
  plugin?.storageFormats?.forEach((f, i) => {
    if (!f || typeof f.matches !== "function" || typeof f.decode !== "function" || typeof f.encode !== "function") {
      problems.push(`storageFormats.${i}: must have matches, decode and encode functions`);
    }
  });
  plugin?.storageProviders?.forEach((p, i) => {
    if (typeof p?.create !== "function") problems.push(`storageProviders.${i}.create: must be a function`);
  });
  if (plugin?.register !== undefined && typeof plugin.register !== "function") problems.push("register: must be a function");
  if (problems.length) throw new PluginException(`Invalid plugin "${name}": ${problems.join("; ")}`);
  return Object.freeze(plugin);
}
