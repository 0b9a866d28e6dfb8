import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaptureStream, readDeadLetters } from "~/server/brokers/nats/capture";
import { consumerInfo } from "~/server/brokers/nats/jetstream";
import { FaultStore, loadDefaultFaults, quietFaults } from "../../demo/faults";
import { isSendable, NATS_CONSUMER, shipmentNotification, startNatsPart, type NatsPart } from "../../demo/nats/part";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

let nats: NatsFixture;
let part: NatsPart | undefined;

beforeAll(async () => {
  nats = await NatsFixture.open();
});

afterAll(async () => {
  await part?.stop();
  await nats?.cleanup();
});

describe("the demo's JetStream part", () => {
  it("has its knobs in faults.yaml, and only poison notifications lack a recipient", () => {
    expect(loadDefaultFaults().nats).toEqual({ shipmentsPerSecond: 1, poisonPerMinute: 2 });
    expect(isSendable(shipmentNotification(1, false).body)).toBe(true);
    expect(isSendable(shipmentNotification(2, true).body)).toBe(false);
  });

  it("sends shipment notifications; a poison one is naked until max_deliver and becomes one captured dead letter; a stopped notifier falls behind", async () => {
    const stream = nats.track(natsName("demoship"));
    const capture = nats.track(natsName("democap"));
    const faults = new FaultStore(quietFaults());
    faults.patch({ nats: { shipmentsPerSecond: 10, poisonPerMinute: 0 } });
    part = await startNatsPart({ config: { servers: NATS_URL, stream, maxDeliver: 3, ackWaitMs: 300 }, faults, log: () => undefined });
    expect(part).toBeDefined();
    await createCaptureStream(nats.session, { name: capture, streams: [stream] }, { consentedBy: "test" });
    await eventually("notifications sent", async () => part!.stats().sent as number, (n) => n >= 5);
    // One poison notification (the knob fires at once, then not again within the test).
    faults.patch({ nats: { poisonPerMinute: 1 } });
    await eventually("a poison sent", async () => part!.poisonSent, (n) => n === 1);
    faults.patch({ nats: { poisonPerMinute: 0 } });
    const page = await eventually("its dead letter", () => readDeadLetters(nats.session, { captureStream: capture }), (p) => p.items.length >= 1, 20_000);
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.advisory).toMatchObject({ kind: "max-deliveries", stream, consumer: NATS_CONSUMER, deliveries: 3 });
    if (page.items[0]!.original.state !== "present") throw new Error("the original should be in its stream");
    expect(isSendable(Buffer.from(page.items[0]!.original.payload).toString())).toBe(false);

    faults.patch({ stoppedConsumers: [NATS_CONSUMER] });
    await eventually("lag builds", async () => (await consumerInfo(nats.session.jsm, stream, NATS_CONSUMER)).numPending, (n) => n >= 10, 15_000);
  });
});
