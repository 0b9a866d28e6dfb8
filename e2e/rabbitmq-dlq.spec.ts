import { expect, test } from "@playwright/test";
import amqp from "amqplib";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

test("a RabbitMQ dead letter: browse, open its x-death, replay one; the broker shows the copy on the source queue", async ({ page }) => {
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  const dlq = uniqueName("e2e-rabbit-dlq");
  const source = uniqueName("e2e-rabbit-orders");
  const exchange = uniqueName("e2e-rabbit-shop");
  try {
    await channel.assertQueue(dlq, { durable: false });
    await channel.assertExchange(exchange, "direct", { durable: false });
    await channel.assertQueue(source, { durable: false, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq } });
    await channel.bindQueue(source, exchange, "orders.created");
    channel.publish(exchange, "orders.created", Buffer.from('{"order":"<b>42</b>"}'), { messageId: "order-42", contentType: "application/json" });
    await channel.waitForConfirms();
    // The consumer rejects it: RabbitMQ dead-letters it with an x-death entry.
    const taken = await channel.get(source);
    expect(taken).not.toBe(false);
    if (taken) channel.nack(taken, false, false);
    await expect.poll(async () => (await channel.checkQueue(dlq)).messageCount).toBe(1);

    await signInAsAdmin(page);
    await page.goto(`/dlqs/rabbitmq/local/${encodeURIComponent(dlq)}`);
    const messages = page.locator("#dlq-panel-messages");
    await expect(messages.getByTestId("browse-effects")).toContainText("nothing is removed");
    await messages.getByTestId("dlq-message-row").first().click();
    const detail = messages.getByTestId("message-detail");
    const deaths = detail.getByTestId("rabbit-x-death");
    await expect(deaths).toContainText("rejected");
    await expect(deaths).toContainText(source);
    await expect(detail.getByTestId("rabbit-origin-routing-key")).toHaveText("orders.created");
    // The payload's markup is text.
    await expect(detail.getByTestId("detail-payload")).toContainText("<b>42</b>");

    const panel = detail.getByTestId("replay-panel");
    await panel.getByRole("button", { name: "Replay…" }).click();
    await expect(panel.getByTestId("replay-confirm-text")).toContainText(`exchange ${exchange} with routing key orders.created`);
    await panel.getByRole("button", { name: "Confirm replay" }).click();
    await expect(panel.getByTestId("replay-result")).toContainText(`Replayed to ${exchange} / orders.created`);

    // The broker's own view: one copy on the source queue, none left in the DLQ.
    const copy = await channel.get(source, { noAck: true });
    expect(copy).not.toBe(false);
    if (copy) {
      expect(copy.content.toString()).toBe('{"order":"<b>42</b>"}');
      expect(copy.properties.headers?.["x-redrive-replay-count"]).toBe(1);
    }
    expect((await channel.checkQueue(source)).messageCount).toBe(0);
    expect((await channel.checkQueue(dlq)).messageCount).toBe(0);
  } finally {
    await channel.deleteQueue(source).catch(() => undefined);
    await channel.deleteQueue(dlq).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
});
