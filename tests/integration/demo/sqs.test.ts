import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotificationSender } from "../../../demo/consumers/notification-sender";
import { sqsFailures } from "../../../demo/db/schema";
import { FaultStore, quietFaults } from "../../../demo/faults";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { createQueuePair, queueDepth, sqsClient, sqsDlqFixture, type QueuePair } from "../../fixtures/sqs";
import { waitFor } from "./helpers";

describe("SQS notification-sender and RedrivePolicy", () => {
  const client = sqsClient();
  let tdb: TestDatabase;
  let pair: QueuePair;

  beforeAll(async () => {
    tdb = await createDemoDatabase();
    pair = await createQueuePair(client, { maxReceiveCount: 3 });
  });
  afterAll(async () => {
    await pair?.cleanup();
    await tdb?.cleanup();
    client.destroy();
  });

  it("a failing message moves to the DLQ after 3 receives; each failure reason is recorded by MessageId", async () => {
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: pair.sourceUrl,
        MessageBody: JSON.stringify({ schemaVersion: 1, orderId: "o-1" }),
        MessageAttributes: { "event-id": { DataType: "String", StringValue: "e-1" } },
      }),
    );
    const faults = new FaultStore({ ...quietFaults(), sqsFailureRate: 1 });
    const sender = new NotificationSender({
      sqs: client,
      db: tdb.db,
      faults,
      queues: { [pair.sourceQueue]: pair.sourceUrl },
      backoffBaseSeconds: 0,
      waitTimeSeconds: 0,
      log: () => {},
    });
    await waitFor("message in the DLQ", async () => {
      await sender.pollOnce(pair.sourceQueue);
      return (await queueDepth(client, pair.dlqUrl)) === 1;
    });
    expect(sender.stats.failed).toBe(3);
    expect(await queueDepth(client, pair.sourceUrl)).toBe(0);
    const dead = await client.send(
      new ReceiveMessageCommand({ QueueUrl: pair.dlqUrl, MessageAttributeNames: ["All"], WaitTimeSeconds: 1, VisibilityTimeout: 0 }),
    );
    expect(dead.Messages?.[0]?.Body).toBe(JSON.stringify({ schemaVersion: 1, orderId: "o-1" }));
    expect(dead.Messages?.[0]?.MessageAttributes?.["event-id"]?.StringValue).toBe("e-1");
    const failures = await tdb.db.select().from(sqsFailures).where(eq(sqsFailures.messageId, sent.MessageId!)).orderBy(asc(sqsFailures.id));
    expect(failures.map((f) => f.receiveCount)).toEqual([1, 2, 3]);
    expect(failures.every((f) => f.queue === pair.sourceQueue && f.reason.includes("NotificationFailedError"))).toBe(true);
  });

  it("a successful message is deleted and recorded once in processed_events", async () => {
    await client.send(
      new SendMessageCommand({
        QueueUrl: pair.sourceUrl,
        MessageBody: "{}",
        MessageAttributes: { "event-id": { DataType: "String", StringValue: "e-2" } },
      }),
    );
    const sender = new NotificationSender({
      sqs: client,
      db: tdb.db,
      faults: new FaultStore(quietFaults()),
      queues: { [pair.sourceQueue]: pair.sourceUrl },
      waitTimeSeconds: 1,
      log: () => {},
    });
    await waitFor("sent", async () => (await sender.pollOnce(pair.sourceQueue), sender.stats.sent === 1));
    expect(await queueDepth(client, pair.sourceUrl)).toBe(0);
  });

  it("sqsDlqFixture leaves exactly the given messages in a DLQ", async () => {
    const fx = await sqsDlqFixture({ client, messages: ["a", { body: "b", attributes: { reason: "x" } }, "c"] });
    try {
      expect(await queueDepth(client, fx.dlqUrl)).toBe(3);
      expect(await queueDepth(client, fx.sourceUrl)).toBe(0);
      expect(fx.messageIds).toHaveLength(3);
    } finally {
      await fx.cleanup();
    }
  });
});
