/**
 * A tiny resource server on 127.0.0.1 for the integration tests: it checks the request's Bearer token
 * with the given check (local JWT validation or introspection) and answers 200 with the claims, or 401.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface EchoApi {
  url: string;
  /** Authorization headers seen, in order. */
  seen: string[];
  stop(): Promise<void>;
}

export async function startEchoApi(check: (token: string) => Promise<Record<string, unknown>>): Promise<EchoApi> {
  const seen: string[] = [];
  const server = http.createServer(async (req, res) => {
    const header = req.headers.authorization ?? "";
    seen.push(header);
    const m = /^Bearer (.+)$/.exec(header);
    let status = 401;
    let body: Record<string, unknown> = { error: "missing bearer token" };
    if (m) {
      try {
        const claims = await check(m[1]!);
        status = 200;
        body = { ok: true, sub: claims.sub ?? null, client_id: claims.client_id ?? null, x_planet_app: req.headers["x-planet-app"] ?? null };
      } catch (err) {
        body = { error: (err as Error).name };
      }
    }
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/echo`,
    seen,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Counts successful grants at an oidc-provider, by grant_type. */
export function grantCounter(provider: { on(event: string, fn: (ctx: any) => void): unknown }): Record<string, number> {
  const counts: Record<string, number> = {};
  provider.on("grant.success", (ctx: any) => {
    const g = String(ctx?.oidc?.params?.grant_type ?? "unknown");
    counts[g] = (counts[g] ?? 0) + 1;
  });
  return counts;
}
