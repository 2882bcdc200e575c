/**
 * oidc-provider is an optional peer dependency, loaded only here (never by the main entry). Also the
 * two workarounds it needs in a test process: its start-up notices are muted, and it is constructed
 * with a realm-local `structuredClone`.
 */
import type * as OidcProviderModule from "oidc-provider";
import { DevtoolsException } from "./errors.js";

export type OidcProviderExports = typeof OidcProviderModule;
export type ProviderImporter = () => Promise<OidcProviderExports>;

const importOidcProvider: ProviderImporter = () => import("oidc-provider");
let loaded: Promise<OidcProviderExports> | undefined;

function isModuleNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}

/** Import oidc-provider once; when it is not installed, say which package to add. */
export function loadOidcProvider(importer: ProviderImporter = importOidcProvider): Promise<OidcProviderExports> {
  const attempt = importer === importOidcProvider ? (loaded ??= importer()) : importer();
  return attempt.catch((err: unknown) => {
    if (importer === importOidcProvider) loaded = undefined;
    if (isModuleNotFound(err)) {
      throw new DevtoolsException(
        'planet-auth/devtools needs the optional peer dependency "oidc-provider" (9.x): install it as a dev dependency (npm install --save-dev oidc-provider)',
        { cause: err },
      );
    }
    throw err;
  });
}

/**
 * oidc-provider prints notices ("Unsupported runtime" on Node 20, "you SHOULD change…" the first time
 * a default is used) through console.info/warn. While any development issuer runs, those lines are
 * dropped; everything else passes through. Reference-counted so several issuers may run at once.
 */
let muteCount = 0;
let restoreConsole: (() => void) | undefined;
export function muteProviderNotices(): () => void {
  if (muteCount++ === 0) {
    const { warn, info } = console;
    const isNotice = (args: unknown[]) => typeof args[0] === "string" && args[0].startsWith("oidc-provider ");
    console.warn = (...args: unknown[]) => void (isNotice(args) || warn(...args));
    console.info = (...args: unknown[]) => void (isNotice(args) || info(...args));
    restoreConsole = () => {
      console.warn = warn;
      console.info = info;
    };
  }
  let done = false;
  return () => {
    if (done) return;
    done = true;
    if (--muteCount === 0) restoreConsole?.();
  };
}

/**
 * Run `fn` with a realm-local `structuredClone`: under jest's vm modules the native one returns objects
 * of the outer realm, which oidc-provider's `constructor === Object` checks reject (e.g. a client's
 * `jwks` is then "invalid").
 */
export async function withRealmLocalClone<T>(fn: () => T | Promise<T>): Promise<T> {
  const clone = globalThis.structuredClone;
  globalThis.structuredClone = ((v: unknown) => (v === undefined ? v : JSON.parse(JSON.stringify(v)))) as typeof structuredClone;
  try {
    return await fn();
  } finally {
    globalThis.structuredClone = clone;
  }
}
