import { createHash } from "node:crypto";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  type Message,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DemoDb } from "../db/client";
import { processedEvents, sqsFailures } from "../db/schema";
import type { FaultStore } from "../faults";

// notification-sender: SQS consumer of the outbox's SQS routes (orders-payments, orders-shipping).
// Success: record the event id in processed_events (idempotent) and delete the message.
// Failure: do NOT delete; the queue's RedrivePolicy (maxReceiveCount 3) moves it to the DLQ.
//   SQS keeps no failure reason, and copying the message to stamp an attribute would change its
//   MessageId and reset its receive count. So the reason goes to the sqs_failures table keyed by
//   MessageId (copy-free), and ChangeMessageVisibility gives an exponential backoff before the next receive.

export const NOTIFICATION_CONSUMER = "notification-sender";

export interface NotificationSenderDeps {
  sqs: SQSClient;
  db: DemoDb;
  faults: FaultStore;
  /** Queue name -> queue URL. */
  queues: Record<string, string>;
  visibilityTimeoutSeconds?: number;
  /** Backoff after the n-th failed receive: base * 2^(n-1) seconds, capped at 60. 0 = immediately visible. */
  backoffBaseSeconds?: number;
  waitTimeSeconds?: number;
  log?: (m: string) => void;
}

/** The injected fault is per message (by MessageId), so a failing message fails on every receive. */
export function failsPermanently(messageId: string, rate: number): boolean {
  if (rate <= 0) return false;
  if (rate >= 1) return true;
  return createHash("sha256").update(messageId).digest().readUInt32BE(0) / 0x1_0000_0000 < rate;
}

export class NotificationFailedError extends Error {
  override name = "NotificationFailedError";
}

export class NotificationSender {
  readonly stats = { sent: 0, failed: 0, duplicates: 0 };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly abort = new AbortController();

  constructor(private readonly d: NotificationSenderDeps) {}

  private log(m: string) {
    (this.d.log ?? ((s: string) => console.log(s)))(`[${NOTIFICATION_CONSUMER}] ${m}`);
  }

  async pollOnce(queue: string): Promise<number> {
    const url = this.d.queues[queue];
    if (!url) throw new Error(`unknown queue ${queue}`);
    const res = await this.d.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: this.d.visibilityTimeoutSeconds ?? 30,
        WaitTimeSeconds: this.d.waitTimeSeconds ?? 1,
        MessageSystemAttributeNames: ["ApproximateReceiveCount"],
        MessageAttributeNames: ["All"],
      }),
      { abortSignal: this.abort.signal },
    );
    for (const m of res.Messages ?? []) await this.handle(queue, url, m);
    return res.Messages?.length ?? 0;
  }

  private async handle(queue: string, url: string, m: Message): Promise<void> {
    const receiveCount = Number(m.Attributes?.ApproximateReceiveCount ?? "1");
    const eventId = m.MessageAttributes?.["event-id"]?.StringValue ?? m.MessageId ?? "unknown";
    try {
      let body: unknown;
      try {
        body = JSON.parse(m.Body ?? "");
      } catch {
        throw new NotificationFailedError("body is not JSON");
      }
      if (failsPermanently(m.MessageId ?? "", this.d.faults.get().sqsFailureRate)) {
        throw new NotificationFailedError("email provider returned 503 (injected fault)");
      }
      const duplicate = await this.d.db.transaction(async (tx) => {
        const ins = await tx
          .insert(processedEvents)
          .values({
            eventId,
            consumer: NOTIFICATION_CONSUMER,
            eventType: m.MessageAttributes?.["event-type"]?.StringValue ?? "unknown",
          })
          .onConflictDoNothing()
          .returning({ id: processedEvents.eventId });
        void body; // a real sender would render and send the notification here
        return ins.length === 0;
      });
      if (duplicate) this.stats.duplicates++;
      else this.stats.sent++;
      await this.d.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }));
    } catch (err) {
      this.stats.failed++;
      const reason = `${(err as Error).name}: ${(err as Error).message}`;
      await this.d.db.insert(sqsFailures).values({ messageId: m.MessageId ?? "unknown", queue, reason, receiveCount });
      const base = this.d.backoffBaseSeconds ?? 2;
      const backoff = Math.min(60, Math.round(base * 2 ** (receiveCount - 1)));
      await this.d.sqs.send(
        new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: backoff }),
      );
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loops = Object.keys(this.d.queues).map(async (queue) => {
      while (this.running) {
        if (this.d.faults.get().stoppedConsumers.includes(NOTIFICATION_CONSUMER)) {
          await new Promise((r) => setTimeout(r, 1000));
          continue;
        }
        try {
          await this.pollOnce(queue);
        } catch (err) {
          if (!this.running) break;
          this.log(`${queue}: ${(err as Error).message}`);
          await new Promise((r) => setTimeout(r, 1000));
        }
      }
    });
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    await Promise.allSettled(this.loops);
  }
}
