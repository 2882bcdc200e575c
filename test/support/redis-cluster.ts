/**
 * Local Redis deployments for tests, from the Debian redis-server: a Redis Cluster of 3 masters with
 * one replica each (`--cluster-enabled yes`, created with `redis-cli --cluster create`), and a
 * master + replica watched by one Sentinel (`redis-server --sentinel`). Loopback only, random
 * ports, temp dirs, no persistence; `cleanup()` kills every process it started.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import fs from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";
import { freePort } from "./redis-server.js";
import { makeTempDir } from "./temp-dir.js";

const run = promisify(execFile);

/** redis-cli against one local server; the reply as text. */
export async function redisCli(port: number, ...args: string[]): Promise<string> {
  const { stdout } = await run("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 10_000 });
  return stdout.trim();
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Processes {
  dir: string;
  start(args: string[], readyLine?: string): Promise<ChildProcess>;
  cleanup(): Promise<void>;
}

async function processes(prefix: string): Promise<Processes> {
  const temp = await makeTempDir(prefix);
  const started: ChildProcess[] = [];
  // Also when the test runner exits without cleaning up (a timeout, a crash): no server outlives it.
  const killAll = () => started.forEach((p) => p.exitCode === null && p.signalCode === null && p.kill("SIGKILL"));
  process.once("exit", killAll);
  return {
    dir: temp.dir,
    async start(args, readyLine = "Ready to accept connections") {
      const proc = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"], cwd: temp.dir });
      started.push(proc);
      let out = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out.slice(-500)}`)), 10_000);
        proc.stdout!.on("data", (d: Buffer) => {
          out += d.toString();
          if (out.includes(readyLine)) {
            clearTimeout(timer);
            resolve();
          }
        });
        proc.once("exit", (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited (${code}): ${out.slice(-500)}`));
        });
      });
      proc.stdout!.resume();
      return proc;
    },
    async cleanup() {
      process.off("exit", killAll);
      await Promise.all(started.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = once(p, "exit");
        p.kill("SIGKILL");
        await exited;
      }));
      await temp.cleanup();
    },
  };
}

const NO_PERSISTENCE = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];

interface ClusterNode {
  id: string;
  port: number;
  flags: string[];
  /** The master's id, for a replica. */
  masterId: string | undefined;
  link: string;
}

/** `CLUSTER NODES` as the node on `port` sees the cluster. */
async function clusterNodes(port: number): Promise<ClusterNode[]> {
  return (await redisCli(port, "cluster", "nodes")).split("\n").filter(Boolean).map((line) => {
    const f = line.split(" ");
    return { id: f[0]!, port: Number(f[1]!.split(":")[1]!.split("@")[0]), flags: f[2]!.split(","), masterId: f[3] === "-" ? undefined : f[3], link: f[7]! };
  });
}

/** The port of the master serving `slot`, as the node on `askPort` sees the cluster. */
async function masterOfSlot(askPort: number, slot: number): Promise<number> {
  const nodes = (await redisCli(askPort, "cluster", "nodes")).split("\n").map((l) => l.split(" "));
  for (const f of nodes) {
    if (!f[2]!.includes("master") || f[2]!.includes("fail")) continue;
    for (const range of f.slice(8)) {
      const [lo, hi = lo] = range.split("-").map(Number);
      if (slot >= lo! && slot <= hi!) return Number(f[1]!.split(":")[1]!.split("@")[0]);
    }
  }
  throw new Error(`no master serves slot ${slot}`);
}

export interface TestRedisCluster {
  /** One node's URL (`redis://127.0.0.1:<port>`): a seed for the cluster client. */
  url: string;
  ports: number[];
  /** The port of the master serving `key`'s slot. */
  masterOf(key: string): Promise<number>;
  /** A coordinated failover: the replica of the master on `masterPort` takes over; resolves when the cluster agrees. */
  failover(masterPort: number): Promise<number>;
  /**
   * A forced failover: the master on `masterPort` is killed (SIGKILL), `whileDown` runs, and this
   * resolves when another node serves `key`'s slot.
   */
  crash(masterPort: number, key: string, whileDown?: () => void): Promise<number>;
  /** The master on `masterPort` has a replica whose link is up. */
  hasReplica(masterPort: number): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function startRedisCluster(): Promise<TestRedisCluster> {
  const procs = await processes("planet-auth-redis-cluster-");
  try {
    const ports = await Promise.all(Array.from({ length: 6 }, freePort));
    const busPorts = await Promise.all(ports.map(freePort));
    const servers = await Promise.all(ports.map((port, i) =>
      procs.start([
        "--port", String(port), ...NO_PERSISTENCE, "--dir", procs.dir,
        "--cluster-enabled", "yes", "--cluster-config-file", `nodes-${port}.conf`, "--cluster-port", String(busPorts[i]),
        "--cluster-node-timeout", "2000",
      ]),
    ));
    await run("redis-cli", ["--cluster", "create", ...ports.map((p) => `127.0.0.1:${p}`), "--cluster-replicas", "1", "--cluster-yes"], { timeout: 30_000 });
    // Ready when every node says ok and sees three masters, each with a replica that has synced: a
    // failover test needs the replica in place (redis-cli --cluster create attaches them asynchronously).
    await waitFor("the cluster to be ready, every master with a synced replica", async () => {
      const states = await Promise.all(ports.map((p) => redisCli(p, "cluster", "info")));
      if (!states.every((s) => s.includes("cluster_state:ok"))) return false;
      const views = await Promise.all(ports.map(async (p) => clusterNodes(p)));
      const complete = views.every((nodes) => {
        const masters = nodes.filter((f) => f.flags.includes("master") && !f.flags.includes("fail"));
        return masters.length === 3 && masters.every((m) => nodes.some((f) => f.flags.includes("slave") && f.masterId === m.id && f.link === "connected"));
      });
      if (!complete) return false;
      const roles = await Promise.all(ports.map((p) => redisCli(p, "info", "replication")));
      return roles.filter((r) => r.includes("role:slave")).every((r) => r.includes("master_link_status:up") && r.includes("master_sync_in_progress:0"));
    }, 40_000);
    const masterOf = async (key: string) => masterOfSlot(ports[0]!, Number(await redisCli(ports[0]!, "cluster", "keyslot", key)));
    return {
      url: `redis://127.0.0.1:${ports[0]}`,
      ports,
      masterOf,
      async failover(masterPort) {
        const nodes = await clusterNodes(masterPort);
        const masterId = nodes.find((f) => f.flags.includes("myself"))!.id;
        const replica = nodes.find((f) => f.masterId === masterId);
        if (!replica) throw new Error(`the master on port ${masterPort} has no replica`);
        const replicaPort = replica.port;
        await redisCli(replicaPort, "cluster", "failover");
        await waitFor("the failover", async () => (await redisCli(replicaPort, "role")).startsWith("master"));
        await waitFor("the cluster to agree on the failover", async () => {
          const views = await Promise.all(ports.map((p) => redisCli(p, "cluster", "nodes")));
          return views.every((v) => v.split("\n").some((l) => l.includes(`:${replicaPort}@`) && l.includes("master")));
        });
        return replicaPort;
      },
      async crash(masterPort, key, whileDown) {
        const server = servers[ports.indexOf(masterPort)]!;
        const exited = once(server, "exit");
        server.kill("SIGKILL");
        await exited;
        whileDown?.();
        const live = ports.find((p) => p !== masterPort)!;
        let promoted = masterPort;
        await waitFor("a replica to take over the crashed master's slots", async () => {
          const slot = Number(await redisCli(live, "cluster", "keyslot", key));
          const owner = await masterOfSlot(live, slot).catch(() => masterPort);
          promoted = owner;
          return owner !== masterPort && (await redisCli(live, "cluster", "info")).includes("cluster_state:ok");
        });
        return promoted;
      },
      async hasReplica(masterPort) {
        const nodes = await clusterNodes(masterPort);
        const self = nodes.find((f) => f.flags.includes("myself"))!;
        return nodes.some((f) => f.masterId === self.id && f.link === "connected" && !f.flags.includes("fail"));
      },
      cleanup: () => procs.cleanup(),
    };
  } catch (err) {
    await procs.cleanup();
    throw err;
  }
}

export interface TestRedisSentinel {
  /** The Sentinel's URL (`redis://127.0.0.1:<port>`). */
  url: string;
  masterName: string;
  masterPort(): Promise<number>;
  /** `SENTINEL FAILOVER`: the replica is promoted; resolves when the Sentinel names it and the old master has become its replica. */
  failover(): Promise<number>;
  cleanup(): Promise<void>;
}

export async function startRedisSentinel(): Promise<TestRedisSentinel> {
  const procs = await processes("planet-auth-redis-sentinel-");
  try {
    const [master, replica, sentinel] = await Promise.all([freePort(), freePort(), freePort()]);
    await procs.start(["--port", String(master), ...NO_PERSISTENCE, "--dir", procs.dir]);
    await procs.start(["--port", String(replica), ...NO_PERSISTENCE, "--dir", procs.dir, "--replicaof", "127.0.0.1", String(master)]);
    await waitFor("the replica to sync", async () => (await redisCli(replica, "info", "replication")).includes("master_link_status:up"));
    const conf = path.join(procs.dir, "sentinel.conf");
    await fs.writeFile(conf, [
      `port ${sentinel}`, "bind 127.0.0.1", `dir ${procs.dir}`,
      `sentinel monitor planet ${"127.0.0.1"} ${master} 1`,
      "sentinel down-after-milliseconds planet 1000",
      "sentinel failover-timeout planet 5000",
      "",
    ].join("\n"));
    await procs.start([conf, "--sentinel"], "+monitor master planet");
    const masterPort = async () => Number((await redisCli(sentinel, "sentinel", "get-master-addr-by-name", "planet")).split("\n")[1]);
    await waitFor("the sentinel to see the replica", async () => (await redisCli(sentinel, "sentinel", "replicas", "planet")).includes(String(replica)));
    return {
      url: `redis://127.0.0.1:${sentinel}`,
      masterName: "planet",
      masterPort,
      async failover() {
        const before = await masterPort();
        // Refused (NOGOODSLAVE) until the Sentinel has heard from the replica recently: ask until it starts one.
        await waitFor("the sentinel to start a failover", async () => {
          const reply = await redisCli(sentinel, "sentinel", "failover", "planet");
          return reply.startsWith("OK") || reply.startsWith("INPROG");
        });
        await waitFor("the sentinel failover", async () => (await masterPort()) !== before && (await redisCli(await masterPort(), "role")).startsWith("master"));
        await waitFor("the old master to become a replica", async () => (await redisCli(before, "role")).startsWith("slave"));
        return masterPort();
      },
      cleanup: () => procs.cleanup(),
    };
  } catch (err) {
    await procs.cleanup();
    throw err;
  }
}
