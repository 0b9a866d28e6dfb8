import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { expect, test, type Page } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { createQueueWithDlq, sqsClient, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-truth", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });

/** Test ids of the Overview's "Needs attention" group rows, in the order shown. */
async function attentionOrder(page: Page): Promise<string[]> {
  const ids = await page.locator('[data-testid^="attention-group-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute("data-testid") ?? ""));
  return ids.map((id) => id.replace("attention-group-", ""));
}

test("a live group falling behind is described in words on every page and ranked before an idle member-less group", async ({ page }) => {
  test.setTimeout(150_000);
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const liveTopic = uniqueName("e2e-truth-live");
  const idleTopic = uniqueName("e2e-truth-idle");
  const liveGroup = uniqueName("e2e-truth-shipping");
  const idleGroup = uniqueName("e2e-truth-idle-group");
  const ignoredGroup = uniqueName("e2e-ignored-test");
  const consumer = kafka.consumer({ groupId: liveGroup, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  let producing: NodeJS.Timeout | undefined;
  try {
    await admin.createTopics({ topics: [{ topic: liveTopic, numPartitions: 1 }, { topic: idleTopic, numPartitions: 1 }], waitForLeaders: true });
    // Two member-less groups far behind on a topic nobody writes to: one plain, one matching ignoreGroups.
    await producer.send({ topic: idleTopic, messages: Array.from({ length: 500 }, (_, i) => ({ value: `old-${i}` })) });
    await admin.setOffsets({ groupId: idleGroup, topic: idleTopic, partitions: [{ partition: 0, offset: "0" }] });
    await admin.setOffsets({ groupId: ignoredGroup, topic: idleTopic, partitions: [{ partition: 0, offset: "0" }] });

    // A live consumer that handles ~2 msg/s while 6 msg/s arrive.
    await consumer.connect();
    await consumer.subscribe({ topic: liveTopic, fromBeginning: true });
    await consumer.run({ autoCommitInterval: 1_000, eachMessage: () => new Promise((resolve) => setTimeout(resolve, 500)) });
    producing = setInterval(() => {
      void producer.send({ topic: liveTopic, messages: Array.from({ length: 3 }, (_, i) => ({ value: `new-${i}` })) }).catch(() => undefined);
    }, 500);

    await signInAsAdmin(page);
    // Overview: the live group first, in words; the idle one after it; the ignored one not at all.
    const liveRow = page.getByTestId(`attention-group-${liveGroup}`);
    await expect(liveRow.getByTestId("group-trend")).toContainText("falling behind: producing", { timeout: 60_000 });
    await expect(liveRow.getByTestId("group-trend")).toContainText("will not catch up at this rate");
    const order = await attentionOrder(page);
    expect(order).toContain(liveGroup);
    if (order.includes(idleGroup)) expect(order.indexOf(liveGroup)).toBeLessThan(order.indexOf(idleGroup));
    expect(order).not.toContain(ignoredGroup);
    await expect(liveRow.getByTestId("attention-group-status")).toHaveText("WARN");

    // The groups list: the same words, and the ignored group is still listed there.
    await page.getByRole("link", { name: "Consumer lag", exact: true }).click();
    await page.getByTestId("group-search").fill("e2e-");
    const listRow = page.getByTestId(`group-row-${liveGroup}`);
    await expect(listRow.getByTestId("group-trend")).toContainText("falling behind: producing");
    await expect(page.getByTestId(`group-row-${ignoredGroup}`)).toBeVisible();
    await expect(page.getByTestId(`group-row-${idleGroup}`).getByTestId("group-trend")).toHaveText(/not consuming \(no members\)/);

    // The group page: the same status as the Overview showed, and the same words.
    await listRow.getByRole("link").first().click();
    await expect(page.getByTestId("group-detail-trend")).toContainText("falling behind: producing");
    await expect(page.getByTestId("group-detail-status")).toHaveText("WARN");
    await page.screenshot({ path: "test-results/lag-trend.png", fullPage: true });
  } finally {
    if (producing) clearInterval(producing);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteTopics({ topics: [liveTopic, idleTopic] }).catch(() => undefined);
    await admin.deleteGroups([liveGroup, idleGroup, ignoredGroup]).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});

test("fastest-growing DLQs lists only DLQs that grew, and the Overview shows one depth per DLQ", async ({ page }) => {
  test.setTimeout(240_000);
  const sqs = sqsClient();
  const fixture = await createQueueWithDlq(sqs, 10);
  try {
    await signInAsAdmin(page);
    await page.getByRole("link", { name: "DLQs", exact: true }).click();
    await expect(page.getByTestId(`dlq-depth-row-${fixture.dlq}`).getByTestId("dlq-depth")).toHaveText("10", { timeout: 60_000 });

    // Shrink it: 6 handled by hand. It has messages, but it did not grow. A receive may return fewer than
    // asked for, so receive until six are held (hidden for a minute, so none comes back twice).
    const handles: { Id: string; ReceiptHandle: string }[] = [];
    for (let attempt = 0; handles.length < 6 && attempt < 20; attempt += 1) {
      const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl: fixture.dlqUrl, MaxNumberOfMessages: 6 - handles.length, VisibilityTimeout: 60 }));
      for (const m of received.Messages ?? []) handles.push({ Id: `d${handles.length}`, ReceiptHandle: m.ReceiptHandle! });
    }
    expect(handles).toHaveLength(6);
    await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: fixture.dlqUrl, Entries: handles }));
    await expect(page.getByTestId(`dlq-depth-row-${fixture.dlq}`).getByTestId("dlq-depth")).toHaveText("4", { timeout: 60_000 });

    await page.getByRole("link", { name: "Overview", exact: true }).click();
    const overviewDepth = page.getByTestId(`dlq-row-${fixture.dlq}`).getByTestId("dlq-depth");
    await expect(overviewDepth).toHaveText("4");
    await expect(page.getByTestId("needs-attention")).toBeVisible();
    // Growth is measured from the DLQ's earliest sample in the hour. That is 10, unless the collector happened
    // to sample the queue in the moment between its creation and the fixture's send: then the DLQ did grow
    // (0 -> 4 net) and is rightly listed, with exactly that growth. Anything else is wrong.
    const shrunk = page.getByTestId(`attention-dlq-${fixture.dlq}`);
    if ((await shrunk.count()) > 0) await expect(shrunk.getByTestId("attention-dlq-growth")).toHaveText("+4");
    else await expect(shrunk).toHaveCount(0);
    for (const growth of await page.locator('[data-testid^="attention-dlq-"] [data-testid="attention-dlq-growth"]').allTextContents()) {
      expect(growth.trim()).toMatch(/^\+/);
    }

    // Now it grows: listed, and its depth there is the depth in the SQS table above.
    for (let sent = 0; sent < 50; sent += 10) {
      await sqs.send(
        new SendMessageBatchCommand({ QueueUrl: fixture.dlqUrl, Entries: Array.from({ length: 10 }, (_, i) => ({ Id: `n${i}`, MessageBody: `{"n":${sent + i}}` })) }),
      );
    }
    const listed = page.getByTestId(`attention-dlq-${fixture.dlq}`);
    await expect(listed.getByTestId("attention-dlq-depth")).toHaveText("54", { timeout: 60_000 });
    await expect(overviewDepth).toHaveText("54");
  } finally {
    await fixture.cleanup();
    sqs.destroy();
  }
});
