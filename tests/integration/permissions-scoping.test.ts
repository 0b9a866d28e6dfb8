import { randomUUID } from "node:crypto";
import { Admin } from "@platformatic/kafka";
import { CreateQueueCommand, DeleteQueueCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "~/server/audit";
import { createApiToken } from "~/server/auth/sessions";
import {
  alertChannels,
  alertDeliveries,
  alertHistory,
  alertInstances,
  alertNotifyGroups,
  alertRules,
  kafkaDlqSamples,
  kafkaGroupSamples,
  kafkaLagSamples,
  kafkaPartitionSamples,
  replayJobs,
  replayLedger,
  sqsSnapshotMessages,
  sqsSnapshots,
} from "~/server/db/schema";
import { sqsClient } from "../fixtures/sqs";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

// Issue 13, point 9, the gaps the lists test left: consumer groups by their name, replay history paged with the
// scope in the query, the audit log, alert deliveries and the rule editor's preview, and the answers given for
// a name (replay audience, DLQ expiry). The role "orders" reads connection "a" for resources "orders.*" (and
// "orders-*" on the SQS connection "sq"); the built-in viewer reads everything.
let api: ApiHarness;
const tokens: Record<string, string> = {};
const as = (role: string) => ({ authorization: `Bearer ${tokens[role]}` });
const admin = new Admin({ clientId: "permissions-scoping", bootstrapBrokers: [KAFKA_BROKER] });
const sqs = sqsClient(SQS_ENDPOINT);
const suffix = uniqueName("s");
const target = `orders.events-${suffix}`;
const queue = `orders-${suffix}`;
let queueUrl = "";

// Consumer groups: two the role may read (by name), three it may not with more lag (so they would fill a page).
const groups = [
  { connection: "a", groupId: "orders.billing", totalLag: 10 },
  { connection: "a", groupId: "orders.shipping", totalLag: 20 },
  { connection: "a", groupId: "payments.ledger", totalLag: 900 },
  { connection: "a", groupId: "payments.fraud", totalLag: 800 },
  { connection: "b", groupId: "orders.billing", totalLag: 700 },
];
const objects = [
  { connection: "a", dlq: "orders.dlq" },
  { connection: "a", dlq: "payments.dlq" },
  { connection: "b", dlq: "orders.dlq" },
];
const key = (row: { connection: string; dlq?: string; groupId?: string; name?: string }) => `${row.connection}/${row.dlq ?? row.groupId ?? row.name}`;
let otherSnapshot = "";
let ownSnapshot = "";

beforeAll(async () => {
  api = await ApiHarness.start({
    auth: {
      roles: {
        orders: [
          { actions: ["read"], connections: ["a"], resources: ["orders.*"] },
          { actions: ["read"], connections: ["sq"], resources: ["orders-*"] },
        ],
      },
    },
    kafka: [
      { name: "a", brokers: [KAFKA_BROKER] },
      { name: "b", brokers: [KAFKA_BROKER] },
    ],
    sqs: [{ name: "sq", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } }],
  });
  for (const role of ["viewer", "orders"]) tokens[role] = (await createApiToken(api.store.db, { name: role, role, createdBy: null, expiresAt: null })).token;
  const db = api.store.db;

  // The latest lag snapshot: each group consumes an orders topic and a payments topic.
  const sampledAt = new Date();
  await db.insert(kafkaGroupSamples).values(
    groups.map((g) => ({
      ...g,
      sampledAt,
      state: "Stable",
      protocolType: "consumer",
      protocol: "range",
      members: 1,
      memberDetails: [{ memberId: "m1", clientId: "c1", host: "/10.0.0.1", memberEpoch: null, assignments: [{ topic: "orders.events", partitions: [0] }, { topic: "payments.events", partitions: [0] }] }],
      topics: ["orders.events", "payments.events"],
      maxLag: g.totalLag,
      status: "WARN",
    })),
  );
  await db.insert(kafkaLagSamples).values(
    groups.flatMap((g) =>
      ["orders.events", "payments.events"].map((topic) => ({ connection: g.connection, groupId: g.groupId, topic, partition: 0, sampledAt, logStartOffset: 0, logEndOffset: 100, committedOffset: 90, lag: 10, status: "WARN" })),
    ),
  );

  // The topics of the latest partition sample (replay destinations): one the role may read, one it may not.
  await db.insert(kafkaPartitionSamples).values(["orders.events", "payments.events"].map((topic) => ({ connection: "a", topic, partition: 0, sampledAt, logStartOffset: 0, logEndOffset: 100 })));

  // Replay history: the role's two rows are older than five of another connection (a LIMIT of 2 must still find them).
  const at = (minutesAgo: number) => new Date(Date.now() - minutesAgo * 60_000);
  const ledgerRow = (connection: string, dlq: string, minutesAgo: number) => ({
    replayId: randomUUID(),
    kind: "kafka" as const,
    connection,
    dlq,
    messageId: "0:1",
    target: "orders",
    replayCount: 1,
    replayedBy: "test",
    replayedAt: at(minutesAgo),
  });
  await db.insert(replayLedger).values([ledgerRow("a", "orders.dlq", 30), ledgerRow("a", "orders.dlq", 31), ...[1, 2, 3, 4, 5].map((m) => ledgerRow("b", "orders.dlq", m))]);
  const job = (connection: string, dlq: string, minutesAgo: number) => ({
    kind: "kafka" as const,
    action: "replay" as const,
    connection,
    dlq,
    selection: { source: "all" as const },
    options: {} as never,
    state: "paused" as const,
    createdBy: "test",
    createdAt: at(minutesAgo),
  });
  await db.insert(replayJobs).values([job("a", "orders.dlq", 30), job("a", "orders.dlq", 31), ...[1, 2, 3, 4, 5].map((m) => job("a", "payments.dlq", m))]);

  // The audit log: a replay on each DLQ, and an admin action about no object.
  const audit = (procedure: string, parameters: unknown) =>
    recordAudit(db, { actor: { kind: "user", id: null, name: "alice" } as never, procedure, parameters, outcome: "ok", error: null, remoteAddress: null });
  for (const { connection, dlq } of objects) await audit("replay.one", { kind: "kafka", connection, dlq, id: "0:1" });
  await audit("users.create", { username: "mallory", role: "admin" });

  // DLQ depth samples for the rule editor's preview (every DLQ holds 3 messages).
  await db.insert(kafkaDlqSamples).values(objects.map(({ connection, dlq }) => ({ connection, topic: dlq, sampledAt: new Date(Date.now() - 60_000), retainedMessages: 3 })));

  // A firing alert on each consumer group (labels as the group signals give them).
  const [rule] = await db.insert(alertRules).values({ name: "group lags", spec: { signal: "consumer_lag", severity: "warning" }, createdBy: "test" }).returning({ id: alertRules.id });
  const now = new Date();
  await db.insert(alertInstances).values(
    groups.map((g) => ({
      ruleId: rule!.id,
      labels: { connection: g.connection, group: g.groupId },
      objectKey: `kafka/${g.connection}/${g.groupId}`,
      summary: `${g.groupId} lags`,
      path: `/lag/${g.connection}/${g.groupId}`,
      state: "firing" as const,
      detail: {},
      activeSince: now,
      firingSince: now,
      evaluatedAt: now,
    })),
  );

  // Alert history: the role's DLQ changed state before five changes on another connection's DLQ; the collectors
  // of both connections (labels naming the connection only) changed state last.
  const change = (labels: Record<string, string>, minutesAgo: number) => ({
    ruleId: rule!.id,
    ruleName: "group lags",
    labels,
    objectKey: Object.values(labels).join("/"),
    fromState: "pending",
    toState: "firing",
    summary: "changed",
    at: at(minutesAgo),
  });
  await db
    .insert(alertHistory)
    .values([
      change({ kind: "kafka", connection: "a", dlq: "orders.dlq" }, 30),
      ...[5, 6, 7, 8, 9].map((m) => change({ kind: "kafka", connection: "b", dlq: "orders.dlq" }, m)),
      change({ kind: "kafka", connection: "a" }, 2),
      change({ kind: "kafka", connection: "b" }, 1),
    ]);

  // Deliveries: notifications grouped by DLQ (one per DLQ), and one grouped by rule only (any object).
  const [channel] = await db.insert(alertChannels).values({ name: "hook", kind: "webhook", settings: {}, secrets: {}, createdBy: "test" }).returning({ id: alertChannels.id });
  const notifyGroups = [...objects.map(({ connection, dlq }) => ({ connection, dlq })), {}] as Record<string, string>[];
  for (const labels of notifyGroups) {
    const groupKey = `${rule!.id}|${Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(",")}`;
    await db.insert(alertNotifyGroups).values({ channelId: channel!.id, ruleId: rule!.id, groupKey, labels });
    await db.insert(alertDeliveries).values({ channelId: channel!.id, channelName: "hook", notificationId: randomUUID(), kind: "firing", groupKey, alerts: 1, attempt: 1, status: "sent", latencyMs: 5 });
  }

  // Replay audience: a real topic with a group the role may read and one it may not.
  await admin.createTopics({ topics: [target], partitions: 1, replicas: 1 });
  await waitUntilHosted([target]);
  for (const groupId of [`orders.reader-${suffix}`, `payments.reader-${suffix}`]) {
    await admin.alterConsumerGroupOffsets({ groupId, topics: [{ name: target, partitionOffsets: [{ partition: 0, offset: 0n }] }] });
  }

  // DLQ expiry: a real queue of the role, its snapshot, and a snapshot of a queue outside its scope.
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queue }))).QueueUrl!;
  const snapshot = async (queueName: string) => {
    const [row] = await db.insert(sqsSnapshots).values({ connection: "sq", queue: queueName, approximateTotal: 2, captured: 2, status: "complete", takenBy: "test" }).returning({ id: sqsSnapshots.id });
    // Sent 3.5 days ago: SQS's default 4-day retention deletes them within a day.
    const sentTimestamp = new Date(Date.now() - 84 * 3_600_000);
    await db.insert(sqsSnapshotMessages).values(
      [1, 2].map((seq) => ({ snapshotId: row!.id, seq, messageId: `${queueName}-${seq}`, body: "{}", attributes: {}, messageAttributes: {}, sentTimestamp })),
    );
    return row!.id;
  };
  ownSnapshot = await snapshot(queue);
  otherSnapshot = await snapshot(`billing-${suffix}`);
}, 60_000);

afterAll(async () => {
  await admin.deleteGroups({ groups: [`orders.reader-${suffix}`, `payments.reader-${suffix}`] }).catch(() => undefined);
  await admin.deleteTopics({ topics: [target] }).catch(() => undefined);
  await admin.close();
  if (queueUrl) await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
  await api?.close();
});

describe("consumer groups are scoped by their name", () => {
  type GroupRow = { groupId: string; topics: string[] };

  it("lag.groups pages and counts only the groups the role may read", async () => {
    const page = (role: string) => api.data<{ total: number; rows: GroupRow[] }>("lag.groups", { kind: "query", input: { connection: "a", sortBy: "totalLag", pageSize: 2 }, headers: as(role) });
    const viewer = await page("viewer");
    expect(viewer.total).toBe(4);
    expect(viewer.rows.map((r) => r.groupId)).toEqual(["payments.ledger", "payments.fraud"]);
    const scoped = await page("orders");
    expect(scoped.total).toBe(2);
    expect(scoped.rows.map((r) => r.groupId)).toEqual(["orders.shipping", "orders.billing"]);
    // Within a group it may read, only the topics it may read.
    expect(scoped.rows[0]!.topics).toEqual(["orders.events"]);
    expect(viewer.rows[0]!.topics).toEqual(["orders.events", "payments.events"]);
  });

  it("lag.group and lag.history answer 404 outside the scope, and show only readable topics inside it", async () => {
    const group = (role: string, groupId: string) => api.call("lag.group", { kind: "query", input: { connection: "a", groupId }, headers: as(role) });
    expect((await group("orders", "payments.ledger")).status).toBe(404);
    expect((await group("viewer", "payments.ledger")).status).toBe(200);
    type Detail = { topics: { topic: string }[]; partitions: { topic: string }[]; members: { assignments: { topic: string }[] }[] };
    const mine = await api.data<Detail>("lag.group", { kind: "query", input: { connection: "a", groupId: "orders.billing" }, headers: as("orders") });
    expect(mine.topics.map((t) => t.topic)).toEqual(["orders.events"]);
    expect(mine.partitions.map((p) => p.topic)).toEqual(["orders.events"]);
    expect(mine.members[0]!.assignments.map((a) => a.topic)).toEqual(["orders.events"]);
    const whole = await api.data<Detail>("lag.group", { kind: "query", input: { connection: "a", groupId: "orders.billing" }, headers: as("viewer") });
    expect(whole.topics.map((t) => t.topic)).toEqual(["orders.events", "payments.events"]);

    const history = (role: string, groupId: string) => api.call("lag.history", { kind: "query", input: { connection: "a", groupId, range: "1h" }, headers: as(role) });
    expect((await history("orders", "payments.ledger")).status).toBe(404);
    expect((await history("orders", "orders.billing")).status).toBe(200);
    expect((await history("viewer", "payments.ledger")).status).toBe(200);
  });

  it("the Overview's worst groups and the alerts on groups name only readable groups", async () => {
    const worst = async (role: string) => (await api.data<{ worstGroups: { connection: string; groupId: string }[] }>("overview.hotspots", { kind: "query", headers: as(role) })).worstGroups.map(key).sort();
    expect(await worst("viewer")).toEqual(groups.map(key).sort());
    expect(await worst("orders")).toEqual(["a/orders.billing", "a/orders.shipping"]);
    const active = async (role: string) =>
      (await api.data<{ labels: { connection: string; group: string } }[]>("alerts.active", { kind: "query", headers: as(role) })).map((a) => `${a.labels.connection}/${a.labels.group}`).sort();
    expect(await active("viewer")).toEqual(groups.map(key).sort());
    expect(await active("orders")).toEqual(["a/orders.billing", "a/orders.shipping"]);
  });
});

describe("replay history pages with the scope in the query", () => {
  it("replay.recent", async () => {
    const recent = async (role: string) => (await api.data<{ connection: string; dlq: string }[]>("replay.recent", { kind: "query", input: { limit: 2 }, headers: as(role) })).map(key);
    expect(await recent("viewer")).toEqual(["b/orders.dlq", "b/orders.dlq"]);
    expect(await recent("orders")).toEqual(["a/orders.dlq", "a/orders.dlq"]);
  });

  it("replayJobs.list", async () => {
    const list = async (role: string) => (await api.data<{ connection: string; dlq: string }[]>("replayJobs.list", { kind: "query", input: { limit: 2 }, headers: as(role) })).map(key);
    expect(await list("viewer")).toEqual(["a/payments.dlq", "a/payments.dlq"]);
    expect(await list("orders")).toEqual(["a/orders.dlq", "a/orders.dlq"]);
  });
});

describe("the audit log", () => {
  type Page = { rows: { procedure: string; parameters: { connection?: string; dlq?: string } | null }[]; nextCursor: number | null };
  const rows = async (role: string, limit = 50) =>
    (await api.data<Page>("audit.list", { kind: "query", input: { limit }, headers: as(role) })).rows.map((r) => `${r.procedure} ${r.parameters?.connection ?? ""}/${r.parameters?.dlq ?? ""}`);

  it("shows a scoped role only the rows about objects it may read, a page at a time", async () => {
    expect(await rows("viewer")).toEqual(expect.arrayContaining(["users.create /", "replay.one b/orders.dlq", "replay.one a/payments.dlq", "replay.one a/orders.dlq"]));
    expect(await rows("orders")).toEqual(["replay.one a/orders.dlq"]);
    expect(await rows("orders", 1)).toEqual(["replay.one a/orders.dlq"]);
  });

  it("records a job control with its job's connection and DLQ, so a team sees the controls of its own jobs", async () => {
    tokens.admin ??= (await createApiToken(api.store.db, { name: "admin", role: "admin", createdBy: null, expiresAt: null })).token;
    const jobs = await api.store.db.select({ id: replayJobs.id, connection: replayJobs.connection, dlq: replayJobs.dlq }).from(replayJobs);
    const jobOn = (dlq: string) => jobs.find((j) => j.connection === "a" && j.dlq === dlq)!.id;
    // Paused already: each call is refused by the job, and recorded all the same.
    for (const dlq of ["orders.dlq", "payments.dlq"]) {
      await api.call("replayJobs.pause", { kind: "mutation", input: { jobId: jobOn(dlq) }, headers: as("admin") });
    }
    type Row = { procedure: string; parameters: { jobId: string; job?: { connection: string; resource: string } } };
    const controls = async (role: string) =>
      (await api.data<{ rows: Row[] }>("audit.list", { kind: "query", input: { procedure: "replayJobs.pause" }, headers: as(role) })).rows.map((r) => `${r.parameters.job?.connection}/${r.parameters.job?.resource}`).sort();
    expect(await controls("viewer")).toEqual(["a/orders.dlq", "a/payments.dlq"]);
    expect(await controls("orders")).toEqual(["a/orders.dlq"]);
  });
});

describe("alerts", () => {
  it("alerts.deliveries lists only notifications about objects the role may read", async () => {
    const deliveries = async (role: string) => (await api.data<{ groupKey: string }[]>("alerts.deliveries", { kind: "query", input: { limit: 100 }, headers: as(role) })).map((d) => d.groupKey.split("|")[1]).sort();
    expect(await deliveries("viewer")).toEqual(["", "connection=a,dlq=orders.dlq", "connection=a,dlq=payments.dlq", "connection=b,dlq=orders.dlq"]);
    expect(await deliveries("orders")).toEqual(["connection=a,dlq=orders.dlq"]);
  });

  it("alerts.history pages with the scope in the query (an alert on a connection itself goes with the connection)", async () => {
    const history = async (role: string, limit: number) =>
      (await api.data<{ labels: Record<string, string> }[]>("alerts.history", { kind: "query", input: { limit }, headers: as(role) })).map((row) => `${row.labels.connection}/${row.labels.dlq ?? ""}`);
    expect(await history("viewer", 3)).toEqual(["b/", "a/", "b/orders.dlq"]);
    expect(await history("orders", 2)).toEqual(["a/", "a/orders.dlq"]);
  });

  it("alerts.preview shows and backtests only objects the role may read", async () => {
    type Preview = { objects: { key: string }[]; objectCount: number; history: { objects: { key: string }[] } | null; backtest: { fired: number; objects: { key: string }[] } };
    const spec = { name: "DLQ not empty", signal: "dlq_depth", condition: { op: "gt", threshold: 0 } };
    const preview = (role: string) => api.data<Preview>("alerts.preview", { kind: "query", input: { spec, range: "24h" }, headers: as(role) });
    const viewer = await preview("viewer");
    expect(viewer.objects.map((o) => o.key).sort()).toEqual(["kafka/a/orders.dlq", "kafka/a/payments.dlq", "kafka/b/orders.dlq"]);
    expect(viewer.backtest.objects).toHaveLength(3);
    const scoped = await preview("orders");
    expect(scoped.objects.map((o) => o.key)).toEqual(["kafka/a/orders.dlq"]);
    expect(scoped.objectCount).toBe(1);
    expect(scoped.history!.objects.map((o) => o.key)).toEqual(["kafka/a/orders.dlq"]);
    expect(scoped.backtest.objects.map((o) => o.key)).toEqual(["kafka/a/orders.dlq"]);
    expect(scoped.backtest.fired).toBe(1);
  });
});

describe("answers for a name", () => {
  it("replay.audience answers 404 for a target outside the scope and lists only readable groups", async () => {
    const audience = (role: string, name: string) => api.call("replay.audience", { kind: "query", input: { kind: "kafka", connection: "a", target: name }, headers: as(role) });
    expect((await audience("orders", `payments.events-${suffix}`)).status).toBe(404);
    expect((await audience("viewer", `payments.events-${suffix}`)).status).toBe(200);
    const groupsOf = async (role: string) => (await api.data<{ groups: string[] }>("replay.audience", { kind: "query", input: { kind: "kafka", connection: "a", target }, headers: as(role) })).groups;
    expect(await groupsOf("viewer")).toEqual([`orders.reader-${suffix}`, `payments.reader-${suffix}`]);
    expect(await groupsOf("orders")).toEqual([`orders.reader-${suffix}`]);
  });

  it("replay.destinations offers only topics the role may read", async () => {
    const destinations = (role: string) => api.data<string[]>("replay.destinations", { kind: "query", input: { kind: "kafka", connection: "a" }, headers: as(role) });
    expect(await destinations("viewer")).toEqual(["orders.events", "payments.events"]);
    expect(await destinations("orders")).toEqual(["orders.events"]);
  });

  it("dlq.expiring counts only the named queue's own snapshot, and Kafka topics the role may read", async () => {
    const expiring = (role: string, snapshotId: string) => api.call("dlq.expiring", { kind: "query", input: { kind: "sqs", connection: "sq", dlq: queue, snapshotId }, headers: as(role) });
    const own = await api.data<{ count: number }>("dlq.expiring", { kind: "query", input: { kind: "sqs", connection: "sq", dlq: queue, snapshotId: ownSnapshot }, headers: as("orders") });
    expect(own.count).toBe(2);
    expect((await expiring("orders", otherSnapshot)).status).toBe(404);
    expect((await expiring("viewer", otherSnapshot)).status).toBe(404);
    // Outside the role's scope by name: refused before anything is read.
    expect((await api.call("dlq.expiring", { kind: "query", input: { kind: "kafka", connection: "a", dlq: "payments.dlq" }, headers: as("orders") })).status).toBe(403);
    // Not a DLQ: counting its records needs topics.readAny, as reading them does.
    expect((await api.call("dlq.expiring", { kind: "query", input: { kind: "kafka", connection: "a", dlq: "__consumer_offsets" }, headers: as("viewer") })).status).toBe(403);
  });
});
