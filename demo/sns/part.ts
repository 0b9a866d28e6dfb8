import { CreateTopicCommand, ListSubscriptionsByTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from "@aws-sdk/client-sqs";

// The SNS part of the demo, on the stack's fauxqs (SNS + SQS, scripts/stack-sns.mjs): a topic `<prefix>events`
// with two SQS subscribers. `billing` receives SNS envelopes and has a subscription DLQ (`billing-dlq`);
// `analytics` receives raw messages and has no DLQ (Redrive flags it). Every `poisonEvery`-th event cannot be
// delivered to billing. fauxqs never moves a failed delivery to a subscription DLQ itself, so the billing
// consumer stands in for SNS there: it puts that delivery into billing's subscription DLQ with the attributes SNS
// adds (ErrorCode, ErrorMessage, TopicArn, SubscriptionArn). A copy Redrive replays (it carries the `redrive`
// attribute) is processed: the fault was transient. Optional like the RabbitMQ part: no fauxqs, one log line.

export interface SnsConfig {
  endpoint: string;
  region: string;
  /** Prepended to the topic and queue names (`orders-`; tests use a unique prefix). */
  prefix: string;
  publishEveryMs: number;
  poisonEvery: number;
}

export function snsConfigFromEnv(env: Record<string, string | undefined> = process.env): SnsConfig {
  return { endpoint: env.SNS_ENDPOINT || "http://127.0.0.1:9911", region: "us-east-1", prefix: env.DEMO_SNS_PREFIX ?? "orders-", publishEveryMs: 4_000, poisonEvery: 6 };
}

export interface SnsNames {
  topic: string;
  topicArn: string;
  billing: { name: string; url: string; arn: string; subscriptionArn: string };
  billingDlq: { name: string; url: string; arn: string };
  analytics: { name: string; url: string; arn: string; subscriptionArn: string };
}

export interface SnsPart {
  names: SnsNames;
  stats(): { published: number; billingProcessed: number; billingDeadLettered: number; analyticsProcessed: number };
  /** Publishes one order event now (`undeliverable`: its delivery to billing fails). */
  publish(undeliverable: boolean): Promise<void>;
  stop(): Promise<void>;
}

export interface SnsPartOptions {
  log?: (m: string) => void;
  /** Publish events on a timer (default true); tests publish themselves. */
  traffic?: boolean;
  /** Run the two consumers (default true). */
  consumers?: boolean;
}

const credentials = { accessKeyId: "demo", secretAccessKey: "demo" };

async function queue(sqs: SQSClient, name: string) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
  return { name, url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/** The topic, the queues and the two subscriptions; idempotent (a running stack keeps them across demo restarts). */
export async function declareSnsTopology(sns: SNSClient, sqs: SQSClient, config: SnsConfig): Promise<SnsNames> {
  const topic = `${config.prefix}events`;
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic }));
  const billing = await queue(sqs, `${config.prefix}events-billing`);
  const billingDlq = await queue(sqs, `${config.prefix}events-billing-dlq`);
  const analytics = await queue(sqs, `${config.prefix}events-analytics`);
  const existing = (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }))).Subscriptions ?? [];
  const subscribe = async (endpoint: string, attributes: Record<string, string>) =>
    existing.find((s) => s.Endpoint === endpoint)?.SubscriptionArn ??
    (await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: endpoint, ReturnSubscriptionArn: true, Attributes: attributes }))).SubscriptionArn!;
  const billingSub = await subscribe(billing.arn, { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: billingDlq.arn }) });
  const analyticsSub = await subscribe(analytics.arn, { RawMessageDelivery: "true" });
  return { topic, topicArn: TopicArn!, billing: { ...billing, subscriptionArn: billingSub }, billingDlq, analytics: { ...analytics, subscriptionArn: analyticsSub } };
}

function describe(err: unknown): string {
  const e = err as { code?: string; name?: string; message?: string; cause?: { code?: string } };
  return e.cause?.code ?? e.code ?? e.message ?? e.name ?? String(err);
}

export async function startSnsPart(config: SnsConfig, options: SnsPartOptions = {}): Promise<SnsPart | undefined> {
  const log = options.log ?? ((m: string) => console.log(m));
  const client = { region: config.region, endpoint: config.endpoint, credentials, maxAttempts: 1 };
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  let names: SnsNames;
  try {
    names = await declareSnsTopology(sns, sqs, config);
  } catch (err) {
    log(`[sns] not reachable at ${config.endpoint} (${describe(err)}): running the demo without its SNS part`);
    sns.destroy();
    sqs.destroy();
    return undefined;
  }
  const stats = { published: 0, billingProcessed: 0, billingDeadLettered: 0, analyticsProcessed: 0 };
  let stopping = false;
  let sequence = 0;

  const publish = async (undeliverable: boolean) => {
    sequence += 1;
    const event = { type: "OrderPaid", orderId: `sns-${Date.now().toString(36)}-${sequence}`, amount: 10 + (sequence % 90), ...(undeliverable ? { undeliverable: true } : {}) };
    await sns.send(new PublishCommand({ TopicArn: names.topicArn, Message: JSON.stringify(event), MessageAttributes: { eventType: { DataType: "String", StringValue: event.type } } }));
    stats.published += 1;
  };

  /** Stands in for SNS on a failed delivery: the delivery into the subscription DLQ, with SNS's attributes. */
  const deadLetter = async (message: Message) => {
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: names.billingDlq.url,
        MessageBody: message.Body!,
        MessageAttributes: {
          ErrorCode: { DataType: "String", StringValue: "KMS.AccessDeniedException" },
          ErrorMessage: { DataType: "String", StringValue: "SNS could not deliver to the billing queue: access to its KMS key was denied" },
          TopicArn: { DataType: "String", StringValue: names.topicArn },
          SubscriptionArn: { DataType: "String", StringValue: names.billing.subscriptionArn },
        },
      }),
    );
    stats.billingDeadLettered += 1;
  };

  const consume = async (url: string, handle: (message: Message) => Promise<void>) => {
    while (!stopping) {
      try {
        const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1, MessageAttributeNames: ["All"] }));
        for (const message of Messages) {
          await handle(message);
          await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle! }));
        }
      } catch (err) {
        if (!stopping) log(`[sns] ${url}: ${describe(err)}`);
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };

  const loops: Promise<void>[] = [];
  if (options.consumers ?? true) {
    loops.push(
      consume(names.billing.url, async (message) => {
        const envelope = JSON.parse(message.Body ?? "{}") as { Message?: string };
        const event = JSON.parse(envelope.Message ?? "{}") as { undeliverable?: boolean };
        // A copy replayed by Redrive carries its "redrive" attribute: by then the fault is fixed.
        if (event.undeliverable && !message.MessageAttributes?.redrive) await deadLetter(message);
        else stats.billingProcessed += 1;
      }),
      consume(names.analytics.url, async () => {
        stats.analyticsProcessed += 1;
      }),
    );
  }
  const timer =
    options.traffic ?? true
      ? setInterval(() => {
          void publish((sequence + 1) % config.poisonEvery === 0).catch((err: unknown) => log(`[sns] publish: ${describe(err)}`));
        }, config.publishEveryMs)
      : undefined;
  log(`[sns] connected to ${config.endpoint}; topic ${names.topic} with subscribers ${names.billing.name} (DLQ ${names.billingDlq.name}) and ${names.analytics.name} (no DLQ)`);

  let stopped: Promise<void> | undefined;
  return {
    names,
    stats: () => ({ ...stats }),
    publish,
    stop: () =>
      (stopped ??= (async () => {
        stopping = true;
        if (timer) clearInterval(timer);
        await Promise.allSettled(loops);
        sns.destroy();
        sqs.destroy();
      })()),
  };
}
