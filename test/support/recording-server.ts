/**
 * A 127.0.0.1 HTTP server that records every request (method, path, headers, body) before handing it
 * to the test's handler. Tests use pairs of them (an API and a "bucket" on another port) to see
 * where a credential arrives.
 */
import { afterEach } from "@jest/globals";
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RecordingServer {
  /** `http://127.0.0.1:<port>` */
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export type RecordingHandler = (req: RecordedRequest, res: http.ServerResponse) => void;

export async function startRecordingServer(handler: RecordingHandler): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      const recorded = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens (connections are refused). */
export async function refusedPortUrl(): Promise<string> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** Every recorded request's headers and body as one string, for "did the secret arrive" checks. */
export function everythingReceived(server: RecordingServer): string {
  return JSON.stringify(server.requests);
}

/**
 * `serve(handler)` for a test file: every server it starts is closed after each test.
 * Call it at the top level of the file.
 */
export function recordingServersClosedAfterEach(): (handler: RecordingHandler) => Promise<RecordingServer> {
  const servers: RecordingServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  return async (handler) => {
    const s = await startRecordingServer(handler);
    servers.push(s);
    return s;
  };
}
