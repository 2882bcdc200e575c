/** `plauth jwt …`: decode without verification; validate against the token's own issuer (debugging only). */
import { readFile } from "node:fs/promises";
import { UsageError } from "../errors.js";
import { formatJson, formatJwtDump, humanize, jwtParts, type JwtParts } from "../output.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { splitValues } from "./context.js";

async function tokenFrom(opts: Record<string, unknown>): Promise<string> {
  if (opts.token) return String(opts.token).trim();
  if (opts.tokenFile) return (await readFile(String(opts.tokenFile), "utf8")).trim();
  throw new UsageError("A token must be provided.");
}

function printParts(rt: PlauthRuntime, parts: JwtParts, opts: Record<string, unknown>, title?: string): void {
  if (opts.json) {
    const show = (v: unknown) => (opts.humanReadable ? humanize(v) : v);
    rt.io.out(formatJson({ raw: parts.raw, header: show(parts.header), body: show(parts.body), signature: parts.signature }) + "\n");
  } else rt.io.out(formatJwtDump(parts, { humanReadable: Boolean(opts.humanReadable), title }));
}

export const decode: Handler = async (rt, opts) => {
  printParts(rt, jwtParts(await tokenFrom(opts)), opts);
};

export const validateOauth: Handler = async (rt, opts) => {
  const token = await tokenFrom(opts);
  const parts = jwtParts(token);
  const issuer = (opts.issuer as string | undefined) ?? (parts.body?.iss as string | undefined);
  if (!issuer) throw new UsageError("The token has no issuer (iss) claim; pass --issuer");
  const aud = parts.body?.aud;
  const audience = splitValues(opts.audience)[0] ?? (Array.isArray(aud) ? (aud[0] as string | undefined) : (aud as string | undefined));
  if (!audience) throw new UsageError("The token has no audience (aud) claim; pass --audience");
  if (!opts.issuer) {
    rt.io.err(`WARNING: trusting the token's own issuer ${issuer}: this fetches keys from wherever the token says. Use --issuer outside of debugging.\n`);
  }
  const factory = await rt.factory();
  const { OidcMultiIssuerValidator } = await import("../../plugins/oidc/index.js");
  const validator = await OidcMultiIssuerValidator.fromAuthServerUrls([issuer], { audience, kernel: factory.kernel, logResult: false });
  const [body] = await validator.validateAccessToken(token);
  if (!opts.json) rt.io.out("TOKEN OK\n");
  printParts(rt, { ...parts, body: body as Record<string, unknown> }, opts, opts.json ? undefined : "JWT Decoding (validated)");
};
