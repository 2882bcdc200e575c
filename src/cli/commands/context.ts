/** Getting the auth context a command needs, and checking it is of the right kind. */
import type { Auth } from "../../kernel/index.js";
import { CliError } from "../errors.js";
import type { PlauthRuntime } from "../runtime.js";

/** The context selected by the root options (`--auth-profile`, its variable, then the factory's order). */
export function rootContext(rt: PlauthRuntime, opts: Record<string, unknown>): Promise<Auth> {
  return rt.context({ authProfileOpt: (opts.authProfile as string | undefined) ?? null });
}

export async function oauthContext(rt: PlauthRuntime, opts: Record<string, unknown>): Promise<Auth> {
  const auth = await rootContext(rt, opts);
  const clientType = auth.authClient().config().clientType();
  if (!clientType.startsWith("oidc_")) {
    throw new CliError(`OAuth commands need an OAuth profile; profile "${auth.profileName()}" has client_type ${clientType}`);
  }
  return auth;
}

/** Repeatable options (and their whitespace-separated variables) as one list. */
export function splitValues(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((v) => String(v).split(/\s+/)).filter(Boolean);
}
