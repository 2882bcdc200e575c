/**
 * One replica of a resource server fleet: Express with the bearer middleware in DPoP `required` mode,
 * its public URL fixed (the replicas sit behind one load balancer), and its replay store in Redis
 * (or in its own memory, to show what a fleet without a shared store lets through).
 * Usage: node --import tsx dpop-replica.ts <issuer> <audience> <redisUrl | "memory">
 * Prints `{ "url": ... }` once listening; exits on `exit` (or end of input) on stdin.
 */
import express from "express";
import type { AddressInfo } from "node:net";
import readline from "node:readline";
import { bearerAuth, bearerErrorHandler } from "../../../src/integrations/express.js";
import { RedisStorageProvider } from "../../../src/plugins/storage-redis/index.js";

const [issuer, audience, redisUrl] = process.argv.slice(2) as [string, string, string];
const replayStore = redisUrl === "memory" ? undefined : new RedisStorageProvider({ url: redisUrl, prefix: "dpop-fleet:" });
const app = express();
app.get("/things", bearerAuth({ issuers: [{ issuer, audience }], dpop: { mode: "required", publicBaseUrl: "https://api.example.test", ...(replayStore ? { replayStore } : {}) } }), (req, res) => {
  res.json({ sub: req.auth?.claims.sub, pid: process.pid });
});
app.use(bearerErrorHandler());
const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
const close = async () => {
  server.closeAllConnections();
  server.close();
  await replayStore?.close();
  process.exit(0);
};
readline.createInterface({ input: process.stdin }).on("line", (line) => line.trim() === "exit" && void close()).on("close", () => void close());
