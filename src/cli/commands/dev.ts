/**
 * `plauth dev issuer`: the embedded development OpenID Provider (planet-auth/devtools) on loopback
 * until stopped, with a ready-made client for each flow and the `plauth profile create` line that
 * makes a profile for it. A person signs in, or approves a device code, at the pages it serves.
 * oidc-provider (an optional peer dependency) is imported only when this command runs.
 */
import type { DevIssuer } from "../../devtools/index.js";
import { CliError, UsageError } from "../errors.js";
import { formatJson } from "../output.js";
import type { Handler } from "../program.js";
import type { PlauthRuntime } from "../runtime.js";

/** One ready-made client: what it is for, and the command line that makes a profile for it. */
interface DevClientLine {
  profile: string;
  title: string;
  client_type: string;
  client_id: string;
  /** Given on standard input (never on the command line, where other users could read it). */
  client_secret?: string;
  profile_create: string;
}

/** Quote a word for a POSIX shell when it needs it. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`);

function clientLines(op: DevIssuer, dpop: boolean): DevClientLine[] {
  const line = (profile: string, title: string, clientType: string, clientId: string, settings: Record<string, string>, secret?: string): DevClientLine => {
    const words = ["plauth", "profile", "create", profile, "--client-type", clientType, "--set", `auth_server=${op.issuer}`, "--set", `client_id=${clientId}`,
      ...Object.entries(settings).flatMap(([k, v]) => ["--set", `${k}=${v}`])];
    const command = words.map(shellWord).join(" ");
    return {
      profile, title, client_type: clientType, client_id: clientId, ...(secret ? { client_secret: secret } : {}),
      profile_create: secret ? `printf '%s\\n' ${shellWord(secret)} | ${command}` : command,
    };
  };
  const user = { scopes: "openid offline_access profile email" };
  const lines = [
    line("dev-service", "Client credentials (a service account; the secret is read from standard input)", "oidc_client_credentials_secret",
      op.clients.secretBasic.clientId, { scopes: "api:read api:write", audiences: op.apiAudience }, op.clients.secretBasic.clientSecret),
    line("dev-device", "Device code (approve the code at the issuer's /device page)", "oidc_device_code", op.clients.device.clientId, user),
    line("dev-browser", "Auth code + PKCE (sign in at the page your browser opens)", "oidc_auth_code", op.clients.publicApp.clientId,
      { ...user, local_redirect_uri: "http://127.0.0.1:0/callback" }),
  ];
  if (dpop) {
    lines.push(line("dev-dpop", "Device code with DPoP-bound tokens", "oidc_device_code", op.clients.device.clientId, { ...user, dpop: "true" }));
  }
  return lines;
}

/** Whether this build's OIDC configs take `dpop` (tokens bound to a key of the client). */
async function dpopAvailable(rt: PlauthRuntime): Promise<boolean> {
  const factory = await rt.factory();
  const properties = factory.kernel.clientType("oidc_device_code").schema.properties;
  return Boolean(properties && typeof properties === "object" && "dpop" in properties);
}

function port(value: unknown): number {
  const n = Number(value ?? 8765);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--port must be a port number (0-65535), not ${JSON.stringify(value)}`);
  return n;
}

/** Resolves on the first of the signals that end a session. */
function untilStopped(): Promise<NodeJS.Signals> {
  const signals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      for (const s of signals) process.off(s, stop);
      resolve(signal);
    };
    for (const s of signals) process.on(s, stop);
  });
}

export const issuer: Handler = async (rt, opts) => {
  const { startDevIssuer } = await import("../../devtools/index.js");
  const host = String(opts.host ?? "127.0.0.1");
  let op: DevIssuer;
  try {
    op = await startDevIssuer({ host, port: port(opts.port), signInPage: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CliError(`Port ${port(opts.port)} on ${host} is in use; choose another with --port (0: any free port)`);
    throw err;
  }
  try {
    const clients = clientLines(op, await dpopAvailable(rt));
    if (opts.json) {
      rt.io.out(formatJson({ issuer: op.issuer, account: op.accountId, device_page: `${op.issuer}/device`, clients }) + "\n");
    } else {
      const text = [
        `Development OpenID Provider at ${op.issuer} (loopback only; Ctrl-C stops it).`,
        `Sign-ins are as "${op.accountId}" on the page the issuer serves; device codes are entered at ${op.issuer}/device.`,
        "",
        "Ready-made clients; make a profile for one, then log in with it (plauth --auth-profile <profile> login):",
        ...clients.flatMap((c) => ["", `${c.title}:`, `  ${c.profile_create}`]),
        "",
      ];
      rt.io.out(text.join("\n") + "\n");
    }
    await untilStopped();
  } finally {
    await op.stop();
  }
  rt.io.err("Development issuer stopped.\n");
};
