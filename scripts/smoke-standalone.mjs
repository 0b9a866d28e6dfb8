// CI smoke test of the artifact users deploy: .next/standalone (after `npm run build`) copied away from the
// checkout, so nothing resolves from the repository's node_modules, started by scripts/redrive.mjs on the
// embedded default (no DATABASE_URL: a real PostgreSQL from the artifact's own files). Checks the sign-in page,
// /api/health, /api/ready, one tRPC call over HTTP, and a CEL search over a Kafka DLQ on the stack's Kafka (the
// filter runs in worker threads that Node loads from the artifact's files, which the bundle does not contain),
// then stops it.
import { createRequire } from "node:module";
import { spawn } from "node:child_process";
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.SMOKE_PORT ?? 3199);
const work = mkdtempSync(path.join(os.tmpdir(), "redrive-smoke-"));
// As root, postgres runs as the unprivileged postgres user: it must reach the artifact and the data folder.
chmodSync(work, 0o755);
const artifact = path.join(work, "standalone");
cpSync(path.join(root, ".next", "standalone"), artifact, { recursive: true, verbatimSymlinks: true });
for (const file of ["redrive.mjs", "server-env.mjs"]) cpSync(path.join(root, "scripts", file), path.join(work, file));
const broker = (process.env.KAFKA_BROKERS ?? "127.0.0.1:9092").split(",")[0];
const { Kafka, logLevel } = createRequire(path.join(root, "package.json"))("kafkajs");
const kafka = new Kafka({ clientId: "redrive-smoke", brokers: [broker], logLevel: logLevel.NOTHING });
const dlqTopic = `smoke-${process.pid}-${Date.now()}.DLQ`;
writeFileSync(path.join(work, "redrive.yaml"), `kafka:\n  - name: local\n    brokers: ["${broker}"]\nsqs: []\ndatabases: []\n`);
{
  const admin = kafka.admin();
  const producer = kafka.producer();
  await admin.connect();
  await producer.connect();
  await admin.createTopics({ topics: [{ topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
  await producer.send({ topic: dlqTopic, messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: JSON.stringify({ n }) })) });
  await Promise.all([admin.disconnect(), producer.disconnect()]);
}

const server = spawn(process.execPath, [path.join(work, "redrive.mjs")], {
  cwd: work,
  env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), HOSTNAME: "127.0.0.1", REDRIVE_STANDALONE_DIR: artifact, REDRIVE_ADMIN_PASSWORD: "smoke-admin-password", NODE_ENV: "production" },
  stdio: ["ignore", "pipe", "pipe"],
});
let output = "";
server.stdout.on("data", (c) => (output += c));
server.stderr.on("data", (c) => (output += c));

const base = `http://127.0.0.1:${port}`;
const failures = [];
const check = (what, ok) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};
try {
  const deadline = Date.now() + 120_000;
  let up = false;
  while (!up && Date.now() < deadline && server.exitCode === null) {
    up = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) }).then((r) => r.ok).catch(() => false);
    if (!up) await new Promise((r) => setTimeout(r, 500));
  }
  check("the standalone server answers /api/health", up);
  if (up) {
    const signIn = await fetch(`${base}/sign-in`);
    check("GET /sign-in renders the sign-in page", signIn.status === 200 && (await signIn.text()).includes("Sign in"));
    const css = (await (await fetch(`${base}/sign-in`)).text()).match(/\/_next\/static\/[^"]+\.css/)?.[0];
    check("static assets are served", Boolean(css) && (await fetch(`${base}${css}`)).status === 200);
    const ready = await fetch(`${base}/api/ready`);
    const body = await ready.json();
    check("GET /api/ready: store reachable, migrations applied", ready.status === 200 && body.store?.migrationsApplied === true);
    const trpc = await fetch(`${base}/api/trpc/auth.signIn`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base },
      body: JSON.stringify({ json: { username: "admin", password: "smoke-admin-password" } }),
    });
    check("tRPC auth.signIn signs the admin in (embedded PostgreSQL control store)", trpc.status === 200 && (trpc.headers.get("set-cookie") ?? "").length > 0);
    const cookie = (trpc.headers.get("set-cookie") ?? "").split(";")[0];
    const started = await fetch(`${base}/api/trpc/dlq.scan.start`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: base, cookie },
      body: JSON.stringify({ json: { kind: "kafka", connection: "local", dlq: dlqTopic, expression: "record.value.n >= 2", limit: 100 } }),
    });
    const scanId = started.status === 200 ? (await started.json()).result.data.json.id : undefined;
    let scan = { status: started.status === 200 ? "running" : `start answered ${started.status}: ${(await started.text()).slice(0, 300)}` };
    for (const until = Date.now() + 30_000; scanId && scan.status === "running" && Date.now() < until; ) {
      await new Promise((r) => setTimeout(r, 200));
      const input = encodeURIComponent(JSON.stringify({ json: { id: scanId } }));
      scan = (await (await fetch(`${base}/api/trpc/dlq.scan.status?input=${input}`, { headers: { cookie } })).json()).result?.data?.json ?? { status: "no status" };
    }
    const matched = (scan.matches ?? []).map((m) => m.id).sort().join(",");
    check(`a CEL search runs in the filter workers and matches 2 of 3 records (${scan.status}${scan.error ? `: ${scan.error}` : ""}; matched ${matched || "none"})`, scan.status === "done" && matched === "0:1,0:2");
  }
} finally {
  server.kill("SIGTERM");
  await new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.kill("SIGKILL");
      resolve();
    }, 15_000);
    server.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
  });
  if (failures.length > 0) console.error(output.slice(-5000));
  rmSync(work, { recursive: true, force: true });
  const admin = kafka.admin();
  await admin.connect().then(() => admin.deleteTopics({ topics: [dlqTopic] })).catch(() => undefined);
  await admin.disconnect().catch(() => undefined);
}
process.exit(failures.length > 0 ? 1 : 0);
