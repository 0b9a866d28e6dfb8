import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaDlqFixture } from "../fixtures/kafka";
import { sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import { Collector } from "~/server/jobs/collector";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT } from "./helpers/environment";

const sqs = sqsClient(SQS_ENDPOINT);
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let operator: string;

beforeAll(async () => {
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER] }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } }],
  });
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  sqs.destroy();
  await api?.close();
});

interface Replayed {
  replayId: string;
  target: string;
  targetPosition: string;
  replayCount: number;
}
const replay = (input: Record<string, unknown>) =>
  api.call("replay.one", { kind: "mutation", input: { connection: "local", ...input }, headers: { authorization: `Bearer ${operator}` } });
const replayed = async (input: Record<string, unknown>) => {
  const response = await replay(input);
  if (response.status !== 200) throw new Error(JSON.stringify(response.body));
  return (response.body as { result: { data: { json: Replayed } } }).result.data.json;
};

describe("one-click replay, Kafka", () => {
  it("sends the exact key, value bytes and original headers to the origin topic, without the DLQ's error headers", async () => {
    const value = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x7b, 0x01]);
    const created = await kafkaDlqFixture({ messages: [{ key: null, value, headers: { "trace-id": "abc-123" } }], partitions: 1 });
    cleanups.push(created.cleanup);
    const result = await replayed({ kind: "kafka", dlq: created.dlqTopic, id: "0:0" });
    expect(result).toMatchObject({ target: created.topic, replayCount: 1 });

    // Read the copy back from the broker.
    const [partition, offset] = result.targetPosition.split(":").map(Number) as [number, number];
    const adapter = api.connections.kafka.get("local")!;
    const [copy] = await adapter.readRecords(created.topic, partition, offset);
    expect(Number(copy!.offset)).toBe(offset);
    expect(copy!.key).toBeNull();
    expect(Buffer.compare(copy!.value!, value)).toBe(0);
    const headers = Object.fromEntries(copy!.headers.map(([k, v]) => [k, String(v)]));
    expect(headers["trace-id"]).toBe("abc-123");
    expect(headers["redrive-replay-id"]).toBe(result.replayId);
    expect(headers["redrive-replay-count"]).toBe("1");
    expect(headers["redrive-replayed-from"]).toBe(`${created.dlqTopic}/0/0`);
    expect(Object.keys(headers).filter((name) => name.startsWith("kafka_dlt-") || name === "x-attempts")).toEqual([]);

    // The ledger knows, and the DLQ record is still there (Kafka DLQs are marked, not deleted).
    const ledger = await api.data<{ replayId: string; replayedBy: string }[]>("replay.ofMessage", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, id: "0:0" },
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(ledger).toEqual([expect.objectContaining({ replayId: result.replayId, replayedBy: "token:test-operator" })]);
    expect(await adapter.readRecords(created.dlqTopic, 0, 0)).toHaveLength(1);

    // The DLQ list counts it as replayed.
    await new Collector(api.store, api.connections, api.connections.config).collect("kafka", "local");
    const { dlqs } = await api.data<{ dlqs: { name: string; depth: number; notReplayed: number }[] }>("depth.list", {
      kind: "query",
      headers: { authorization: `Bearer ${operator}` },
    });
    expect(dlqs.find((d) => d.name === created.dlqTopic)).toMatchObject({ depth: 1, notReplayed: 0 });
  });

  it("quarantines a message already replayed three times unless the operator overrides", async () => {
    const created = await kafkaDlqFixture({ messages: [{ key: "k", value: "{}", headers: { "redrive-replay-count": "3" } }], partitions: 1 });
    cleanups.push(created.cleanup);
    const refused = await replay({ kind: "kafka", dlq: created.dlqTopic, id: "0:0" });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toContain("Quarantined");
    const forced = await replayed({ kind: "kafka", dlq: created.dlqTopic, id: "0:0", overrideLoopGuard: true });
    expect(forced.replayCount).toBe(4);
  });
});

describe("one-click replay, SQS", () => {
  it("moves one message back to its source with its attributes, deleting it from the DLQ only after the send", async () => {
    const pair = await sqsDlqFixture({
      client: sqs,
      messages: [0, 1, 2].map((i) => ({ body: JSON.stringify({ order: i }), attributes: { "event-type": "OrderPlaced", "failure-reason": `declined ${i}` } })),
    });
    cleanups.push(pair.cleanup);
    const target = pair.messageIds[1]!;
    const result = await replayed({ kind: "sqs", dlq: pair.dlq, id: target });
    expect(result).toMatchObject({ target: pair.sourceQueue, replayCount: 1 });

    const depth = async (url: string) =>
      (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] })))
        .Attributes;
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "2", ApproximateNumberOfMessagesNotVisible: "0" });
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pair.sourceUrl, MessageAttributeNames: ["All"], MaxNumberOfMessages: 10 }));
    expect(received.Messages).toHaveLength(1);
    const copy = received.Messages![0]!;
    expect(copy.MessageId).toBe(result.targetPosition);
    expect(copy.Body).toBe(JSON.stringify({ order: 1 }));
    expect(copy.MessageAttributes?.["event-type"]?.StringValue).toBe("OrderPlaced");
    expect(JSON.parse(copy.MessageAttributes!.redrive!.StringValue!)).toEqual({
      "redrive-replay-id": result.replayId,
      "redrive-replay-count": 1,
      "redrive-replayed-from": `${pair.dlq}/${target}`,
    });

    const again = await replay({ kind: "sqs", dlq: pair.dlq, id: target });
    expect(again.status).toBe(412);
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "2", ApproximateNumberOfMessagesNotVisible: "0" });
  });
});
