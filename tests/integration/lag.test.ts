import { Kafka, logLevel, type Admin, type Consumer, type Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildConnections, closeConnections } from "~/server/connections/registry";
import { configSchema } from "~/server/config/schema";
import { Collector } from "~/server/jobs/collector";
import { renderMetrics } from "~/server/metrics/prometheus";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

const kafka = new Kafka({ clientId: "lag-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
let admin: Admin;
let producer: Producer;
let api: ApiHarness;
let collector: Collector;
let viewer: string;
const topics: string[] = [];

const kafkaConnection = { name: "local", brokers: [KAFKA_BROKER], sampleIntervalSeconds: 1 };

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  producer = kafka.producer();
  await producer.connect();
  api = await ApiHarness.start({ kafka: [kafkaConnection] });
  collector = new Collector(api.store, api.connections, api.connections.config);
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  await admin?.deleteTopics({ topics }).catch(() => undefined);
  await producer?.disconnect();
  await admin?.disconnect();
  await api?.close();
});

async function newTopic(partitions: number): Promise<string> {
  const topic = uniqueName("lag");
  topics.push(topic);
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions }], waitForLeaders: true });
  await waitUntilHosted([topic]);
  return topic;
}

async function produce(topic: string, perPartition: number[]): Promise<void> {
  await producer.send({
    topic,
    messages: perPartition.flatMap((count, partition) =>
      Array.from({ length: count }, (_, i) => ({ partition, key: `k${i}`, value: JSON.stringify({ partition, i }) })),
    ),
  });
}

interface GroupView {
  snapshot: { sampledAt: Date | null; lastRunOk: boolean | null; lastError: string | null };
  group: { totalLag: number; maxLag: number; status: string; state: string } | null;
  partitions: { topic: string; partition: number; committedOffset: number | null; logEndOffset: number; lag: number | null; status: string; lagSecondsKind: string | null; lagSeconds: number | null }[];
}

const groupView = (groupId: string) =>
  api.data<GroupView>("lag.group", { kind: "query", input: { connection: "local", groupId }, headers: { authorization: `Bearer ${viewer}` } });

const sample = () => collector.collect("kafka", "local");

describe("consumer lag on the real broker", () => {
  it("shows exactly the lag the broker reports, in the API and in /api/metrics", async () => {
    const topic = await newTopic(3);
    const groupId = uniqueName("fixture-group");
    await produce(topic, [10, 20, 30]);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "4" }, { partition: 1, offset: "15" }, { partition: 2, offset: "30" }] });
    await sample();

    // The broker's own view.
    const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), admin.fetchOffsets({ groupId, topics: [topic] })]);
    const expected = ends
      .map((end) => {
        const offset = Number(committed[0]!.partitions.find((p) => p.partition === end.partition)!.offset);
        return { partition: end.partition, committedOffset: offset, logEndOffset: Number(end.high), lag: Number(end.high) - offset };
      })
      .sort((a, b) => a.partition - b.partition);
    expect(expected.map((e) => e.lag)).toEqual([6, 5, 0]);

    const view = await groupView(groupId);
    expect(view.partitions.map(({ partition, committedOffset, logEndOffset, lag }) => ({ partition, committedOffset, logEndOffset, lag }))).toEqual(expected);
    expect(view.group).toMatchObject({ totalLag: 11, maxLag: 6, state: "Empty", status: "STOP" });
    expect(view.partitions.find((p) => p.partition === 2)).toMatchObject({ lagSecondsKind: "exact", lagSeconds: 0 });
    // The most-lagging partitions get their lag in seconds from the record at the committed offset.
    expect(view.partitions.find((p) => p.partition === 0)?.lagSecondsKind).toBe("exact");

    const metrics = (await renderMetrics(api.store.db, api.connections)).body;
    const line = (name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, "m").exec(metrics)?.[1];
    for (const e of expected) {
      expect(line("kafka_consumergroup_group_lag", `cluster_name="local",group="${groupId}",topic="${topic}",partition="${e.partition}"`)).toBe(String(e.lag));
      expect(line("kafka_partition_latest_offset", `cluster_name="local",topic="${topic}",partition="${e.partition}"`)).toBe(String(e.logEndOffset));
      expect(line("kafka_partition_earliest_offset", `cluster_name="local",topic="${topic}",partition="${e.partition}"`)).toBe("0");
    }
    expect(line("kafka_consumergroup_group_sum_lag", `cluster_name="local",group="${groupId}"`)).toBe("11");
    expect(line("kafka_consumergroup_group_max_lag", `cluster_name="local",group="${groupId}"`)).toBe("6");
    expect(line("redrive_consumergroup_status", `cluster_name="local",group="${groupId}",status="STOP"`)).toBe("1");
    expect(line("redrive_consumergroup_status", `cluster_name="local",group="${groupId}",status="OK"`)).toBe("0");
  });

  it("shows a committed offset below log start as data loss", async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName("expired-group");
    await produce(topic, [10]);
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "2" }] });
    await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: "6" }] });
    await sample();
    const view = await groupView(groupId);
    expect(view.partitions[0]).toMatchObject({ committedOffset: 2, lag: 8 });
    const groups = await api.data<{ rows: { groupId: string; expiredPartitions: number }[] }>("lag.groups", {
      kind: "query",
      input: { connection: "local", search: groupId },
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(groups.rows).toEqual([expect.objectContaining({ groupId, expiredPartitions: 1 })]);
  });

  it("turns a consumer that stops into STOP within two samples", async () => {
    const topic = await newTopic(2);
    const groupId = uniqueName("stopping-group");
    await produce(topic, [5, 5]);
    const consumer: Consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    let seen = 0;
    await consumer.run({ eachMessage: async () => void (seen += 1) });
    await expect.poll(() => seen, { timeout: 20_000 }).toBe(10);
    await expect
      .poll(async () => Number((await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0)), { timeout: 15_000 })
      .toBe(10);
    await sample();
    expect((await groupView(groupId)).group).toMatchObject({ status: "OK", totalLag: 0, state: "Stable" });

    await consumer.disconnect(); // leaves the group: Empty
    await produce(topic, [3, 4]);
    await sample();
    const first = (await groupView(groupId)).group?.status;
    if (first !== "STOP") await sample();
    expect((await groupView(groupId)).group).toMatchObject({ status: "STOP", totalLag: 7, state: "Empty" });
  });

  it("calls a consumer that falls further behind WARN, and keeps the verdict across a restart", async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName("slow-group");
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6_000, heartbeatInterval: 500 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async () => {
        await new Promise((resolve) => setTimeout(resolve, 100)); // ~10 msg/s
      },
    });
    try {
      await expect.poll(async () => (await admin.describeGroups([groupId])).groups[0]?.state, { timeout: 20_000 }).toBe("Stable");
      const statuses: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        await produce(topic, [40]); // ~40 msg per ~1.5 s: faster than it consumes
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        await sample();
        statuses.push((await groupView(groupId)).group?.status ?? "none");
      }
      expect(statuses.at(-1), statuses.join(" → ")).toBe("WARN");
      expect(statuses).not.toContain("STALL");
      expect(statuses).not.toContain("STOP");

      // WARN needs a trend over several samples: a restarted collector only keeps it by reading the
      // persisted window (from one fresh sample alone it could not say WARN).
      await produce(topic, [40]);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const restarted = new Collector(api.store, api.connections, api.connections.config);
      await restarted.collect("kafka", "local");
      const afterRestart = await groupView(groupId);
      expect(afterRestart.group?.status, JSON.stringify(afterRestart.snapshot)).toBe("WARN");
    } finally {
      await consumer.disconnect();
    }
  });

  it("keeps showing the last snapshot, with its age and the error, when the broker is unreachable", async () => {
    await sample();
    const before = await api.data<{ snapshot: { sampledAt: Date } }>("lag.groups", {
      kind: "query",
      input: { connection: "local" },
      headers: { authorization: `Bearer ${viewer}` },
    });
    // Same connection name, unreachable broker: what Redrive sees when the cluster goes down.
    const down = buildConnections(configSchema.parse({ kafka: [{ ...kafkaConnection, brokers: ["127.0.0.1:1"] }] }));
    try {
      await new Collector(api.store, down, down.config).collect("kafka", "local");
    } finally {
      await closeConnections(down);
    }
    const after = await api.data<{ snapshot: { sampledAt: Date; lastRunOk: boolean; lastError: string }; rows: unknown[] }>("lag.groups", {
      kind: "query",
      input: { connection: "local" },
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(after.snapshot.sampledAt).toEqual(before.snapshot.sampledAt);
    expect(after.snapshot.lastRunOk).toBe(false);
    expect(after.snapshot.lastError).toMatch(/ECONNREFUSED|connect/i);
    expect(after.rows.length).toBeGreaterThan(0);
  });
});
