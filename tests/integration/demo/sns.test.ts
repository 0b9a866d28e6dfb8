import { GetQueueAttributesCommand, SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSnsPart, type SnsPart } from "../../../demo/sns/part";
import { ApiHarness } from "../helpers/api";
import { startFauxqsServer } from "../../../scripts/stack-sns.mjs";
import { uniqueName } from "../../fixtures/names";
import { waitFor } from "./helpers";

// The demo's SNS part on a fauxqs of this test's own: a topic with two SQS subscribers, billing with a
// subscription DLQ and analytics without. fauxqs does not move failed deliveries, so the part's billing consumer
// puts an undeliverable event into billing's subscription DLQ as SNS would; Redrive replays it to billing alone.
describe("the demo's SNS part", () => {
  let server: { endpoint: string; stop: () => Promise<void> };
  let part: SnsPart;
  let sqs: SQSClient;
  let api: ApiHarness;

  beforeAll(async () => {
    server = await startFauxqsServer({ port: 0 });
    const config = { endpoint: server.endpoint, region: "us-east-1", prefix: `${uniqueName("demo")}-`, publishEveryMs: 60_000, poisonEvery: 1_000 };
    part = (await startSnsPart(config, { traffic: false, log: () => undefined }))!;
    sqs = new SQSClient({ region: "us-east-1", endpoint: server.endpoint, credentials: { accessKeyId: "t", secretAccessKey: "t" } });
    api = await ApiHarness.start({ sqs: [{ name: "sns", endpoint: server.endpoint, region: "us-east-1", credentials: { accessKeyId: "t", secretAccessKey: "t" }, sns: {} }] });
  });
  afterAll(async () => {
    await part?.stop();
    sqs?.destroy();
    await api?.close();
    await server?.stop();
  });

  const visible = async (url: string) =>
    Number((await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages"] }))).Attributes!.ApproximateNumberOfMessages);

  it("delivers to both subscribers, dead-letters the undeliverable one for billing only, and a replay reaches billing alone", async () => {
    expect(await startSnsPart({ endpoint: "http://127.0.0.1:1", region: "us-east-1", prefix: "x-", publishEveryMs: 1_000, poisonEvery: 2 }, { log: () => undefined })).toBeUndefined();
    await part.publish(false);
    await part.publish(true);
    await waitFor("both events processed by analytics, one by billing, one dead-lettered", async () => {
      const s = part.stats();
      return s.analyticsProcessed === 2 && s.billingProcessed === 1 && s.billingDeadLettered === 1;
    });
    expect(await visible(part.names.billingDlq.url)).toBe(1);

    const operator = await api.tokenFor("operator");
    const headers = { authorization: `Bearer ${operator}` };
    const overview = await api.data<{ sqs: { result: { data: { deadLetterQueues: { name: string; sourceSubscriptions: { arn: string }[] }[] } } }[] }>("overview.get", { kind: "query", headers });
    const dlq = overview.sqs[0]!.result.data.deadLetterQueues.find((d) => d.name === part.names.billingDlq.name);
    expect(dlq?.sourceSubscriptions.map((s) => s.arn)).toEqual([part.names.billing.subscriptionArn]);

    const snapshot = await api.data<{ id: string }>("dlq.sqs.takeSnapshot", { kind: "mutation", input: { connection: "sns", queue: part.names.billingDlq.name }, headers });
    const page = await api.data<{ messages: { id: string }[] }>("dlq.sqs.messages", { kind: "query", input: { connection: "sns", queue: part.names.billingDlq.name, snapshotId: snapshot.id }, headers });
    const replayed = await api.data<{ target: string }>("replay.one", { kind: "mutation", input: { kind: "sqs", connection: "sns", dlq: part.names.billingDlq.name, id: page.messages[0]!.id }, headers });
    expect(replayed.target).toBe(part.names.billing.name);
    // Billing processes the replayed copy (the fault was transient); analytics saw nothing more.
    await waitFor("billing processed the replayed copy", async () => part.stats().billingProcessed === 2);
    expect(part.stats()).toMatchObject({ analyticsProcessed: 2, billingDeadLettered: 1 });
    expect(await visible(part.names.billingDlq.url)).toBe(0);
  });
});
