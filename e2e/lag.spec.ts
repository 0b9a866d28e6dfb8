import { expect, test } from "@playwright/test";
import { Kafka, logLevel } from "kafkajs";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const kafka = new Kafka({ clientId: "redrive-e2e-lag", brokers: [process.env.KAFKA_BROKER ?? "127.0.0.1:9092"], logLevel: logLevel.NOTHING });

test("the lag pages and /api/metrics show exactly the lag the broker reports", async ({ page, request }) => {
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer();
  await producer.connect();
  const topic = uniqueName("e2e-lag");
  const groupId = uniqueName("e2e-group");
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic, messages: [...Array.from({ length: 12 }, () => ({ partition: 0, value: "a" })), ...Array.from({ length: 7 }, () => ({ partition: 1, value: "b" }))] });
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: "5" }, { partition: 1, offset: "7" }] });

    // What the broker says.
    const ends = await admin.fetchTopicOffsets(topic);
    const committed = (await admin.fetchOffsets({ groupId, topics: [topic] }))[0]!.partitions;
    const lagOf = (partition: number) =>
      Number(ends.find((e) => e.partition === partition)!.high) - Number(committed.find((c) => c.partition === partition)!.offset);
    expect([lagOf(0), lagOf(1)]).toEqual([7, 0]);

    await signInAsAdmin(page);
    await page.getByRole("link", { name: "Consumer lag", exact: true }).click();
    const row = page.getByTestId(`group-row-${groupId}`);
    await expect(row).toBeVisible({ timeout: 30_000 }); // the collector samples every 2 s
    await expect(row.getByTestId("group-total-lag")).toHaveText("7");
    await expect(row.getByTestId("group-status")).toHaveText("STOP");

    await row.getByRole("link").first().click();
    await expect(page.getByTestId(`partition-row-${topic}-0`).getByTestId("partition-lag")).toHaveText("7");
    await expect(page.getByTestId(`partition-row-${topic}-1`).getByTestId("partition-lag")).toHaveText("0");
    await page.screenshot({ path: "test-results/lag-group.png", fullPage: true });

    const metrics = await (await request.get("/api/metrics")).text();
    for (const partition of [0, 1]) {
      expect(metrics).toContain(`kafka_consumergroup_group_lag{cluster_name="local",group="${groupId}",topic="${topic}",partition="${partition}"} ${lagOf(partition)}`);
    }
    expect(metrics).toContain(`kafka_consumergroup_group_sum_lag{cluster_name="local",group="${groupId}"} 7`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await producer.disconnect();
    await admin.disconnect();
  }
});
