/**
 * Several replicas on one control database: a DLQ scan started through one replica is followed to completion,
 * its matches read, and a running scan cancelled, through another replica (two separate processes running
 * Redrive's tRPC handler over the same PostgreSQL store).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { Kafka, logLevel } from "kafkajs";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "~/server/auth/sessions";
import { openControlStore } from "~/server/db/control-store";
import type { DlqMessageSummary } from "~/server/dlq/messages";
import { KAFKA_BROKERS, kafkaDlqFixture, type DlqFixture } from "../fixtures/kafka";
import { createTestDatabase, KAFKA_BROKER } from "./helpers/environment";

interface Replica {
  child: ChildProcess;
  base: string;
  output: () => string;
}

interface Status {
  status: string;
  total: number | null;
  scanned: number;
  matched: number;
  error: string | null;
  matches: DlqMessageSummary[];
}

const cleanups: (() => Promise<unknown>)[] = [];
let replicas: Replica[] = [];
let viewer: string;
let other: string;
let fixture: DlqFixture;
// Long enough that the scan is still reading when the cancel arrives (scans read ~100,000 small records a second).
const LONG_EXTRA = 400_000;

function startReplica(databaseUrl: string): Promise<Replica> {
  const child = spawn(process.execPath, ["node_modules/tsx/dist/cli.mjs", "tests/integration/helpers/replica.ts"], {
    env: { ...process.env, REPLICA_DATABASE_URL: databaseUrl, REPLICA_CONFIG: JSON.stringify({ kafka: [{ name: "local", brokers: [KAFKA_BROKER] }] }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  return new Promise((resolve, reject) => {
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => {
      output += chunk;
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) resolve({ child, base: `http://127.0.0.1:${port}`, output: () => output });
    });
    child.once("exit", (code) => reject(new Error(`replica exited with ${code}:\n${output}`)));
  });
}

async function call<T>(replica: Replica, procedure: string, kind: "query" | "mutation", input: unknown, token: string): Promise<{ status: number; data: T | null; body: string }> {
  const serialized = JSON.stringify(superjson.serialize(input));
  const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
  const response =
    kind === "query"
      ? await fetch(`${replica.base}/api/trpc/${procedure}?input=${encodeURIComponent(serialized)}`, { headers })
      : await fetch(`${replica.base}/api/trpc/${procedure}`, { method: "POST", headers, body: serialized });
  const body = await response.text();
  const data = response.ok ? superjson.deserialize<T>((JSON.parse(body) as { result: { data: Parameters<typeof superjson.deserialize>[0] } }).result.data) : null;
  return { status: response.status, data, body };
}

async function startScan(replica: Replica, expression: string): Promise<string> {
  const started = await call<{ id: string }>(replica, "dlq.scan.start", "mutation", { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, expression }, viewer);
  expect(started.status, started.body).toBe(200);
  return started.data!.id;
}

async function finished(replica: Replica, id: string, timeoutMs: number): Promise<Status> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const now = await call<Status>(replica, "dlq.scan.status", "query", { id }, viewer);
    expect(now.status, now.body).toBe(200);
    if (now.data!.status !== "running") return now.data!;
    if (Date.now() > until) throw new Error(`scan still running after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  // Migrate once and make the tokens; the replicas then open the same store.
  const store = await openControlStore({ databaseUrl: database.url });
  viewer = (await createApiToken(store.db, { name: "replicas-viewer", role: "viewer", createdBy: null, expiresAt: null })).token;
  other = (await createApiToken(store.db, { name: "replicas-other", role: "viewer", createdBy: null, expiresAt: null })).token;
  await store.close();

  fixture = await kafkaDlqFixture({
    partitions: 1,
    messages: Array.from({ length: 40 }, (_, i) => ({ key: i % 4 === 0 ? `refund-${i}` : `order-${i}`, value: JSON.stringify({ n: i }) })),
  });
  cleanups.push(fixture.cleanup);
  replicas = await Promise.all([startReplica(database.url), startReplica(database.url)]);
}, 120_000);

afterAll(async () => {
  for (const replica of replicas) {
    const exited = new Promise((resolve) => replica.child.once("exit", resolve));
    replica.child.kill("SIGTERM");
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  }
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}, 60_000);

describe("DLQ scans across replicas on one control database", () => {
  it("follows a scan started through one replica to completion, and reads its matches, through the other", async () => {
    const [a, b] = replicas as [Replica, Replica];
    const id = await startScan(a, 'record.keyAsText.startsWith("refund-")');
    const done = await finished(b, id, 60_000);
    expect(done.status).toBe("done");
    expect(done.scanned).toBe(40);
    expect(done.matched).toBe(10);
    expect(done.matches.map((m) => m.keyPreview).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `refund-${i * 4}`).sort());
    // Polling from an index reads only the newer matches, as the search panel does.
    const tail = await call<Status>(b, "dlq.scan.status", "query", { id, from: 8 }, viewer);
    expect(tail.data!.matches).toHaveLength(2);
    // The replica that ran it answers the same.
    const same = await call<Status>(a, "dlq.scan.status", "query", { id }, viewer);
    expect(same.data!.matches.map((m) => m.id)).toEqual(done.matches.map((m) => m.id));
    // Another user cannot read it on either replica.
    expect((await call(b, "dlq.scan.status", "query", { id }, other)).status).toBe(404);
  }, 90_000);

  it("cancels through one replica a scan running in the other", async () => {
    const [a, b] = replicas as [Replica, Replica];
    // A long topic: the scan is still reading when the cancel arrives.
    const kafka = new Kafka({ clientId: "replicas-test", brokers: KAFKA_BROKERS, logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < LONG_EXTRA; i += 5_000) {
        await producer.send({ topic: fixture.dlqTopic, messages: Array.from({ length: 5_000 }, (_, j) => ({ key: `bulk-${i + j}`, value: `{"n":${i + j}}` })) });
      }
    } finally {
      await producer.disconnect();
    }
    const id = await startScan(a, 'record.keyAsText.matches("^never-[0-9]+$")');
    // Another user cannot cancel it.
    expect((await call<{ cancelled: boolean }>(b, "dlq.scan.cancel", "mutation", { id }, other)).data).toEqual({ cancelled: false });
    const cancelled = await call<{ cancelled: boolean }>(b, "dlq.scan.cancel", "mutation", { id }, viewer);
    expect(cancelled.data, cancelled.body).toEqual({ cancelled: true });
    const end = await finished(b, id, 60_000);
    expect(end.status).toBe("cancelled");
    expect(end.scanned).toBeLessThan(LONG_EXTRA + 40);
    // Both replicas agree, and a finished scan cannot be cancelled again.
    expect((await call<Status>(a, "dlq.scan.status", "query", { id }, viewer)).data!.status).toBe("cancelled");
    expect((await call<{ cancelled: boolean }>(b, "dlq.scan.cancel", "mutation", { id }, viewer)).data).toEqual({ cancelled: false });
  }, 120_000);
});
