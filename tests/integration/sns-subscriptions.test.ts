/**
 * SNS topics, subscriptions and subscription DLQs on a real SNS + SQS server: fauxqs (the stack's, started here on
 * a port of its own through scripts/stack-sns.mjs). fauxqs stores a subscription's RedrivePolicy but never moves a
 * failed delivery to that DLQ itself, so these tests do what SNS does on a failed delivery: they put the message
 * SNS delivered into the subscription's DLQ, with the attributes SNS adds (ErrorCode, ErrorMessage, TopicArn,
 * SubscriptionArn).
 */
import os from "node:os";
import path from "node:path";
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import {
  CreateTopicCommand,
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SNSClient,
  SubscribeCommand,
} from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient, type Message } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SqsSampler } from "~/server/jobs/sqs-sampler";
import { sqsConnectionSchema } from "~/server/brokers/sqs/config";
import { SqsAdapter } from "~/server/brokers/sqs/sqs";
import type { SqsOverview } from "~/server/brokers/types";
import type { DlqDepth } from "~/server/depth/latest";
import { snsDown, snsStatus, snsUp, startFauxqsServer } from "../../scripts/stack-sns.mjs";
import { uniqueName } from "../fixtures/names";
import { ApiHarness } from "./helpers/api";

const REGION = "us-east-1";
const credentials = { accessKeyId: "test", secretAccessKey: "test" };

let server: { endpoint: string; stop: () => Promise<void> };
let sns: SNSClient;
let sqs: SQSClient;
let api: ApiHarness;
let operator: string;
let viewer: string;

interface Queue {
  name: string;
  url: string;
  arn: string;
}
let topicArn: string;
let topicName: string;
/** Subscriber A: envelope (raw delivery off), with a subscription DLQ. */
let a: Queue;
let aDlq: Queue;
let aSub: string;
/** Subscriber B: raw delivery, with a subscription DLQ. */
let b: Queue;
let bDlq: Queue;
let bSub: string;
/** Subscriber C: raw delivery, filtered, no DLQ (flagged). */
let c: Queue;
let cSub: string;

async function createQueue(name: string): Promise<Queue> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { name, url: QueueUrl!, arn: Attributes!.QueueArn! };
}

async function subscribe(queue: Queue, attributes: Record<string, string>): Promise<string> {
  const { SubscriptionArn } = await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: queue.arn, ReturnSubscriptionArn: true, Attributes: attributes }));
  return SubscriptionArn!;
}

async function receiveAll(queue: Queue): Promise<Message[]> {
  const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queue.url, MaxNumberOfMessages: 10, MessageAttributeNames: ["All"], WaitTimeSeconds: 0, VisibilityTimeout: 1 }));
  return Messages;
}

async function depth(queue: Queue): Promise<number> {
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
  return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
}

/** Receives a message SNS delivered to a subscriber's queue and takes it off that queue: the delivery "failed". */
async function takeDelivery(queue: Queue): Promise<Message> {
  const [delivered] = await receiveAll(queue);
  expect(delivered).toBeDefined();
  await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: delivered!.ReceiptHandle! }));
  return delivered!;
}

/** Takes `n` deliveries off a subscriber's queue (received with a short visibility, so a few rounds may be needed). */
async function takeDeliveries(queue: Queue, n: number): Promise<Message[]> {
  const taken: Message[] = [];
  for (let round = 0; round < 20 && taken.length < n; round += 1) {
    const batch = await receiveAll(queue);
    for (const message of batch) await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message.ReceiptHandle! }));
    taken.push(...batch);
    if (taken.length < n) await new Promise((resolve) => setTimeout(resolve, 300));
  }
  expect(taken).toHaveLength(n);
  return taken;
}

/** What SNS does with a delivery that failed: the same message into the subscription's DLQ, with its error attributes. */
async function deadLetter(dlq: Queue, delivered: Message, subscriptionArn: string, errorCode: string): Promise<string> {
  const { MessageId } = await sqs.send(
    new SendMessageCommand({
      QueueUrl: dlq.url,
      MessageBody: delivered.Body!,
      MessageAttributes: {
        ...(delivered.MessageAttributes ?? {}),
        ErrorCode: { DataType: "String", StringValue: errorCode },
        ErrorMessage: { DataType: "String", StringValue: `Delivery to ${subscriptionArn} failed` },
        TopicArn: { DataType: "String", StringValue: topicArn },
        SubscriptionArn: { DataType: "String", StringValue: subscriptionArn },
      },
    }),
  );
  return MessageId!;
}

const as = (token: string) => ({ authorization: `Bearer ${token}` });

async function messageDetail(dlq: Queue, id: string) {
  const snapshot = await api.data<{ id: string; captured: number }>("dlq.sqs.takeSnapshot", { kind: "mutation", input: { connection: "sns", queue: dlq.name }, headers: as(viewer) });
  return api.data<{
    failure: { convention: string; exceptionClass: string | null; message: string | null; sns: { topic: string; topicArn: string; subscriptionArn: string | null; envelope: boolean; errorCode: string | null } | null };
    snsSubscriber: { ok: true; queue: string | null; subscriptionArn: string; rawMessageDelivery: boolean } | { ok: false; reason: string } | null;
    value: { text: string | null } | null;
    origin: string | null;
  }>("dlq.message", { kind: "query", input: { kind: "sqs", connection: "sns", dlq: dlq.name, id, snapshotId: snapshot.id }, headers: as(viewer) });
}

beforeAll(async () => {
  server = await startFauxqsServer({ port: 0 });
  sns = new SNSClient({ region: REGION, endpoint: server.endpoint, credentials });
  sqs = new SQSClient({ region: REGION, endpoint: server.endpoint, credentials });
  api = await ApiHarness.start({ sqs: [{ name: "sns", endpoint: server.endpoint, region: REGION, credentials: { accessKeyId: "test", secretAccessKey: "test" }, sns: {}, replay: { allowEdit: true } }] });
  operator = await api.tokenFor("operator");
  viewer = await api.tokenFor("viewer");

  topicName = uniqueName("orders");
  topicArn = (await sns.send(new CreateTopicCommand({ Name: topicName }))).TopicArn!;
  a = await createQueue(`${topicName}-a`);
  aDlq = await createQueue(`${topicName}-a-dlq`);
  b = await createQueue(`${topicName}-b`);
  bDlq = await createQueue(`${topicName}-b-dlq`);
  c = await createQueue(`${topicName}-c`);
  aSub = await subscribe(a, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: aDlq.arn }) });
  bSub = await subscribe(b, { RawMessageDelivery: "true", RedrivePolicy: JSON.stringify({ deadLetterTargetArn: bDlq.arn }) });
  cSub = await subscribe(c, { RawMessageDelivery: "true", FilterPolicy: JSON.stringify({ type: ["created"] }) });
});

afterAll(async () => {
  sns?.destroy();
  sqs?.destroy();
  await api?.close();
  await server?.stop();
});

describe("SNS discovery", () => {
  it("lists topics, subscriptions and redrive policies exactly as the SNS API returns them", async () => {
    const overview = await api.data<{ sqs: { connection: string; result: { ok: true; data: SqsOverview } }[] }>("overview.get", { kind: "query", headers: as(viewer) });
    const data = overview.sqs.find((s) => s.connection === "sns")!.result.data;
    expect(data.snsError).toBeNull();

    // The SNS API's own answer, asked directly.
    const listed = (await sns.send(new ListTopicsCommand({}))).Topics!.map((t) => t.TopicArn!).sort();
    expect(data.topics!.map((t) => t.arn).sort()).toEqual(listed);
    const topic = data.topics!.find((t) => t.arn === topicArn)!;
    const subscriptions = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions!;
    expect(topic.subscriptions.map((s) => s.arn).sort()).toEqual(subscriptions.map((s) => s.SubscriptionArn!).sort());
    for (const sub of topic.subscriptions) {
      const { Attributes } = await sns.send(new GetSubscriptionAttributesCommand({ SubscriptionArn: sub.arn }));
      expect(sub).toMatchObject({
        topicArn,
        protocol: Attributes!.Protocol,
        endpoint: Attributes!.Endpoint,
        rawMessageDelivery: Attributes!.RawMessageDelivery === "true",
        filterPolicy: Attributes!.FilterPolicy ?? null,
        redrivePolicy: Attributes!.RedrivePolicy ?? null,
        deadLetterTargetArn: Attributes!.RedrivePolicy ? (JSON.parse(Attributes!.RedrivePolicy) as { deadLetterTargetArn: string }).deadLetterTargetArn : null,
      });
    }
    expect(topic.subscriptions.find((s) => s.arn === aSub)).toMatchObject({ endpoint: a.arn, rawMessageDelivery: false, deadLetterTargetArn: aDlq.arn });
    expect(topic.subscriptions.find((s) => s.arn === bSub)).toMatchObject({ endpoint: b.arn, rawMessageDelivery: true, deadLetterTargetArn: bDlq.arn });
    // No DLQ: flagged (its failed deliveries are dropped).
    expect(topic.subscriptions.find((s) => s.arn === cSub)).toMatchObject({ endpoint: c.arn, deadLetterTargetArn: null, filterPolicy: '{"type":["created"]}' });

    // The subscription DLQs are DLQs, named by their subscription; the subscribers' own queues are not.
    const dlqs = new Map(data.deadLetterQueues.map((d) => [d.name, d]));
    expect(dlqs.get(aDlq.name)).toMatchObject({ sourceQueues: [], sourceSubscriptions: [{ arn: aSub, topic: topicName, label: `subscription ${aSub.split(":").at(-1)} of topic ${topicName}` }] });
    expect(dlqs.get(bDlq.name)?.sourceSubscriptions.map((s) => s.arn)).toEqual([bSub]);
    expect(dlqs.has(a.name) || dlqs.has(c.name)).toBe(false);
  });

  it("samples subscription DLQs for the DLQ list, read as \"subscription X of topic T\"", async () => {
    await new SqsSampler(api.store.db, api.connections.sqs.get("sns")!).sample();
    const { dlqs } = await api.data<{ dlqs: DlqDepth[] }>("depth.list", { kind: "query", headers: as(viewer) });
    expect(dlqs.find((d) => d.name === aDlq.name)).toMatchObject({ kind: "sqs", connection: "sns", sources: [`subscription ${aSub.split(":").at(-1)} of topic ${topicName}`] });
    expect(dlqs.some((d) => d.name === a.name)).toBe(false);
  });
});

describe("SNS discovery over pages", () => {
  it("reads every page of ListTopics and ListSubscriptionsByTopic (100 per page)", async () => {
    const own = await startFauxqsServer({ port: 0 });
    const client = { region: REGION, endpoint: own.endpoint, credentials };
    const ownSns = new SNSClient(client);
    const ownSqs = new SQSClient(client);
    const adapter = new SqsAdapter(sqsConnectionSchema.parse({ name: "paged", region: REGION, endpoint: own.endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" }, sns: {} }));
    try {
      const arns = await Promise.all(Array.from({ length: 105 }, (_, i) => ownSns.send(new CreateTopicCommand({ Name: `paged-${String(i).padStart(3, "0")}` })).then((r) => r.TopicArn!)));
      for (let i = 0; i < 101; i += 1) {
        const { QueueUrl } = await ownSqs.send(new CreateQueueCommand({ QueueName: `paged-q-${i}` }));
        const { Attributes } = await ownSqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
        await ownSns.send(new SubscribeCommand({ TopicArn: arns[0], Protocol: "sqs", Endpoint: Attributes!.QueueArn }));
      }
      const overview = await adapter.overview();
      expect(overview.topics!.map((t) => t.arn).sort()).toEqual([...arns].sort());
      expect(overview.topics!.find((t) => t.arn === arns[0])!.subscriptions).toHaveLength(101);
      // Every one of them without a DLQ: flagged.
      expect(overview.topics!.flatMap((t) => t.subscriptions).every((sub) => sub.deadLetterTargetArn === null)).toBe(true);
    } finally {
      await adapter.close();
      ownSns.destroy();
      ownSqs.destroy();
      await own.stop();
    }
  });
});

describe("a subscription DLQ's dead letters", () => {
  it("decode with their subscription (envelope), replay to that subscriber's queue only, and leave the others unchanged", async () => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"order":1}', MessageAttributes: { type: { DataType: "String", StringValue: "updated" } } }));
    // Delivered to A (envelope) and B (raw); C's filter did not match.
    const delivered = await takeDelivery(a);
    await takeDelivery(b);
    expect(await depth(c)).toBe(0);
    const id = await deadLetter(aDlq, delivered, aSub, "SQS.QueueDoesNotExist");

    const detail = await messageDetail(aDlq, id);
    expect(detail.failure).toMatchObject({ convention: "sns-delivery", exceptionClass: "SQS.QueueDoesNotExist", message: `Delivery to ${aSub} failed` });
    expect(detail.failure.sns).toMatchObject({ topic: topicName, topicArn, subscriptionArn: aSub, envelope: true, errorCode: "SQS.QueueDoesNotExist" });
    expect(detail.snsSubscriber).toMatchObject({ ok: true, queue: a.name, subscriptionArn: aSub, rawMessageDelivery: false });
    expect(detail.origin).toBe(`subscription ${aSub.split(":").at(-1)} of topic ${topicName}`);

    const replayed = await api.data<{ target: string }>("replay.one", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id }, headers: as(operator) });
    expect(replayed.target).toBe(a.name);
    const [copy] = await receiveAll(a);
    // As subscription A receives it: the same SNS envelope, without SNS's error attributes.
    expect(copy!.Body).toBe(delivered.Body);
    expect(Object.keys(copy!.MessageAttributes ?? {})).toEqual(["redrive"]);
    expect(await depth(b)).toBe(0);
    expect(await depth(c)).toBe(0);
    expect(await depth(aDlq)).toBe(0);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: a.url, ReceiptHandle: copy!.ReceiptHandle! }));
  });

  it("replays a raw-delivery dead letter raw, with its own attributes, to its subscriber only", async () => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"order":2}', MessageAttributes: { type: { DataType: "String", StringValue: "updated" } } }));
    await takeDelivery(a);
    const delivered = await takeDelivery(b);
    expect(delivered.Body).toBe('{"order":2}');
    const id = await deadLetter(bDlq, delivered, bSub, "KMS.AccessDenied");

    const detail = await messageDetail(bDlq, id);
    expect(detail.failure.sns).toMatchObject({ subscriptionArn: bSub, envelope: false, errorCode: "KMS.AccessDenied" });
    expect(detail.snsSubscriber).toMatchObject({ ok: true, queue: b.name, rawMessageDelivery: true });

    await api.data("replay.one", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: bDlq.name, id }, headers: as(operator) });
    const [copy] = await receiveAll(b);
    expect(copy!.Body).toBe('{"order":2}');
    expect(copy!.MessageAttributes?.type?.StringValue).toBe("updated");
    expect(copy!.MessageAttributes?.ErrorCode).toBeUndefined();
    expect(await depth(a)).toBe(0);
    expect(await depth(c)).toBe(0);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: b.url, ReceiptHandle: copy!.ReceiptHandle! }));
  });

  it("edit and replay: to the subscriber's queue as edited, only when the dead letter is in the form it receives", async () => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"order":4}', MessageAttributes: { type: { DataType: "String", StringValue: "updated" } } }));
    const delivered = await takeDelivery(a);
    await takeDelivery(b);
    const id = await deadLetter(aDlq, delivered, aSub, "SQS.QueueDoesNotExist");
    const envelope = JSON.parse(delivered.Body!) as { Message: string };
    const edited = JSON.stringify({ ...envelope, Message: '{"order":4,"fixed":true}' });
    const result = await api.data<{ target: string }>("replay.edit", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id, value: edited }, headers: as(operator) });
    expect(result.target).toBe(a.name);
    const [copy] = await receiveAll(a);
    expect(copy!.Body).toBe(edited);
    expect(await depth(b)).toBe(0);
    await sqs.send(new DeleteMessageCommand({ QueueUrl: a.url, ReceiptHandle: copy!.ReceiptHandle! }));

    // A raw dead letter for a subscription that receives envelopes: its edit is refused, and it stays.
    const raw = await deadLetter(aDlq, { Body: '{"order":5}' }, aSub, "SQS.QueueDoesNotExist");
    const refused = await api.call("replay.edit", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id: raw, value: '{"order":5,"fixed":true}' }, headers: as(operator) });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toContain("receives SNS envelopes");
    // Nor can a plain replay write the envelope only SNS can sign.
    const replay = await api.call("replay.one", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id: raw }, headers: as(operator) });
    expect(replay.status).toBe(412);
    expect(await depth(aDlq)).toBe(1);
    expect(await depth(a)).toBe(0);
    await api.data("replay.discard", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id: raw, reason: "test: raw for an envelope subscriber" }, headers: as(operator) });
  });

  it("publishes to the topic only with a confirmation that names every subscription", async () => {
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: '{"order":3}', MessageAttributes: { type: { DataType: "String", StringValue: "created" } } }));
    const delivered = await takeDelivery(a);
    await takeDelivery(b);
    await takeDelivery(c);
    const id = await deadLetter(aDlq, delivered, aSub, "SQS.QueueDoesNotExist");

    const audience = await api.data<{ arn: string }[]>("replay.snsTopicAudience", { kind: "query", input: { connection: "sns", topicArn }, headers: as(viewer) });
    expect(audience.map((s) => s.arn).sort()).toEqual([aSub, bSub, cSub].sort());

    // Confirming fewer subscriptions than the topic has is refused, and nothing moves.
    const refused = await api.call("replay.publishToTopic", { kind: "mutation", input: { connection: "sns", dlq: aDlq.name, id, confirmedSubscriptions: [aSub] }, headers: as(operator) });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toContain("changed since the confirmation");
    expect(await depth(aDlq)).toBe(1);
    // A viewer may not publish.
    const forbidden = await api.call("replay.publishToTopic", { kind: "mutation", input: { connection: "sns", dlq: aDlq.name, id, confirmedSubscriptions: audience.map((s) => s.arn) }, headers: as(viewer) });
    expect(forbidden.status).toBe(403);

    await api.data("replay.publishToTopic", { kind: "mutation", input: { connection: "sns", dlq: aDlq.name, id, confirmedSubscriptions: audience.map((s) => s.arn) }, headers: as(operator) });
    // Every subscriber receives it again: the message as it was published, not the envelope of the failed delivery.
    const [toA] = await receiveAll(a);
    const [toB] = await receiveAll(b);
    const [toC] = await receiveAll(c);
    expect((JSON.parse(toA!.Body!) as { Message: string }).Message).toBe('{"order":3}');
    expect(toB!.Body).toBe('{"order":3}');
    expect(toC!.Body).toBe('{"order":3}');
    expect(await depth(aDlq)).toBe(0);
    for (const [queue, copy] of [[a, toA], [b, toB], [c, toC]] as const) await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: copy!.ReceiptHandle! }));
    const ledger = await api.data<{ target: string; replayedBy: string }[]>("replay.ofMessage", { kind: "query", input: { kind: "sqs", connection: "sns", dlq: aDlq.name, id }, headers: as(viewer) });
    expect(ledger[0]).toMatchObject({ target: `topic ${topicName}` });
  });
});

describe("bulk replay of a subscription DLQ", () => {
  interface Job {
    id: string;
    state: string;
    done: number;
    failed: number;
    total: number;
    dryRun: { byTarget: { target: string; count: number }[]; noTarget: number } | null;
  }
  const mutate = <T>(procedure: string, input: unknown) => api.data<T>(`replayJobs.${procedure}`, { kind: "mutation", input, headers: as(operator) });

  it("replays every dead letter to its one subscriber's queue, as it receives them; SQS's move task is refused", async () => {
    await api.startWorker();
    for (const n of [6, 7]) await sns.send(new PublishCommand({ TopicArn: topicArn, Message: `{"order":${n}}`, MessageAttributes: { type: { DataType: "String", StringValue: "updated" } } }));
    const delivered = await takeDeliveries(a, 2);
    await takeDeliveries(b, 2);
    for (const message of delivered) await deadLetter(aDlq, message, aSub, "SQS.QueueDoesNotExist");

    const refused = await api.call("replayJobs.moveAll", { kind: "mutation", input: { connection: "sns", dlq: aDlq.name }, headers: as(operator) });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toContain("cannot return SNS deliveries to their subscriber");

    const draft = await mutate<Job>("dryRun", { kind: "sqs", connection: "sns", dlq: aDlq.name, selection: { source: "all" }, options: { canarySize: 0 } });
    expect(draft.dryRun).toMatchObject({ byTarget: [{ target: a.name, count: 2 }], noTarget: 0 });
    await mutate("start", { jobId: draft.id });
    let job = draft;
    for (let i = 0; i < 240 && job.state !== "completed" && job.state !== "failed"; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      job = (await api.data<{ job: Job }>("replayJobs.get", { kind: "query", input: { jobId: draft.id }, headers: as(viewer) })).job;
    }
    expect(job).toMatchObject({ state: "completed", done: 2, failed: 0 });
    expect(await depth(aDlq)).toBe(0);
    expect(await depth(b)).toBe(0);
    expect(await depth(c)).toBe(0);
    const copies = await takeDeliveries(a, 2);
    expect(copies.map((m) => m.Body).sort()).toEqual(delivered.map((m) => m.Body).sort());
    for (const copy of copies) expect(Object.keys(copy.MessageAttributes ?? {})).toEqual(["redrive"]);
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen({ host: "127.0.0.1", port: 0 }, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

describe("the stack's fauxqs (scripts/stack-sns.mjs)", () => {
  it("starts on 127.0.0.1 on its port, reports healthy, and stops", async () => {
    const state = mkdtempSync(path.join(os.tmpdir(), "redrive-sns-stack-"));
    const env = { ...process.env, STACK_STATE_DIR: state, FAUXQS_PORT: String(await freePort()) };
    try {
      const up = await snsUp({ env });
      expect(up.ok).toBe(true);
      const status = await snsStatus({ env });
      expect(status).toMatchObject({ name: "fauxqs", running: true, healthy: true, endpoint: `http://127.0.0.1:${env.FAUXQS_PORT}` });
      expect(await snsDown({ env })).toBe(true);
      expect(await snsStatus({ env })).toMatchObject({ running: false, healthy: false });
    } finally {
      await snsDown({ env });
      rmSync(state, { recursive: true, force: true });
    }
  });
});
