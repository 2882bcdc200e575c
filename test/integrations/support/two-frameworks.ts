/**
 * One route table mounted on a real Express 5 and a real Fastify 5 server on 127.0.0.1, so every
 * middleware option is tested through both adapters with the same requests. Each route answers
 * `{ auth: { iss, sub, scopes } | null }`.
 */
import express, { type RequestHandler } from "express";
import Fastify, { type preHandlerAsyncHookHandler } from "fastify";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import * as ex from "../../../src/integrations/express.js";
import * as fa from "../../../src/integrations/fastify.js";
import type { BearerAuthOptions } from "../../../src/integrations/bearer.js";

type GuardName = "requireScopes" | "requireAnyScope" | "requireClaimEquals" | "requireClaimIncludes";
export type Guard = [GuardName, ...unknown[]];

export interface Route {
  path: string;
  options: BearerAuthOptions;
  method?: "GET" | "POST";
  guard?: Guard;
}

export interface Running {
  url: string;
  close(): Promise<void>;
}

export type Framework = "express" | "fastify";

function expressGuard([name, ...args]: Guard): RequestHandler {
  return (ex[name] as (...a: unknown[]) => RequestHandler)(...args);
}
function fastifyGuard([name, ...args]: Guard): preHandlerAsyncHookHandler {
  return (fa[name] as (...a: unknown[]) => preHandlerAsyncHookHandler)(...args);
}

const view = (auth: ex.BearerAuth | undefined) => ({ auth: auth ? { iss: auth.claims.iss, sub: auth.claims.sub, scopes: auth.scopes } : null });

/** Express with no error handler of its own (its final handler answers refusals) unless `errorHandler`. */
export async function startExpress(routes: Route[], options: { errorHandler?: boolean } = {}): Promise<Running> {
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  for (const r of routes) {
    const handlers: RequestHandler[] = [ex.bearerAuth(r.options)];
    if (r.guard) handlers.push(expressGuard(r.guard));
    const send: RequestHandler = (req, res) => void res.json(view(req.auth));
    if (r.method === "POST") app.post(r.path, ...handlers, send);
    else app.get(r.path, ...handlers, send);
  }
  if (options.errorHandler) app.use(ex.bearerErrorHandler());
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

/** Fastify with its default error handler; each route in its own context. */
export async function startFastify(routes: Route[]): Promise<Running> {
  const app = Fastify({ logger: false });
  // A form parser that keeps repeated fields (as @fastify/formbody does).
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_req, body, done) => {
    const form: Record<string, string | string[]> = {};
    for (const [k, v] of new URLSearchParams(body as string)) {
      const prev = form[k];
      form[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    done(null, form);
  });
  for (const r of routes) {
    await app.register(async (scope) => {
      await scope.register(fa.bearerAuth, r.options);
      const preHandler = r.guard ? fastifyGuard(r.guard) : undefined;
      scope.route({ method: r.method ?? "GET", url: r.path, ...(preHandler ? { preHandler } : {}), handler: async (request) => view(request.auth) });
    });
  }
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}

export function start(framework: Framework, routes: Route[]): Promise<Running> {
  return framework === "express" ? startExpress(routes) : startFastify(routes);
}

export interface Answer {
  status: number;
  headers: Headers;
  body: string;
}

/** A request with exact header lines (`rawHeaders` may repeat a name, which fetch would merge). */
export async function send(url: string, options: { method?: string; rawHeaders?: string[]; body?: string } = {}): Promise<Answer> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    // Node adds no Host header to an array of header lines; the server needs one.
    const headers = ["Host", new URL(url).host, ...(options.rawHeaders ?? [])];
    const req = request(url, { method: options.method ?? "GET", headers, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === "string") headers.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString() });
      });
    });
    req.on("timeout", () => req.destroy(new Error("timed out")));
    req.on("error", reject);
    req.end(options.body);
  });
}
