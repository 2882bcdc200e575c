/**
 * `plauth jwt …`: decode without verification; validate against the token's own issuer (debugging
 * only); validate with a key the user holds (RS256 public key, HS512 shared secret). jose is loaded
 * only by the commands that verify.
 */
import type { KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { CliError, UsageError } from "../errors.js";
import { formatJson, formatJwtDump, humanize, jwtParts, type JwtParts } from "../output.js";
import { plauthOptions, type Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";
import { splitValues } from "./context.js";

/** The token: `--token`, `--token-file` (read before the command runs) or their variables. */
async function tokenFrom(opts: Record<string, unknown>): Promise<string> {
  if (opts.token) return String(opts.token).trim();
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

/** The file's text; a missing or unreadable file is named with the option that gave it. */
async function readOptionFile(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new CliError(`Cannot read the ${option} file ${file}: ${(err as NodeJS.ErrnoException).code ?? "read error"}`);
  }
}

/** An RSA public key from a PEM (public key, certificate or private key) or a JWK file. */
async function rsaPublicKey(file: string): Promise<KeyObject> {
  const text = await readOptionFile(file, "--key-file");
  const { createPublicKey } = await import("node:crypto");
  let key: KeyObject;
  try {
    const trimmed = text.trim();
    key = trimmed.startsWith("{") ? createPublicKey({ key: JSON.parse(trimmed), format: "jwk" }) : createPublicKey(trimmed);
  } catch {
    // No cause or parser text: the file may be a private key.
    throw new CliError(`The key file ${file} holds no usable public key (expected a PEM public key, certificate or JWK)`);
  }
  if (key.asymmetricKeyType !== "rsa") throw new CliError(`The key file ${file} holds a ${key.asymmetricKeyType} key; RS256 needs an RSA key`);
  return key;
}

/** The HS512 secret: `--secret-file`, else the variable; never an argument (argv is visible to other users). */
async function sharedSecret(rt: PlauthRuntime, opts: Record<string, unknown>): Promise<Uint8Array> {
  const variable = plauthOptions(rt.namespace).envName("PL_AUTH_HS512_SECRET");
  const secret = opts.secretFile ? (await readOptionFile(String(opts.secretFile), "--secret-file")).replace(/\r?\n$/, "") : rt.env[variable];
  if (!secret) throw new UsageError(`A shared secret must be provided with --secret-file or ${variable}.`);
  return new TextEncoder().encode(secret);
}

/** Why jose rejected the token, in words that quote neither the token nor the key. */
function rejection(err: unknown, alg: string): CliError {
  const e = err as { code?: string; claim?: string; reason?: string; message?: string };
  const reasons: Record<string, string> = {
    ERR_JWT_EXPIRED: "the token has expired",
    ERR_JWS_SIGNATURE_VERIFICATION_FAILED: "the signature does not verify with the given key",
    ERR_JOSE_ALG_NOT_ALLOWED: `the token is not signed with ${alg}`,
    ERR_JWS_INVALID: "the token is not a signed JWT (JWS compact form)",
    ERR_JWT_INVALID: "the token's claims are not a JSON object",
  };
  let reason = e.code ? reasons[e.code] : undefined;
  if (!reason && e.code === "ERR_JWT_CLAIM_VALIDATION_FAILED") {
    reason = e.claim === "nbf" ? "the token is not valid yet (nbf)" : `the "${e.claim}" claim is ${e.reason === "missing" ? "missing" : "not the expected value"}`;
  }
  return new CliError(`Token validation failed: ${reason ?? "the token is malformed"}`);
}

/** Verify with jose, the algorithm pinned and `exp` required, then print like `jwt validate-oauth`. */
async function validateWith(rt: PlauthRuntime, opts: Record<string, unknown>, alg: "RS256" | "HS512", key: KeyObject | Uint8Array): Promise<void> {
  const token = await tokenFrom(opts);
  const { jwtVerify } = await import("jose");
  const audiences = splitValues(opts.audience);
  let verified: Awaited<ReturnType<typeof jwtVerify>>;
  try {
    verified = await jwtVerify(token, key, {
      algorithms: [alg],
      issuer: (opts.issuer as string | undefined) || undefined,
      audience: audiences.length ? audiences : undefined,
      requiredClaims: ["exp"],
    });
  } catch (err) {
    throw rejection(err, alg);
  }
  if (!opts.json) rt.io.out("TOKEN OK\n");
  const parts = { ...jwtParts(token), header: verified.protectedHeader as Record<string, unknown>, body: verified.payload as Record<string, unknown> };
  printParts(rt, parts, opts, opts.json ? undefined : "JWT Decoding (validated)");
}

export const validateRs256: Handler = async (rt, opts) => {
  if (!opts.keyFile) throw new UsageError("A public key must be provided with --key-file.");
  await validateWith(rt, opts, "RS256", await rsaPublicKey(String(opts.keyFile)));
};

export const validateHs512: Handler = async (rt, opts) => {
  await validateWith(rt, opts, "HS512", await sharedSecret(rt, opts));
};
