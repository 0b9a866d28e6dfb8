import { z } from "zod";
import type { DemoTx } from "../db/client";
import { TOPICS } from "../kafka/topics";
import { enqueue } from "../outbox/outbox";
import { splitTopic } from "./definition";

// Saga command and reply payloads exchanged between the orchestrator and the participants.

export const commandSchema = z.object({
  sagaId: z.uuid(),
  orderId: z.uuid(),
  step: z.string(),
  action: z.enum(["execute", "compensate"]),
  attempt: z.number().int(),
  customerId: z.string(),
  sku: z.string(),
  quantity: z.number().int(),
  amountCents: z.number().int(),
});
export type SagaCommand = z.infer<typeof commandSchema>;

export const replySchema = z.object({
  sagaId: z.uuid(),
  orderId: z.uuid(),
  step: z.string(),
  action: z.enum(["execute", "compensate"]),
  outcome: z.enum(["succeeded", "failed"]),
  event: z.string(),
  reason: z.string().optional(),
});
export type SagaReply = z.infer<typeof replySchema>;

export async function sendCommand(tx: DemoTx, topic: string, command: SagaCommand): Promise<void> {
  await enqueue(tx, { ...splitTopic(topic), aggregateId: command.orderId, payload: command });
}

/** A participant's reply goes through its own outbox row (aggregate `saga`, keyed by saga id). */
export async function reply(
  tx: DemoTx,
  cmd: SagaCommand,
  outcome: SagaReply["outcome"],
  event: string,
  reason?: string,
): Promise<void> {
  const payload: SagaReply = { sagaId: cmd.sagaId, orderId: cmd.orderId, step: cmd.step, action: cmd.action, outcome, event, reason };
  await enqueue(tx, { ...splitTopic(TOPICS.stepReply), aggregateId: cmd.sagaId, payload });
}
