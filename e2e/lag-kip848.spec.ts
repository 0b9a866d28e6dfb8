import { expect, test } from "@playwright/test";
import { consoleConsumer } from "../tests/fixtures/kafka-tools";
import { kafkaForSpec, uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const KAFKA_BROKER = process.env.KAFKA_BROKER ?? "127.0.0.1:9092";
const { kafka, createdTopics } = kafkaForSpec("redrive-e2e-kip848");

// A running consumer on Kafka 4's consumer protocol (KIP-848), run by Kafka's own console consumer: the
// groups list names its type, its page lists the member with its assignment and epochs, and it is not STOP.
test("a consumer-protocol group shows its type, members, assignment and epochs, and a running one is not STOP", async ({ page }) => {
  test.setTimeout(240_000);
  const topic = uniqueName("e2e-kip848");
  const groupId = uniqueName("e2e-kip848-group");
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  let consumer: { stop: () => Promise<void> } | null = null;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    createdTopics.push(topic);
    await producer.send({ topic, messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    consumer = consoleConsumer(KAFKA_BROKER, topic, groupId, { "group.protocol": "consumer", "auto.commit.interval.ms": "500" });

    await signInAsAdmin(page);
    await page.goto(`/lag?connection=local&q=${encodeURIComponent(groupId)}`);
    const row = page.getByTestId(`group-row-${groupId}`);
    // The JVM starts and joins, then the collector samples (every 2 s): generous under load.
    await expect(row).toBeVisible({ timeout: 150_000 });
    await expect(row.getByTestId("group-type")).toContainText("KIP-848", { timeout: 30_000 });

    await row.getByRole("link").first().click();
    // Reloaded every 5 s: wait until the member holds both partitions and has committed them.
    const member = page.getByTestId("group-member");
    await expect(member).toHaveCount(1, { timeout: 120_000 });
    await expect(member.getByTestId("group-member-assignment")).toHaveText(`${topic}: 0, 1`, { timeout: 60_000 });
    await expect(page.getByTestId("group-detail-state")).toHaveText("Stable");
    await expect(page.getByTestId("group-detail-members")).toHaveText("1");
    await expect(page.getByTestId("group-detail-protocol")).toContainText("KIP-848");
    await expect(page.getByTestId("group-member-id")).not.toBeEmpty();
    const epochs = [await page.getByTestId("group-detail-epoch").textContent(), await member.getByTestId("group-member-epoch").textContent()];
    for (const epoch of epochs) expect(Number(epoch)).toBeGreaterThan(0);
    await expect(page.getByTestId(`partition-row-${topic}-0`).getByTestId("partition-lag")).toHaveText("0", { timeout: 60_000 });
    await expect(page.getByTestId("group-detail-status")).not.toHaveText("STOP");
    await expect(page.getByTestId("group-detail-status")).toHaveText(/OK|WARN/);
    await page.screenshot({ path: "test-results/lag-kip848-group.png", fullPage: true });
  } finally {
    await consumer?.stop();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});
