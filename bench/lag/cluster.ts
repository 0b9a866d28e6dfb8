/**
 * A throwaway KRaft cluster for bench:lag at scales one broker cannot hold (`--brokers N`): one dedicated
 * controller and N brokers started from the stack's jars on their own ports, with their own data under a temp
 * dir. Never touches the shared stack's broker. Stopped and deleted by the caller's cleanup.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { formatKafkaStorage, kafkaClusterId, kafkaServerArgs } from "../../scripts/kafka-node.mjs";
import { sleep } from "../common/processes";
import type { Log } from "../common/stats";

const HOST = "127.0.0.1";
const JAVA = process.env.STACK_JAVA || "java";
export const KAFKA_CLASSPATH = process.env.KAFKA_CLASSPATH ?? ".stack/lib/kafka/*";
// WARN and above only: at INFO a broker logs several lines per partition it creates.
const LOG4J = path.resolve("stack/kafka/log4j2-tools.properties");
const CONTROLLER_ID = 100;
const OFFSETS_PARTITIONS = 10;
/** Share of the open-files limit a broker's partitions may take (sockets, jars and segments rolled need the rest). */
const FILE_BUDGET = 0.7;
const STOP_GRACE_MS = 20_000;

export interface ClusterOptions {
  brokers: number;
  /** The controller listens on basePort, broker i on basePort + 1 + i. */
  basePort: number;
  partitions: number;
  brokerHeap: string;
}

export interface BenchCluster {
  bootstrap: string[];
  dir: string;
  /** Leaders per broker id, from metadata. */
  leaders: () => Promise<Map<number, number>>;
  stop: () => Promise<void>;
}

interface Node {
  id: number;
  role: "controller" | "broker";
  port: number;
  dir: string;
  logFile: string;
  child?: ChildProcess;
}

function hardLimit(name: string): number {
  const line = readFileSync("/proc/self/limits", "utf8")
    .split("\n")
    .find((l) => l.startsWith(name));
  const hard = line?.slice(26).trim().split(/\s+/)[1];
  return hard === undefined || hard === "unlimited" ? Number.POSITIVE_INFINITY : Number(hard);
}

function maxMapCount(): number {
  try {
    return Number(readFileSync("/proc/sys/vm/max_map_count", "utf8").trim());
  } catch {
    return Number.POSITIVE_INFINITY; // not Linux
  }
}

export interface BrokerBudget {
  perBroker: number;
  fileBudget: number;
  mapsNeeded: number;
  /** Why the cluster would not hold the partitions, or null. */
  problem: string | null;
}

/**
 * Each partition a broker leads holds an open segment file and maps two index files: the partitions a broker gets
 * must fit its open-files limit (with room for sockets and jars) and the kernel's memory map limit.
 */
export function brokerBudget(partitions: number, brokers: number, openFiles: number, maxMaps: number): BrokerBudget {
  const perBroker = Math.ceil(partitions / brokers) + OFFSETS_PARTITIONS;
  const fileBudget = Math.floor(openFiles * FILE_BUDGET);
  const mapsNeeded = 2 * perBroker + 10_000; // + the JVM's own maps (heap, jars, threads)
  let problem: string | null = null;
  if (perBroker > fileBudget) {
    const enough = Math.ceil(partitions / (fileBudget - OFFSETS_PARTITIONS));
    problem = `~${perBroker} partitions a broker is more than ${FILE_BUDGET * 100} % of the open-files limit (${openFiles}): use --brokers ${enough} or more, or raise \`ulimit -n\``;
  } else if (maxMaps < mapsNeeded) {
    problem = `vm.max_map_count is ${maxMaps}, a broker needs ~${mapsNeeded}: raise it with \`sudo sysctl -w vm.max_map_count=262144\` (or use more --brokers)`;
  }
  return { perBroker, fileBudget, mapsNeeded, problem };
}

/** Checks the budget against this machine's limits (the brokers inherit this process's open-files limit). */
function checkBrokerBudget(partitions: number, brokers: number, log: Log): void {
  const files = hardLimit("Max open files");
  const maps = maxMapCount();
  const budget = brokerBudget(partitions, brokers, files, maps);
  log(
    `broker budget: ~${budget.perBroker} partitions a broker (${brokers} broker${brokers > 1 ? "s" : ""}); open files hard limit ${files}` +
      ` (budget ${budget.fileBudget}); vm.max_map_count ${maps} (needs ~${budget.mapsNeeded})`,
  );
  if (budget.problem) throw new Error(budget.problem);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: HOST, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function properties(node: Node, controllerPort: number): string {
  const common = [
    `node.id=${node.id}`,
    `controller.quorum.voters=${CONTROLLER_ID}@${HOST}:${controllerPort}`,
    "controller.listener.names=CONTROLLER",
    `log.dirs=${path.join(node.dir, "data")}`,
  ];
  if (node.role === "controller") {
    return [...common, "process.roles=controller", `listeners=CONTROLLER://${HOST}:${node.port}`, "listener.security.protocol.map=CONTROLLER:PLAINTEXT", ""].join("\n");
  }
  return [
    ...common,
    "process.roles=broker",
    `listeners=PLAINTEXT://${HOST}:${node.port}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${node.port}`,
    "inter.broker.listener.name=PLAINTEXT",
    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
    "auto.create.topics.enable=false",
    "default.replication.factor=1",
    "min.insync.replicas=1",
    "offsets.topic.replication.factor=1",
    `offsets.topic.num.partitions=${OFFSETS_PARTITIONS}`,
    "transaction.state.log.replication.factor=1",
    "transaction.state.log.min.isr=1",
    "share.coordinator.state.topic.replication.factor=1",
    "share.coordinator.state.topic.min.isr=1",
    "group.initial.rebalance.delay.ms=0",
    "num.network.threads=2",
    "num.io.threads=4",
    "num.recovery.threads.per.data.dir=1",
    "",
  ].join("\n");
}

function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

async function stopNode(node: Node, log: Log): Promise<void> {
  const child = node.child;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const graceful = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!graceful) {
    log(`${node.role} ${node.id} (pid ${child.pid}) still running after ${STOP_GRACE_MS / 1000} s: SIGKILL`);
    child.kill("SIGKILL");
    await exited;
  }
}

/** Starts the controller and the brokers, waits until every broker is registered; stops what started on failure. */
export async function startBenchCluster(options: ClusterOptions, log: Log): Promise<BenchCluster> {
  checkBrokerBudget(options.partitions, options.brokers, log);
  const controllerPort = options.basePort;
  const nodes: Node[] = [
    { id: CONTROLLER_ID, role: "controller", port: controllerPort, dir: "", logFile: "" },
    ...Array.from({ length: options.brokers }, (_, i): Node => ({ id: i + 1, role: "broker", port: options.basePort + 1 + i, dir: "", logFile: "" })),
  ];
  for (const node of nodes) {
    if (!(await portFree(node.port))) throw new Error(`port ${node.port} for the bench cluster's ${node.role} is in use: set BENCH_KAFKA_PORT to another base port`);
  }
  // BENCH_KAFKA_DIR=/dev/shm: deleting 50,000 partition dirs from a disk takes minutes.
  const dir = mkdtempSync(path.join(process.env.BENCH_KAFKA_DIR ?? os.tmpdir(), "redrive-bench-kafka-"));
  const clusterId = kafkaClusterId();
  const bootstrap = nodes.filter((n) => n.role === "broker").map((n) => `${HOST}:${n.port}`);
  const stop = async () => {
    // Brokers first: a broker whose controller is gone waits for it until the grace period ends.
    await Promise.all(nodes.filter((n) => n.role === "broker").map((n) => stopNode(n, log)));
    await Promise.all(nodes.filter((n) => n.role === "controller").map((n) => stopNode(n, log)));
    rmSync(dir, { recursive: true, force: true });
    log(`bench cluster stopped, ${dir} deleted`);
  };

  try {
    for (const node of nodes) {
      node.dir = path.join(dir, `${node.role}-${node.id}`);
      node.logFile = path.join(node.dir, "kafka.log");
      mkdirSync(node.dir, { recursive: true });
      const props = path.join(node.dir, "server.properties");
      writeFileSync(props, properties(node, controllerPort));
      formatKafkaStorage({ java: JAVA, classpath: KAFKA_CLASSPATH, log4j: LOG4J, props, clusterId, cwd: process.cwd() });
    }
    for (const node of nodes) {
      const heapMax = node.role === "controller" ? "512m" : options.brokerHeap;
      const fd = openSync(node.logFile, "a");
      // Detached: Ctrl-C reaches the bench, whose cleanup stops brokers before the controller.
      node.child = spawn(JAVA, kafkaServerArgs({ classpath: KAFKA_CLASSPATH, log4j: LOG4J, props: path.join(node.dir, "server.properties"), heapMin: "256m", heapMax }), {
        stdio: ["ignore", fd, fd],
        detached: true,
      });
      closeSync(fd);
      log(`started ${node.role} ${node.id} (pid ${node.child.pid}) on ${HOST}:${node.port}, heap ${heapMax}`);
    }
    await waitRegistered(nodes, bootstrap, log);
  } catch (error) {
    for (const node of nodes) if (node.logFile) log(`${node.role} ${node.id} log (last lines):\n${tail(node.logFile, 15)}`);
    await stop();
    throw error;
  }

  const leaders = async () => {
    const admin = clusterKafka(bootstrap, 60_000).admin();
    await admin.connect();
    try {
      const names = (await admin.listTopics()).filter((t) => !t.startsWith("__"));
      const counts = new Map<number, number>();
      const { topics } = await admin.fetchTopicMetadata({ topics: names });
      for (const t of topics) for (const p of t.partitions) counts.set(p.leader, (counts.get(p.leader) ?? 0) + 1);
      return counts;
    } finally {
      await admin.disconnect();
    }
  };
  return { bootstrap, dir, leaders, stop };
}

function clusterKafka(bootstrap: string[], requestTimeout = 10_000): Kafka {
  return new Kafka({ clientId: "redrive-bench-cluster", brokers: bootstrap, logLevel: logLevel.NOTHING, connectionTimeout: 2_000, requestTimeout, retry: { retries: 0 } });
}

async function waitRegistered(nodes: Node[], bootstrap: string[], log: Log): Promise<void> {
  const started = Date.now();
  const deadline = started + 180_000;
  let last = "not asked yet";
  while (Date.now() < deadline) {
    const dead = nodes.find((n) => n.child?.exitCode !== null);
    if (dead) throw new Error(`${dead.role} ${dead.id} exited with ${dead.child?.exitCode} during startup`);
    const admin = clusterKafka(bootstrap).admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === bootstrap.length && cluster.controller !== null && cluster.controller >= 0) {
        log(`bench cluster ${cluster.clusterId}: ${cluster.brokers.length} brokers registered in ${((Date.now() - started) / 1000).toFixed(1)} s (${bootstrap.join(",")})`);
        return;
      }
      last = `${cluster.brokers.length} of ${bootstrap.length} brokers registered`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(1_000);
  }
  throw new Error(`bench cluster not ready after 180 s (${last})`);
}
