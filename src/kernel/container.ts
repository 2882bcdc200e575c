/**
 * The kernel's dependency-injection vocabulary: providers (how a token's value is made, and how
 * long it lives), the resolver handed to factories, and the registry plugins provide services
 * through. Each kernel owns one tsyringe container that has no parent, so nothing registered on
 * tsyringe's global `container` (by an application or a `@singleton()` decorator) is seen by a kernel.
 */
import type { DependencyContainer, FactoryProvider, ValueProvider } from "tsyringe";
import { tsyringeContainerClass } from "./tsyringe-root.js";
import type { Token } from "./tokens.js";

/** Releases something a service opened (a connection, a listener, a timer). */
export type Disposer = () => void | Promise<void>;

/** Resolves services from one kernel, and ties what they open to the kernel's lifetime. */
export interface ServiceResolver {
  /** The value registered for `token`; throws when nothing is registered. */
  resolve<T>(token: Token<T>): T;
  /** Whether anything is registered for `token`. */
  isProvided(token: Token<unknown>): boolean;
  /**
   * Run `disposer` when the kernel closes (`await kernel.close()`), after the disposers registered
   * later (last in, first out). A factory or storage provider that opens a connection registers its
   * closing here when it opens it, so a process that closes its kernel can exit. Throws once the
   * kernel is closed (what would be opened then could never be closed).
   */
  onClose(disposer: Disposer): void;
}

/**
 * How long a built service lives: `"kernel"` = built on first use, then one per kernel (the default);
 * `"transient"` = built again on every resolve.
 */
export type ServiceLifecycle = "kernel" | "transient";

/** How a token's value is made. Factories and classes receive the resolver of the kernel they belong to. */
export type ServiceProvider<T> =
  | { useValue: T }
  | {
      /** Builds the value; receives the resolver of the kernel it belongs to. */
      useFactory: (services: ServiceResolver) => T;
      lifecycle?: ServiceLifecycle;
    }
  | {
      /** The class to construct. */
      useClass: {
        /** Constructed with the resolver of the kernel the service belongs to. */
        new (services: ServiceResolver): T;
      };
      lifecycle?: ServiceLifecycle;
    };

/** What a plugin's `register` hook receives: a way to provide its own services in the kernel's container. */
export interface ServiceRegistry {
  /**
   * Provide the default for a token. A host application's override of the same token
   * (`kernel.provide` / `kernel.register`) wins, whether it was made before or after the plugin was registered.
   */
  provide<T>(token: Token<T>, provider: ServiceProvider<T>): void;
}

/** A tsyringe container with no parent: nothing registered on tsyringe's global container reaches it. */
export function createIsolatedContainer(): DependencyContainer {
  const Container = tsyringeContainerClass();
  return new Container();
}

/** Build on first use, then return that instance (tsyringe's `instanceCachingFactory`, without loading its module). */
function cachedOnce<T>(build: () => T): () => T {
  let built: { value: T } | undefined;
  return () => (built ??= { value: build() }).value;
}

/**
 * A provider bound to the kernel that owns it: a value, or a function that makes the value ("kernel"
 * lifecycle: built on first use, then that instance). The kernel resolves through bindings until its
 * tsyringe container is first asked for; from then on the container holds the same bindings, so an
 * instance built before is the one the container returns.
 */
export type Binding<T> = { readonly useValue: T } | { readonly useFactory: () => T };

export function bindProvider<T>(provider: ServiceProvider<T>, resolver: ServiceResolver): Binding<T> {
  if ("useValue" in provider) return { useValue: provider.useValue };
  const build = "useFactory" in provider ? () => provider.useFactory(resolver) : () => new provider.useClass(resolver);
  return { useFactory: provider.lifecycle === "transient" ? build : cachedOnce(build) };
}

export function resolveBinding<T>(binding: Binding<T>): T {
  return "useValue" in binding ? binding.useValue : binding.useFactory();
}

/** Register a binding in a tsyringe container (a value, or a factory that ignores the container it is given). */
export function registerBinding<T>(container: DependencyContainer, token: Token<T>, binding: Binding<T>): void {
  if ("useValue" in binding) {
    const value: ValueProvider<T> = { useValue: binding.useValue };
    container.register<T>(token, value);
    return;
  }
  const factory: FactoryProvider<T> = { useFactory: () => binding.useFactory() };
  container.register<T>(token, factory);
}

/** Check a provider value given at run time (plugins may be plain JavaScript). */
export function isServiceProvider(value: unknown): value is ServiceProvider<unknown> {
  if (!value || typeof value !== "object") return false;
  const p = value as Record<string, unknown>;
  const kinds = ["useValue", "useFactory", "useClass"].filter((k) => k in p);
  if (kinds.length !== 1) return false;
  if (kinds[0] !== "useValue" && typeof p[kinds[0]!] !== "function") return false;
  return p.lifecycle === undefined || p.lifecycle === "kernel" || p.lifecycle === "transient";
}
