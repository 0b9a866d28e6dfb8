import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KafkaOverview, SqsOverview } from "~/server/brokers/types";
import { Collector } from "~/server/jobs/collector";
import type { ConnectionHealth } from "~/server/jobs/health-monitor";
import { createQueuePair, sqsClient, type QueuePair } from "../fixtures/sqs";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

type Outcome<T> = { ok: true; data: T } | { ok: false; error: string };
interface Overview {
  kafka: { connection: string; result: Outcome<KafkaOverview> }[];
  sqs: { connection: string; result: Outcome<Omit<SqsOverview, "deadLetterQueues"> & { deadLetterQueues: (Omit<SqsOverview["deadLetterQueues"][number], "depth"> & { depth: number | null })[] }> }[];
}

const sqs = sqsClient(SQS_ENDPOINT);
const kafka = new Kafka({ clientId: "overview-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
let admin: Admin;
let api: ApiHarness;
let viewer: string;

const topics = [uniqueName("ov-a"), uniqueName("ov-b")];
const source = uniqueName("ov-orders");
const dlq = `${source}-dlq`;
const queuePairs: QueuePair[] = [];

beforeAll(async () => {
  admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    topics: [
      { topic: topics[0]!, numPartitions: 3 },
      { topic: topics[1]!, numPartitions: 2 },
    ],
    waitForLeaders: true,
  });
  await waitUntilHosted([topics[0]!, topics[1]!]);
  const pair = await createQueuePair(sqs, { sourceQueue: source, dlq });
  queuePairs.push(pair);
  const dlqUrl = pair.dlqUrl;
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: dlqUrl,
      Entries: Array.from({ length: 7 }, (_, i) => ({ Id: `m${i}`, MessageBody: JSON.stringify({ n: i }) })),
    }),
  );

  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], clientId: "redrive-test", ssl: false, sampleIntervalSeconds: 15 }],
    sqs: [
      {
        name: "local",
        endpoint: SQS_ENDPOINT,
        region: "elasticmq",
        credentials: { accessKeyId: "x", secretAccessKey: "x" },
        sampleIntervalSeconds: 15,
      },
    ],
    databases: [],
  });
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  await admin?.deleteTopics({ topics }).catch(() => undefined);
  await admin?.disconnect();
  for (const pair of queuePairs) await pair.cleanup();
  sqs.destroy();
  await api?.close();
});

const overview = () =>
  api.data<Overview>("overview.get", { kind: "query", headers: { authorization: `Bearer ${viewer}` } });

describe("overview against the local stack", () => {
  it("shows the brokers, topics, partitions and groups that Kafka reports", async () => {
    const [result, metadata, groups, cluster] = await Promise.all([
      overview(),
      admin.fetchTopicMetadata(),
      admin.listGroups(),
      admin.describeCluster(),
    ]);
    const userTopics = metadata.topics.filter((t) => !t.name.startsWith("__"));
    const local = result.kafka[0]!.result;
    if (!local.ok) throw new Error(local.error);
    expect(local.data.brokers.length).toBe(cluster.brokers.length);
    expect(local.data.topicCount).toBe(userTopics.length);
    expect(local.data.partitionCount).toBe(userTopics.reduce((sum, t) => sum + t.partitions.length, 0));
    expect(local.data.consumerGroupCount).toBe(groups.groups.length);
    expect(local.data.topicCount).toBeGreaterThanOrEqual(2);
  });

  it("finds the DLQ from the source's RedrivePolicy and shows the depth of the stored sample, as every page does", async () => {
    const before = await overview();
    const unsampled = before.sqs[0]!.result;
    if (!unsampled.ok) throw new Error(unsampled.error);
    // Not sampled yet: no depth rather than a second figure read live from the broker.
    expect(unsampled.data.deadLetterQueues.find((queue) => queue.name === dlq)).toMatchObject({ depth: null, sourceQueues: [source] });

    await new Collector(api.store, api.connections, api.connections.config).collect("sqs", "local");
    const result = await overview();
    const local = result.sqs[0]!.result;
    if (!local.ok) throw new Error(local.error);
    const found = local.data.deadLetterQueues.find((queue) => queue.name === dlq);
    expect(found).toMatchObject({ depth: 7, sourceQueues: [source] });
    const { dlqs } = await api.data<{ dlqs: { name: string; depth: number }[] }>("depth.list", { kind: "query", headers: { authorization: `Bearer ${viewer}` } });
    expect(dlqs.find((d) => d.name === dlq)?.depth).toBe(7);
    expect(local.data.queues.find((queue) => queue.name === source)?.maxReceiveCount).toBe(3);
  });

  it("reports a broken connection next to the working ones, and health says why", async () => {
    const broken = await ApiHarness.start({
      kafka: [
        { name: "down", brokers: ["127.0.0.1:1"], clientId: "redrive-test", ssl: false, sampleIntervalSeconds: 15 },
        { name: "local", brokers: [KAFKA_BROKER], clientId: "redrive-test", ssl: false, sampleIntervalSeconds: 15 },
      ],
      sqs: [
        {
          name: "nowhere",
          endpoint: "http://127.0.0.1:1",
          region: "elasticmq",
          credentials: { accessKeyId: "x", secretAccessKey: "x" },
          sampleIntervalSeconds: 15,
        },
      ],
      databases: [{ name: "nodb", url: "postgres://postgres@127.0.0.1:1/none", schema: "public", writable: false }],
    });
    try {
      const token = await broken.tokenFor("viewer");
      const headers = { authorization: `Bearer ${token}` };
      const result = await broken.data<Overview>("overview.get", { kind: "query", headers });
      const byName = Object.fromEntries(result.kafka.map((k) => [k.connection, k.result]));
      expect(byName.down).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED|connect/i) });
      expect(byName.local).toMatchObject({ ok: true });
      expect(result.sqs[0]!.result).toMatchObject({ ok: false });

      const health = await broken.data<(ConnectionHealth & { target: string })[]>("connections.list", {
        kind: "query",
        input: { refresh: true },
        headers,
      });
      const state = Object.fromEntries(health.map((h) => [`${h.kind}/${h.name}`, h]));
      expect(state["kafka/local"]).toMatchObject({ reachable: true, lastError: null });
      expect(state["kafka/local"]!.roundTripMs).toBeGreaterThan(0);
      for (const key of ["kafka/down", "sqs/nowhere", "database/nodb"]) {
        expect(state[key]).toMatchObject({ reachable: false, lastError: expect.any(String) });
      }
      // Nothing secret in what the browser gets.
      expect(JSON.stringify(health)).not.toMatch(/secretAccessKey|"x"/);
    } finally {
      await broken.close();
    }
  });
});
