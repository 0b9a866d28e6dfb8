import { eq } from "drizzle-orm";
import { payments } from "../db/schema";
import { TOPICS } from "../kafka/topics";
import { enqueue } from "../outbox/outbox";
import { commandSchema, reply } from "../saga/messages";
import { ConsumerRunner, type RunnerOptions } from "./runner";

// payment-processor: authorizes payments (saga step payment.authorize) and refunds them (payment.refund).

export const PAYMENT_GROUP = "payment-processor";

export function paymentProcessor(deps: Omit<RunnerOptions, "group" | "handlers" | "delayMs">): ConsumerRunner {
  const { faults } = deps;
  return new ConsumerRunner({
    ...deps,
    group: PAYMENT_GROUP,
    delayMs: (topic) => (topic === TOPICS.refundPayment ? faults.get().compensationDelayMs : 0),
    handlers: {
      [TOPICS.authorizePayment]: async (tx, ev) => {
        const cmd = commandSchema.parse(ev.payload);
        if (faults.roll(faults.get().stepFailureRate["payment.authorize"])) {
          await tx
            .insert(payments)
            .values({ orderId: cmd.orderId, amountCents: cmd.amountCents, status: "declined" })
            .onConflictDoUpdate({ target: payments.orderId, set: { status: "declined", updatedAt: new Date() } });
          await reply(tx, cmd, "failed", "PaymentDeclined", "card declined by issuer (injected fault)");
          return;
        }
        await tx
          .insert(payments)
          .values({ orderId: cmd.orderId, amountCents: cmd.amountCents, status: "authorized" })
          .onConflictDoUpdate({ target: payments.orderId, set: { status: "authorized", updatedAt: new Date() } });
        await reply(tx, cmd, "succeeded", "PaymentAuthorized");
        await enqueue(tx, {
          aggregateType: "payment",
          eventType: "PaymentAuthorized",
          aggregateId: cmd.orderId,
          payload: { orderId: cmd.orderId, customerId: cmd.customerId, amountCents: cmd.amountCents },
        });
      },
      [TOPICS.refundPayment]: async (tx, ev) => {
        const cmd = commandSchema.parse(ev.payload);
        if (faults.roll(faults.get().compensationNoReplyRate)) {
          (deps.log ?? console.log)(`[${PAYMENT_GROUP}] refund for order ${cmd.orderId} hangs: no reply (injected fault)`);
          return;
        }
        if (faults.roll(faults.get().compensationFailureRate["payment.refund"])) {
          await reply(tx, cmd, "failed", "RefundFailed", "refund rejected by payment provider (injected fault)");
          return;
        }
        await tx.update(payments).set({ status: "refunded", updatedAt: new Date() }).where(eq(payments.orderId, cmd.orderId));
        await reply(tx, cmd, "succeeded", "PaymentRefunded");
      },
    },
  });
}
