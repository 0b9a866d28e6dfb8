import { GetQueueAttributesCommand, ReceiveMessageCommand } from "@aws-sdk/client-sqs";
import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaDlqFixture } from "../fixtures/kafka";
import { sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import { auditLog, replayLedger } from "~/server/db/schema";
import { Collector } from "~/server/jobs/collector";
import { ApiHarness, type ApiResponse } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT } from "./helpers/environment";

const sqs = sqsClient(SQS_ENDPOINT);
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let operator: string;
let viewer: string;

beforeAll(async () => {
  api = await ApiHarness.start({
    kafka: [
      { name: "local", brokers: [KAFKA_BROKER], replay: { allowEdit: true } },
      { name: "noedit", brokers: [KAFKA_BROKER] },
    ],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, replay: { allowEdit: true } }],
  });
  operator = await api.tokenFor("operator");
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  sqs.destroy();
  await api?.close();
});

interface Edited {
  replayId: string;
  target: string;
  targetPosition: string;
  replayCount: number;
  diff: {
    value: { before: string; after: string; truncated: boolean; changedPaths: string[] | null } | null;
    headers: { added: { name: string; value: string }[]; removed: string[]; changed: { name: string; before: string; after: string }[] };
  };
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });
const mutate = (procedure: string, input: Record<string, unknown>, token = operator) =>
  api.call(procedure, { kind: "mutation", input: { connection: "local", ...input }, headers: as(token) });
const ok = <T>(response: ApiResponse): T => {
  if (response.status !== 200) throw new Error(`answered ${response.status}: ${JSON.stringify(response.body)}`);
  return (response.body as { result: { data: { json: T } } }).result.data.json;
};
const errorMessage = (response: ApiResponse) => (response.body as { error: { json: { message: string } } }).error.json.message;
const headerText = (headers: [string, Buffer | null][]) => Object.fromEntries(headers.map(([k, v]) => [k, String(v)]));

async function latestAudit(procedure: string) {
  const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, procedure)).orderBy(desc(auditLog.id)).limit(1);
  return row!;
}

describe("edit and replay, Kafka", () => {
  it("replays the edited JSON bytes and headers with the replay headers, writes an edit ledger row and keeps the diff in the audit row", async () => {
    const original = JSON.stringify({ orderId: "o-1", amount: 99, lines: [{ sku: "a" }] });
    const created = await kafkaDlqFixture({ messages: [{ key: "o-1", value: original, headers: { "trace-id": "t-1", stale: "x" } }], partitions: 1 });
    cleanups.push(created.cleanup);
    const edited = '{"orderId":"o-1","amount":100,"lines":[{"sku":"b"}]}';
    const result = ok<Edited>(
      await mutate("replay.edit", {
        kind: "kafka",
        dlq: created.dlqTopic,
        id: "0:0",
        value: edited,
        headers: { set: [{ name: "trace-id", value: "t-2" }, { name: "fixed-by", value: "ops" }], remove: ["stale"] },
        note: "amount corrected",
      }),
    );
    expect(result).toMatchObject({ target: created.topic, replayCount: 1 });
    expect(result.diff.value).toMatchObject({ before: original, after: edited, changedPaths: ["amount", "lines.0.sku"] });
    expect(result.diff.headers).toEqual({ added: [{ name: "fixed-by", value: "ops" }], removed: ["stale"], changed: [{ name: "trace-id", before: "t-1", after: "t-2" }] });

    // The broker's copy: the edited bytes, the same key, the edited headers and the replay headers, no DLQ error headers.
    const [partition, offset] = result.targetPosition.split(":").map(Number) as [number, number];
    const [copy] = await api.connections.kafka.get("local")!.readRecords(created.topic, partition, offset);
    expect(copy!.key!.toString()).toBe("o-1");
    expect(Buffer.compare(copy!.value!, Buffer.from(edited, "utf8"))).toBe(0);
    const headers = headerText(copy!.headers);
    expect(headers).toMatchObject({
      "trace-id": "t-2",
      "fixed-by": "ops",
      "redrive-replay-id": result.replayId,
      "redrive-replay-count": "1",
      "redrive-replayed-from": `${created.dlqTopic}/0/0`,
    });
    expect(headers.stale).toBeUndefined();
    expect(Object.keys(headers).filter((name) => name.startsWith("kafka_dlt-"))).toEqual([]);

    const [ledger] = await api.store.db.select().from(replayLedger).where(eq(replayLedger.replayId, result.replayId));
    expect(ledger).toMatchObject({ action: "edit", messageId: "0:0", target: created.topic, targetPosition: result.targetPosition, reason: "amount corrected", replayedBy: "token:test-operator" });

    const audit = await latestAudit("replay.edit");
    expect(audit.outcome).toBe("ok");
    const parameters = audit.parameters as { id: string; details: { diff: Edited["diff"]; replayId: string } };
    expect(parameters.id).toBe("0:0");
    expect(parameters.details.replayId).toBe(result.replayId);
    expect(parameters.details.diff).toEqual(result.diff);
  });

  it("refuses an edited payload that is not valid JSON when the original is JSON, with the parser's reason, and sends nothing", async () => {
    const created = await kafkaDlqFixture({ messages: [{ key: "k", value: '{"a":1}' }], partitions: 1 });
    cleanups.push(created.cleanup);
    const refused = await mutate("replay.edit", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", value: '{"a": 1,' });
    expect(refused.status).toBe(400);
    expect(errorMessage(refused)).toMatch(/^The original payload is JSON, and the edited payload is not valid JSON: /);
    expect(await api.connections.kafka.get("local")!.topicOffsets(created.topic)).toEqual([expect.objectContaining({ logEndOffset: 0 })]);
    const audit = await latestAudit("replay.edit");
    expect(audit).toMatchObject({ outcome: "error" });
    expect(audit.error).toContain("not valid JSON");

    const unchanged = await mutate("replay.edit", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", value: '{"a":1}' });
    expect(unchanged.status).toBe(412);
    expect(errorMessage(unchanged)).toContain("Nothing was edited");
  });

  it("refuses an edit where the connection does not allow it, and refuses a viewer", async () => {
    const created = await kafkaDlqFixture({ messages: [{ key: "k", value: '{"a":1}' }], partitions: 1 });
    cleanups.push(created.cleanup);
    const off = await mutate("replay.edit", { connection: "noedit", kind: "kafka", dlq: created.dlqTopic, id: "0:0", value: '{"a":2}' });
    expect(off.status).toBe(403);
    expect(errorMessage(off)).toContain("replay.allowEdit");
    const asViewer = await mutate("replay.edit", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", value: '{"a":2}' }, viewer);
    expect(asViewer.status).toBe(403);
    const discardAsViewer = await mutate("replay.discard", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", reason: "no" }, viewer);
    expect(discardAsViewer.status).toBe(403);
    expect(await api.connections.kafka.get("local")!.topicOffsets(created.topic)).toEqual([expect.objectContaining({ logEndOffset: 0 })]);
    expect(await api.store.db.select().from(replayLedger).where(eq(replayLedger.dlq, created.dlqTopic))).toEqual([]);

    // The settings query tells the UI, and carries nothing but the two flags.
    const settings = await api.data<Record<string, boolean>>("replay.settings", { kind: "query", input: { kind: "kafka", connection: "noedit" }, headers: as(viewer) });
    expect(settings).toEqual({ allowEdit: false, keepErrorHeaders: false });
  });
});

describe("discard, Kafka", () => {
  it("marks one message resolved with its reason: the ledger, the message view and the DLQ list count it", async () => {
    const created = await kafkaDlqFixture({ messages: [{ key: "a", value: "{}" }, { key: "b", value: "{}" }], partitions: 1 });
    cleanups.push(created.cleanup);
    const noReason = await mutate("replay.discard", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", reason: "  " });
    expect(noReason.status).toBe(400);

    const discarded = ok<{ id: string; action: string; replayId: string }>(await mutate("replay.discard", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", reason: "duplicate of 0:1" }));
    expect(discarded).toMatchObject({ id: "0:0", action: "discard" });
    const again = ok<{ alreadyDiscarded: boolean }>(await mutate("replay.discard", { kind: "kafka", dlq: created.dlqTopic, id: "0:0", reason: "twice" }));
    expect(again.alreadyDiscarded).toBe(true);
    const beyond = await mutate("replay.discard", { kind: "kafka", dlq: created.dlqTopic, id: "0:7", reason: "gone" });
    expect(beyond.status).toBe(412);

    const history = await api.data<{ action: string; reason: string; target: string | null }[]>("replay.ofMessage", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, id: "0:0" },
      headers: as(viewer),
    });
    expect(history).toEqual([expect.objectContaining({ action: "discard", reason: "duplicate of 0:1", target: null })]);
    const resolution = await api.data<Record<string, { action: string }>>("replay.resolution", {
      kind: "query",
      input: { kind: "kafka", connection: "local", dlq: created.dlqTopic, ids: ["0:0", "0:1"] },
      headers: as(viewer),
    });
    expect(resolution).toEqual({ "0:0": expect.objectContaining({ action: "discard", reason: "duplicate of 0:1" }) });

    // The record stays in the topic, and the DLQ list counts it as resolved.
    expect(await api.connections.kafka.get("local")!.readRecords(created.dlqTopic, 0, 0)).toHaveLength(2);
    await new Collector(api.store, api.connections, api.connections.config).collect("kafka", "local");
    const { dlqs } = await api.data<{ dlqs: { name: string; depth: number; notReplayed: number }[] }>("depth.list", { kind: "query", headers: as(viewer) });
    expect(dlqs.find((d) => d.name === created.dlqTopic)).toMatchObject({ depth: 2, notReplayed: 1 });
    const audit = await latestAudit("replay.discard");
    expect(audit.parameters).toMatchObject({ kind: "kafka", id: "0:7", reason: "gone" });
  });
});

describe("edit and discard, SQS", () => {
  const depth = async (url: string) =>
    (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }))).Attributes;

  it("discards one message: archived in the ledger with its body and attributes, then deleted from the DLQ", async () => {
    const pair = await sqsDlqFixture({
      client: sqs,
      messages: [0, 1].map((i) => ({ body: JSON.stringify({ order: i }), attributes: { "event-type": "OrderPlaced", "failure-reason": `declined ${i}` } })),
    });
    cleanups.push(pair.cleanup);
    const id = pair.messageIds[0]!;
    const discarded = ok<{ replayId: string }>(await mutate("replay.discard", { kind: "sqs", dlq: pair.dlq, id, reason: "test order" }));
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" });
    const [ledger] = await api.store.db.select().from(replayLedger).where(eq(replayLedger.replayId, discarded.replayId));
    expect(ledger).toMatchObject({ kind: "sqs", action: "discard", messageId: id, reason: "test order", target: null });
    expect(ledger!.archived).toMatchObject({
      body: JSON.stringify({ order: 0 }),
      messageAttributes: { "event-type": { dataType: "String", value: "OrderPlaced" }, "failure-reason": { dataType: "String", value: "declined 0" } },
    });
    expect(ledger!.archived!.attributes.DeadLetterQueueSourceArn).toContain(pair.sourceQueue);

    const again = await mutate("replay.discard", { kind: "sqs", dlq: pair.dlq, id, reason: "again" });
    expect(again.status).toBe(412);
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" });
  });

  it("replays an edited body and attributes to the source queue and deletes the original only after the send; a refused edit leaves it visible", async () => {
    const pair = await sqsDlqFixture({ client: sqs, messages: [{ body: JSON.stringify({ order: 7, qty: 0 }), attributes: { "event-type": "OrderPlaced", "failure-reason": "qty 0" } }] });
    cleanups.push(pair.cleanup);
    const id = pair.messageIds[0]!;

    const refused = await mutate("replay.edit", { kind: "sqs", dlq: pair.dlq, id, value: "{qty: 1}" });
    expect(refused.status).toBe(400);
    expect(errorMessage(refused)).toContain("not valid JSON");
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" });

    const edited = JSON.stringify({ order: 7, qty: 1 });
    const result = ok<Edited>(
      await mutate("replay.edit", { kind: "sqs", dlq: pair.dlq, id, value: edited, headers: { set: [{ name: "fixed", value: "yes" }], remove: ["failure-reason"] } }),
    );
    expect(result).toMatchObject({ target: pair.sourceQueue, replayCount: 1 });
    expect(result.diff.value?.changedPaths).toEqual(["qty"]);
    expect(result.diff.headers).toEqual({ added: [{ name: "fixed", value: "yes" }], removed: ["failure-reason"], changed: [] });
    expect(await depth(pair.dlqUrl)).toMatchObject({ ApproximateNumberOfMessages: "0", ApproximateNumberOfMessagesNotVisible: "0" });

    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: pair.sourceUrl, MessageAttributeNames: ["All"], MaxNumberOfMessages: 10 }));
    expect(received.Messages).toHaveLength(1);
    const copy = received.Messages![0]!;
    expect(copy.MessageId).toBe(result.targetPosition);
    expect(copy.Body).toBe(edited);
    expect(copy.MessageAttributes?.["event-type"]?.StringValue).toBe("OrderPlaced");
    expect(copy.MessageAttributes?.fixed?.StringValue).toBe("yes");
    expect(copy.MessageAttributes?.["failure-reason"]).toBeUndefined();
    expect(JSON.parse(copy.MessageAttributes!.redrive!.StringValue!)).toEqual({
      "redrive-replay-id": result.replayId,
      "redrive-replay-count": 1,
      "redrive-replayed-from": `${pair.dlq}/${id}`,
    });
    const [ledger] = await api.store.db.select().from(replayLedger).where(eq(replayLedger.replayId, result.replayId));
    expect(ledger).toMatchObject({ kind: "sqs", action: "edit", targetPosition: copy.MessageId });
    expect((await latestAudit("replay.edit")).parameters).toMatchObject({ details: { diff: result.diff } });
  });
});
