import { randomBytes, randomUUID } from "node:crypto";
import type { Producer } from "kafkajs";
import type { DemoConfig } from "./config";
import { MAX_PAYLOAD_BYTES } from "./consumers/envelope";
import type { FaultStore, PoisonKind } from "./faults";
import { topicName } from "./kafka/topics";

// Poison-message injector: produces broken records straight to a topic (bypassing the outbox).

export function poisonMessage(kind: PoisonKind): { value: Buffer; eventType: string } {
  switch (kind) {
    case "unparseable-json":
      return { value: Buffer.from('{"schemaVersion":1,"orderId":"oops', "utf8"), eventType: "Poison.UnparseableJson" };
    case "unknown-schema-version":
      return { value: Buffer.from(JSON.stringify({ schemaVersion: 99, orderId: randomUUID() })), eventType: "Poison.SchemaVersion" };
    case "oversized":
      return {
        value: Buffer.from(JSON.stringify({ schemaVersion: 1, blob: "x".repeat(MAX_PAYLOAD_BYTES + 1024) })),
        eventType: "Poison.Oversized",
      };
    case "binary":
      return { value: Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 0xc3]), randomBytes(60)]), eventType: "Poison.Binary" };
  }
}

export async function producePoison(
  producer: Producer,
  config: Pick<DemoConfig, "topicPrefix">,
  logicalTopic: string,
  kind: PoisonKind,
): Promise<void> {
  const topic = topicName(config, logicalTopic);
  const { value, eventType } = poisonMessage(kind);
  await producer.send({
    topic,
    acks: -1,
    messages: [{ key: `poison-${randomUUID()}`, value, headers: { "event-id": randomUUID(), "event-type": eventType } }],
  });
}

export class PoisonInjector {
  sent = 0;
  private timer: NodeJS.Timeout | undefined;
  private credit = 0;
  private next = 0;

  constructor(
    private readonly producer: Producer,
    private readonly config: Pick<DemoConfig, "topicPrefix">,
    private readonly faults: FaultStore,
  ) {}

  start(): void {
    // Start with one credit so the first poison message shows up right away.
    this.credit = 1;
    this.timer ??= setInterval(() => {
      const p = this.faults.get().poison;
      this.credit += p.perMinute / 60;
      if (p.perMinute <= 0 || this.credit < 1) return;
      this.credit -= 1;
      const kind = p.kinds[this.next++ % p.kinds.length] ?? "unparseable-json";
      producePoison(this.producer, this.config, p.topic, kind)
        .then(() => this.sent++)
        .catch((err: Error) => console.error("[poison]", err.message));
    }, 1000);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
