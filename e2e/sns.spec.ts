import { CreateTopicCommand, DeleteTopicCommand, PublishCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, DeleteMessageCommand, DeleteQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { expect, test } from "@playwright/test";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

// The stack's fauxqs (scripts/stack-sns.mjs), the e2e config's "sns" connection. fauxqs stores a subscription's
// RedrivePolicy but never moves a failed delivery itself: the spec puts the delivery into the subscription's DLQ
// as SNS would, with the attributes SNS adds.
const endpoint = process.env.SNS_ENDPOINT ?? "http://127.0.0.1:9911";
const client = { region: "us-east-1", endpoint, credentials: { accessKeyId: "test", secretAccessKey: "test" } };

test("Overview → a subscription DLQ's message → replayed to that one subscriber", async ({ page }) => {
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  const topic = uniqueName("e2e-orders");
  const queues: string[] = [];
  const createQueue = async (name: string) => {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    queues.push(QueueUrl!);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["QueueArn"] }));
    return { name, url: QueueUrl!, arn: Attributes!.QueueArn! };
  };
  const depth = async (url: string) => {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"] }));
    return Number(Attributes!.ApproximateNumberOfMessages) + Number(Attributes!.ApproximateNumberOfMessagesNotVisible);
  };
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topic }));
  try {
    const billing = await createQueue(`${topic}-billing`);
    const billingDlq = await createQueue(`${topic}-billing-dlq`);
    const audit = await createQueue(`${topic}-audit`);
    const { SubscriptionArn: billingSub } = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: billing.arn, ReturnSubscriptionArn: true, Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: billingDlq.arn }) } }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: "sqs", Endpoint: audit.arn, ReturnSubscriptionArn: true, Attributes: { RawMessageDelivery: "true" } }));
    await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify({ orderId: "o-7", amount: 12 }) }));
    // The delivery to billing "failed": SNS moves it to billing's subscription DLQ with its error attributes.
    const { Messages: [delivered] = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: billing.url, MessageAttributeNames: ["All"] }));
    await sqs.send(new DeleteMessageCommand({ QueueUrl: billing.url, ReceiptHandle: delivered!.ReceiptHandle! }));
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: billingDlq.url,
        MessageBody: delivered!.Body!,
        MessageAttributes: {
          ErrorCode: { DataType: "String", StringValue: "SQS.QueueDoesNotExist" },
          ErrorMessage: { DataType: "String", StringValue: "The subscribed queue did not accept the message" },
          TopicArn: { DataType: "String", StringValue: TopicArn! },
          SubscriptionArn: { DataType: "String", StringValue: billingSub! },
        },
      }),
    );
    const auditDepth = await depth(audit.url);
    const subscriptionId = billingSub!.split(":").at(-1)!;

    await signInAsAdmin(page);
    const card = page.getByTestId("sqs-sns");
    const topicBox = card.getByTestId(`sns-topic-${topic}`);
    await expect(topicBox.getByTestId("sns-subscription")).toHaveCount(2, { timeout: 30_000 });
    // The audit subscription has no DLQ: flagged.
    await expect(topicBox.getByTestId("sns-subscription").filter({ hasText: audit.arn }).getByTestId("sns-no-dlq")).toBeVisible();
    const row = card.getByTestId(`dlq-row-${billingDlq.name}`);
    await expect(row.getByTestId("dlq-of-subscription")).toHaveText(`DLQ of subscription ${subscriptionId} of topic ${topic}`);
    await row.getByRole("link", { name: billingDlq.name }).click();

    await expect(page.getByRole("heading", { name: billingDlq.name })).toBeVisible();
    const messages = page.locator("#dlq-panel-messages");
    await messages.getByRole("button", { name: "Take snapshot" }).click();
    await expect(messages.getByTestId("dlq-message-row")).toHaveCount(1);
    await messages.getByTestId("dlq-message-row").first().click();
    const detail = messages.getByTestId("message-detail");
    await expect(detail.getByTestId("sns-topic")).toHaveText(topic);
    await expect(detail.getByTestId("sns-error-code")).toHaveText("SQS.QueueDoesNotExist");
    await expect(detail.getByTestId("sns-subscriber")).toContainText(`a replay goes to queue ${billing.name} only`);

    const panel = detail.getByTestId("replay-panel");
    await panel.getByRole("button", { name: "Replay…" }).click();
    await expect(panel.getByRole("group", { name: "Confirm replay" })).toContainText(`Replay this message to ${billing.name}?`);
    await panel.getByRole("button", { name: "Confirm replay" }).click();
    await expect(panel.getByTestId("replay-result")).toContainText(`Replayed to ${billing.name}`);

    // The brokers' own view: billing has the envelope back, the DLQ is empty, the audit subscriber got nothing new.
    const { Messages: [copy] = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: billing.url }));
    expect(copy?.Body).toBe(delivered!.Body);
    expect(await depth(billingDlq.url)).toBe(0);
    expect(await depth(audit.url)).toBe(auditDepth);
  } finally {
    await sns.send(new DeleteTopicCommand({ TopicArn })).catch(() => undefined);
    for (const url of queues) await sqs.send(new DeleteQueueCommand({ QueueUrl: url })).catch(() => undefined);
    sns.destroy();
    sqs.destroy();
  }
});
