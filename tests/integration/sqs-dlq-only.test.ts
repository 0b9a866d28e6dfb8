import { GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createQueuePair, sqsClient, sqsDlqFixture, type QueuePair } from "../fixtures/sqs";
import { ApiHarness } from "./helpers/api";
import { SQS_ENDPOINT } from "./helpers/environment";

// Replay, edit and discard receive messages (hiding them from consumers): never from a live source queue.
const sqs = sqsClient(SQS_ENDPOINT);
let api: ApiHarness;
let operator: string;
let pair: QueuePair;
let liveMessageId: string;

beforeAll(async () => {
  api = await ApiHarness.start({
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, replay: { allowEdit: true } }],
  });
  operator = await api.tokenFor("operator");
  pair = await createQueuePair(sqs);
  const sent = await sqs.send(new SendMessageCommand({ QueueUrl: pair.sourceUrl, MessageBody: '{"live":true}' }));
  liveMessageId = sent.MessageId!;
});

afterAll(async () => {
  await pair?.cleanup();
  sqs.destroy();
  await api?.close();
});

async function counts(url: string): Promise<{ visible: number; hidden: number }> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }),
  );
  return { visible: Number(Attributes?.ApproximateNumberOfMessages), hidden: Number(Attributes?.ApproximateNumberOfMessagesNotVisible) };
}

const call = (procedure: string, input: Record<string, unknown>) =>
  api.call(procedure, { kind: "mutation", input: { kind: "sqs", connection: "local", id: liveMessageId, ...input }, headers: { authorization: `Bearer ${operator}` } });

describe("SQS single-message actions on a source queue", () => {
  it.each([
    ["replay.one", {}],
    ["replay.edit", { value: '{"live":false}' }],
    ["replay.discard", { reason: "not a dead letter" }],
  ] as const)("%s is refused without receiving anything", async (procedure, extra) => {
    const response = await call(procedure, { dlq: pair.sourceQueue, ...extra });
    expect(response.status).toBe(412);
    expect(JSON.stringify(response.body)).toContain("not a dead-letter queue");
    // Nothing was received: the live message is still visible to its consumers.
    expect(await counts(pair.sourceUrl)).toEqual({ visible: 1, hidden: 0 });
  });

  it("still replays from the queue's DLQ", async () => {
    const dead = await sqsDlqFixture({ client: sqs, messages: ['{"dead":true}'] });
    try {
      const response = await api.call("replay.discard", {
        kind: "mutation",
        input: { kind: "sqs", connection: "local", dlq: dead.dlq, id: dead.messageIds[0], reason: "checked" },
        headers: { authorization: `Bearer ${operator}` },
      });
      expect(response.status).toBe(200);
    } finally {
      await dead.cleanup();
    }
  });
});
