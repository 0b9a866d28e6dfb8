import { z } from "zod";
import { ledgerEntries } from "../db/schema";
import { TOPICS } from "../kafka/topics";
import { ConsumerRunner, type RunnerOptions } from "./runner";

// ledger-service: books every authorized payment (payment.PaymentAuthorized, Avro through the registry) into
// ledger_entries. It reads with the subject's latest schema version, so it is the consumer the demo's breaking
// schema change (faults: avroBreakingChange) hits; the sagas do not wait on it.

export const LEDGER_GROUP = "ledger-service";

const paymentAuthorizedSchema = z.object({
  orderId: z.uuid(),
  customerId: z.string(),
  amountCents: z.number().int(),
  // JSON events from before the move to Avro carry neither.
  currency: z.string().default("EUR"),
  authorizedAt: z.number().optional(),
});

export function ledgerService(deps: Omit<RunnerOptions, "group" | "handlers" | "delayMs">): ConsumerRunner {
  return new ConsumerRunner({
    ...deps,
    group: LEDGER_GROUP,
    handlers: {
      [TOPICS.paymentAuthorized]: async (tx, ev) => {
        const p = paymentAuthorizedSchema.parse(ev.payload);
        await tx
          .insert(ledgerEntries)
          .values({
            orderId: p.orderId,
            customerId: p.customerId,
            amountCents: p.amountCents,
            currency: p.currency,
            authorizedAt: p.authorizedAt === undefined ? null : new Date(p.authorizedAt),
          })
          .onConflictDoNothing();
      },
    },
  });
}
