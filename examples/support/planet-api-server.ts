/**
 * A stand-in for Planet's services on 127.0.0.1: a legacy login endpoint (`POST /v0/auth/login`,
 * JSON email/password → a JWT carrying `api_key`) and an echo API (`GET /echo`) that reports the
 * headers it received. Used by tests and the demo.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface PlanetApiServer {
  baseUrl: string;
  loginUrl: string;
  echoUrl: string;
  /** Login attempts seen (email only). */
  logins: string[];
  close(): Promise<void>;
}

function unsignedJwt(claims: Record<string, unknown>): string {
  const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  // The legacy endpoint's JWT is signed with a key clients never have; clients decode it unverified.
  return `${enc({ alg: "HS256", typ: "JWT" })}.${enc(claims)}.${Buffer.from("server-signature").toString("base64url")}`;
}

export async function startPlanetApiServer(users: Record<string, { password: string; apiKey: string }>): Promise<PlanetApiServer> {
  const logins: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const send = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "POST" && req.url === "/v0/auth/login") {
        let body: { email?: string; password?: string } = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        } catch {
          return send(400, { message: "bad json" });
        }
        logins.push(String(body.email));
        const user = users[String(body.email)];
        if (!user || user.password !== body.password) return send(401, { message: "invalid credentials" });
        return send(200, { token: unsignedJwt({ api_key: user.apiKey, user_name: body.email }) });
      }
      if (req.method === "GET" && req.url?.startsWith("/echo")) {
        return send(200, { method: req.method, headers: req.headers });
      }
      send(404, { message: "not found" });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl,
    loginUrl: `${baseUrl}/v0/auth/login`,
    echoUrl: `${baseUrl}/echo`,
    logins,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
