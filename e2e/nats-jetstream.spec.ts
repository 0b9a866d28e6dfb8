import { expect, test } from "@playwright/test";
import { AckPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect, headers } from "@nats-io/transport-node";
import { uniqueName } from "./support/brokers";
import { signInAsAdmin } from "./support/session";

const NATS_URL = process.env.NATS_URL ?? "127.0.0.1:4222";
// Fixed names: the e2e config's capture stream takes only this stream's advisories (e2e/redrive.e2e.yaml).
const STREAM = "E2E_SHIPMENTS";
const CAPTURE = "REDRIVE_E2E_ADVISORIES";

test("a JetStream consumer: see its lag, browse its max-delivery dead letter, replay it; the stream holds the copy with the replay id", async ({ page }) => {
  test.setTimeout(90_000);
  const nc = await connect({ servers: NATS_URL, name: "redrive-e2e" });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const consumer = uniqueName("notify").replace(/[^A-Za-z0-9_]/g, "_");
  try {
    // A fresh start: Redrive recreates its capture stream on its next sample (the config consents).
    await jsm.streams.delete(STREAM).catch(() => undefined);
    await jsm.streams.delete(CAPTURE).catch(() => undefined);
    await expect.poll(async () => (await jsm.streams.info(CAPTURE).catch(() => null))?.config.subjects ?? [], { timeout: 20_000 }).toContain(
      `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${STREAM}.*`,
    );
    await jsm.streams.add({ name: STREAM, subjects: [`${STREAM}.>`] });
    await jsm.consumers.add(STREAM, { durable_name: consumer, ack_policy: AckPolicy.Explicit, max_deliver: 3, ack_wait: 1_000_000_000 });

    const h = headers();
    h.set("Shipment-Id", "S-42");
    await js.publish(`${STREAM}.shipment.created`, '{"shipment":"S-42","carrier":"<b>poison</b>"}', { headers: h });
    for (let i = 1; i <= 3; i++) await js.publish(`${STREAM}.shipment.created`, `{"shipment":"S-${i}"}`);
    // The consumer acknowledges everything but the poison message, which it naks until max_deliver.
    const c = await js.consumers.get(STREAM, consumer);
    const until = Date.now() + 5_000;
    while (Date.now() < until && (await jsm.streams.info(CAPTURE)).state.messages < 1) {
      for await (const m of await c.fetch({ max_messages: 10, expires: 1_000 })) {
        if (m.string().includes("poison")) m.nak();
        else m.ack();
      }
    }
    expect((await jsm.streams.info(CAPTURE)).state.messages).toBe(1);
    // Then it falls behind: four more wait.
    for (let i = 4; i <= 7; i++) await js.publish(`${STREAM}.shipment.created`, `{"shipment":"S-${i}"}`);
    const name = `${STREAM}.${consumer}`;

    await signInAsAdmin(page);
    await page.goto(`/lag?connection=local&broker=nats`);
    const row = page.getByTestId(`stream-consumer-row-${name}`);
    await expect(row.getByTestId("stream-consumer-pending")).toHaveText("4", { timeout: 20_000 });
    await expect(row.getByTestId("stream-consumer-dead-letters")).toHaveText("1");

    await row.getByRole("link", { name: `${STREAM} › ${consumer}` }).click();
    await expect(page.getByTestId("stream-consumer-detail-pending")).toContainText("4");
    await page.getByTestId("stream-consumer-dead-letters-link").click();

    await expect(page.getByTestId("dlq-kind")).toHaveText("NATS JetStream consumer");
    const messages = page.locator("#dlq-panel-messages");
    await expect(messages.getByTestId("nats-dlq-source")).toContainText(CAPTURE);
    await messages.getByTestId("dlq-message-row").first().click();
    const detail = messages.getByTestId("message-detail");
    await expect(detail.getByTestId("nats-deliveries")).toHaveText("3");
    await expect(detail.getByTestId("nats-stream-seq")).toHaveText("1");
    await expect(detail.getByTestId("nats-consumer")).toContainText(consumer);
    // The payload's markup is text.
    await expect(detail.getByTestId("detail-payload")).toContainText("<b>poison</b>");

    const panel = detail.getByTestId("replay-panel");
    await panel.getByRole("button", { name: "Replay…" }).click();
    await expect(panel.getByTestId("replay-confirm-text")).toContainText(`subject ${STREAM}.shipment.created`);
    await expect(panel.getByTestId("audience")).toContainText(consumer);
    await panel.getByRole("button", { name: "Confirm replay" }).click();
    await expect(panel.getByTestId("replay-result")).toContainText(`Replayed to ${STREAM}.shipment.created, stored as ${STREAM}:9`);

    // The server's own view: the copy is the stream's 9th message, with its headers and the replay id as Nats-Msg-Id.
    const copy = await jsm.streams.getMessage(STREAM, { seq: 9 });
    expect(copy?.string()).toBe('{"shipment":"S-42","carrier":"<b>poison</b>"}');
    expect(copy?.header.get("Shipment-Id")).toBe("S-42");
    const replayId = copy?.header.get("redrive-replay-id");
    expect(replayId).toMatch(/^[0-9a-f-]{36}$/);
    expect(copy?.header.get("Nats-Msg-Id")).toBe(replayId);
    await expect(panel.getByTestId("replay-history")).toContainText(`${STREAM}.shipment.created`);
  } finally {
    await jsm.streams.delete(STREAM).catch(() => undefined);
    await nc.close().catch(() => undefined);
  }
});
