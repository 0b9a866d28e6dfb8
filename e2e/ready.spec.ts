import { expect, test } from "@playwright/test";
import { createTestDatabase } from "../tests/integration/helpers/environment";
import { E2E_SECRET_MARKER } from "./support/constants";
import { RedriveServer } from "./support/server-process";

// Two replicas on one control-store database: one holds the collector lease. When that one hangs (SIGSTOP,
// its lock connection stays open) the collector stalls, and the other replica's /api/ready turns unready.
test.describe.configure({ mode: "serial" });

const base = Number(process.env.E2E_PORT ?? 3100);
const env = (url: string) => ({
  REDRIVE_CONFIG: "e2e/redrive.e2e.yaml",
  DATABASE_URL: url,
  REDRIVE_DATA_DIR: "",
  REDRIVE_READY_STALL_SECONDS: "6",
  SQS_SECRET_ACCESS_KEY: E2E_SECRET_MARKER,
  LOG_LEVEL: "info",
});

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let first: RedriveServer;
let second: RedriveServer;

interface Ready {
  ready: boolean;
  reasons: string[];
  replica: string;
  collector: { leaseHolder: string | null };
  connections: { kind: string; name: string; up: boolean; sampleAgeSeconds: number | null }[];
}

async function ready(server: RedriveServer): Promise<{ status: number; body: Ready }> {
  const response = await fetch(`${server.baseUrl}/api/ready`);
  return { status: response.status, body: (await response.json()) as Ready };
}

test.beforeAll(async () => {
  database = await createTestDatabase();
  first = new RedriveServer(base + 41, env(database.url));
  await first.start(); // takes the collector lease: it is alone
  second = new RedriveServer(base + 42, env(database.url));
  await second.start();
});

test.afterAll(async () => {
  first?.signal("SIGCONT");
  await first?.stop();
  await second?.stop();
  await database?.drop();
});

test("health is cheap and open; ready names the replica holding the lease; both say nothing secret", async () => {
  const health = await fetch(`${second.baseUrl}/api/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toEqual({ status: "ok" });

  await expect.poll(async () => (await ready(second)).body.connections.every((c) => c.up), { timeout: 30_000 }).toBe(true);
  const { status, body } = await ready(second);
  expect(status).toBe(200);
  expect(body.ready).toBe(true);
  const holder = body.collector.leaseHolder;
  expect(holder).toBe((await ready(first)).body.replica);
  expect(holder).not.toBe(body.replica);
  expect(body.connections.map((c) => `${c.kind}/${c.name}`).sort()).toEqual(["kafka/local", "nats/local", "rabbitmq/local", "sqs/local", "sqs/sns"]);
  expect(JSON.stringify(body)).not.toContain(E2E_SECRET_MARKER);
  expect(JSON.stringify(body)).not.toContain("postgres://");
});

test("turns unready when the collector stalls, and ready again when it resumes", async () => {
  first.signal("SIGSTOP");
  await expect.poll(async () => (await ready(second)).status, { timeout: 30_000, intervals: [1000] }).toBe(503);
  const stalled = (await ready(second)).body;
  expect(stalled.ready).toBe(false);
  expect(stalled.reasons.join("; ")).toMatch(/collector stalled/);

  first.signal("SIGCONT");
  await expect.poll(async () => (await ready(second)).status, { timeout: 30_000, intervals: [1000] }).toBe(200);
});

test("the servers' logs are JSON lines and hold no credential", async () => {
  for (const server of [first, second]) {
    const logs = server.logs();
    expect(logs).toContain('"msg":"control store open, migrations applied"');
    expect(logs).not.toContain(E2E_SECRET_MARKER);
  }
});
