import { expect, test } from "@playwright/test";
import amqp from "amqplib";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const RABBITMQ_URL = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

test("a filtered bulk replay from a RabbitMQ DLQ: search, dry run, canary, job to the end; the broker holds the matches on the source queue and the rest in the DLQ", async ({ page }) => {
  test.setTimeout(120_000);
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  const dlq = uniqueName("e2e-rabbit-bulk-dlq");
  const source = uniqueName("e2e-rabbit-bulk-orders");
  const exchange = uniqueName("e2e-rabbit-bulk-shop");
  const ids = (tier: "gold" | "silver") => Array.from({ length: 10 }, (_, i) => i).filter((i) => (i % 2 === 0) === (tier === "gold")).map((i) => `order-${i}`);
  try {
    await channel.assertQueue(dlq, { durable: false });
    await channel.assertExchange(exchange, "direct", { durable: false });
    await channel.assertQueue(source, { durable: false, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq } });
    await channel.bindQueue(source, exchange, "orders.created");
    for (let i = 0; i < 10; i++) {
      channel.publish(exchange, "orders.created", Buffer.from(JSON.stringify({ order: i, tier: i % 2 === 0 ? "gold" : "silver" })), { messageId: `order-${i}`, contentType: "application/json" });
    }
    await channel.waitForConfirms();
    // A consumer rejects all ten: RabbitMQ dead-letters each with an x-death entry naming the exchange and key.
    for (let i = 0; i < 10; i++) {
      const taken = await channel.get(source);
      expect(taken).not.toBe(false);
      if (taken) channel.nack(taken, false, false);
    }
    await expect.poll(async () => (await channel.checkQueue(dlq)).messageCount).toBe(10);

    await signInAsAdmin(page);
    await page.goto(`/dlqs/rabbitmq/local/${encodeURIComponent(dlq)}`);
    await expect(page.getByRole("button", { name: "Replay all…" })).toBeVisible();
    await page.getByRole("tab", { name: "Search" }).click();
    const search = page.locator("#dlq-panel-search");
    await search.getByLabel("Filter (CEL)").fill('record.value.tier == "gold"');
    await search.getByRole("button", { name: "Start" }).click();
    await expect(search.getByTestId("scan-status")).toHaveText("done");
    await expect(search.getByTestId("scan-matched")).toHaveText("5");
    // RabbitMQ cannot discard in bulk (yet): only the replay is offered.
    await expect(search.getByRole("button", { name: "Discard matches…" })).toHaveCount(0);
    await search.getByRole("button", { name: "Replay matches…" }).click();

    const dialog = page.getByTestId("bulk-replay-dialog");
    // What reading the queue changes, said before anything is read.
    const effects = dialog.getByTestId("bulk-replay-effects");
    await expect(effects).toContainText("nothing is removed");
    await expect(effects).toContainText("Messages read and not matched");
    await expect(effects).toContainText("requeued");
    await expect(dialog.getByText("Discard (resolve without a copy)")).toHaveCount(0);
    await expect(dialog.getByText("original exchange and routing key")).toBeVisible();
    await dialog.getByLabel("Canary size").fill("2");
    await dialog.getByLabel("Canary wait (s)").fill("1");
    await dialog.getByRole("button", { name: "Dry run" }).click();
    await expect(dialog.getByTestId("dry-run-count")).toHaveText("5");
    await expect(dialog.getByTestId("confirm-targets")).toContainText(`${exchange} / orders.created`);
    await expect(dialog.getByTestId("confirm-targets")).toContainText(source);
    await expect(dialog.getByTestId("confirm-effects")).toContainText("order may change");
    // The dry run read the queue and returned every message.
    await expect.poll(async () => (await channel.checkQueue(dlq)).messageCount).toBe(10);
    await dialog.getByRole("button", { name: "Start replay of 5 messages" }).click();

    // The job page follows the job to its end (canary of two, watched for a second, then the rest).
    await expect(page.getByTestId("job-state")).toContainText(/completed/i, { timeout: 60_000 });
    const states = page.getByTestId("job-item-state");
    await expect(states).toHaveCount(5);
    await expect(states.filter({ hasText: /^done$/ })).toHaveCount(5, { timeout: 15_000 });
    await expect(page.getByTestId("job-effects")).toContainText("requeued");

    // The broker's own view: the five gold ones on the source queue, each once, with the replay headers; the five silver ones still in the DLQ.
    await expect.poll(async () => (await channel.checkQueue(dlq)).messageCount, { timeout: 15_000 }).toBe(5);
    const drain = async (queue: string) => {
      const taken: amqp.GetMessage[] = [];
      for (let m = await channel.get(queue, { noAck: true }); m; m = await channel.get(queue, { noAck: true })) taken.push(m);
      return taken;
    };
    const copies = await drain(source);
    expect(copies.map((m) => String(m.properties.messageId)).sort()).toEqual(ids("gold"));
    for (const copy of copies) {
      expect(copy.properties.headers?.["x-redrive-replay-count"]).toBe(1);
      expect(copy.properties.headers?.["x-redrive-replayed-from"]).toBe(dlq);
    }
    expect((await drain(dlq)).map((m) => String(m.properties.messageId)).sort()).toEqual(ids("silver"));
  } finally {
    await channel.deleteQueue(source).catch(() => undefined);
    await channel.deleteQueue(dlq).catch(() => undefined);
    await channel.deleteExchange(exchange).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
});

test("moving a RabbitMQ DLQ back whole with a dynamic shovel: offered with where it goes, followed to the end; the broker holds every message on the source queue", async ({ page }) => {
  test.setTimeout(120_000);
  const connection = await amqp.connect(RABBITMQ_URL);
  const channel = await connection.createConfirmChannel();
  const dlq = uniqueName("e2e-rabbit-move-dlq");
  const source = uniqueName("e2e-rabbit-move-orders");
  try {
    await channel.assertQueue(dlq, { durable: false });
    await channel.assertQueue(source, { durable: false, arguments: { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq } });
    for (let i = 0; i < 20; i++) channel.sendToQueue(source, Buffer.from(`{"n":${i}}`), { messageId: `move-${i}` });
    await channel.waitForConfirms();
    for (let i = 0; i < 20; i++) {
      const taken = await channel.get(source);
      if (taken) channel.nack(taken, false, false);
    }
    await expect.poll(async () => (await channel.checkQueue(dlq)).messageCount).toBe(20);

    await signInAsAdmin(page);
    await page.goto(`/dlqs/rabbitmq/local/${encodeURIComponent(dlq)}`);
    await page.getByRole("button", { name: "Replay all…" }).click();
    const dialog = page.getByTestId("bulk-replay-dialog");
    const move = dialog.getByTestId("move-task-section");
    await expect(move).toContainText("Or: a RabbitMQ dynamic shovel");
    await expect(move.getByTestId("move-task-description")).toContainText(`to its source queue ${source}`);
    // A shovel has no rate limit: none is asked for.
    await expect(move.getByLabel(/Max msg\/s/)).toHaveCount(0);
    await move.getByRole("button", { name: "Move all back with a RabbitMQ dynamic shovel" }).click();
    await expect(move.getByRole("group", { name: "Confirm move task" })).toContainText(source);
    await move.getByRole("button", { name: "Confirm move" }).click();

    await expect(page.getByTestId("job-state")).toContainText(/completed/i, { timeout: 60_000 });
    await expect(page.getByTestId("move-task-moved")).toContainText("20");
    await expect(page.getByTestId("job-target")).toHaveText(source);

    await expect.poll(async () => (await channel.checkQueue(source)).messageCount, { timeout: 15_000 }).toBe(20);
    expect((await channel.checkQueue(dlq)).messageCount).toBe(0);
    const ids: string[] = [];
    for (let m = await channel.get(source, { noAck: true }); m; m = await channel.get(source, { noAck: true })) ids.push(String(m.properties.messageId));
    expect(ids.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `move-${i}`).sort());
  } finally {
    await channel.deleteQueue(source).catch(() => undefined);
    await channel.deleteQueue(dlq).catch(() => undefined);
    await connection.close().catch(() => undefined);
  }
});
