import { isIP } from "node:net";
import { DevtoolsException } from "./errors.js";

/**
 * The development issuer serves well-known test secrets and approves every login: it must never be
 * reachable from another machine. Only loopback hosts are accepted (127.0.0.0/8, ::1, localhost).
 */
export function loopbackHost(host: string): { bind: string; urlHost: string } {
  const h = host.trim().toLowerCase();
  if (h === "localhost") return { bind: "127.0.0.1", urlHost: "localhost" };
  if (h === "::1" || h === "[::1]") return { bind: "::1", urlHost: "[::1]" };
  if (isIP(h) === 4 && h.startsWith("127.")) return { bind: h, urlHost: h };
  throw new DevtoolsException(`The development issuer binds to loopback only (127.0.0.0/8, ::1, localhost); refusing host ${JSON.stringify(host)}`);
}
