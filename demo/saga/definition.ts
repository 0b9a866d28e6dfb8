import { TOPICS } from "../kafka/topics";

// The OrderFulfilment saga: steps in order, each with the command topic of its participant and the
// compensation (if any) that undoes it.

export const SAGA_TYPE = "OrderFulfilment";

export interface StepDef {
  name: "payment.authorize" | "inventory.reserve" | "shipping.schedule";
  command: string;
  compensation?: { name: "payment.refund" | "inventory.release"; command: string };
}

export const STEPS: StepDef[] = [
  {
    name: "payment.authorize",
    command: TOPICS.authorizePayment,
    compensation: { name: "payment.refund", command: TOPICS.refundPayment },
  },
  {
    name: "inventory.reserve",
    command: TOPICS.reserveInventory,
    compensation: { name: "inventory.release", command: TOPICS.releaseInventory },
  },
  { name: "shipping.schedule", command: TOPICS.scheduleShipment },
];

export function stepIndex(name: string): number {
  return STEPS.findIndex((s) => s.name === name);
}

export function stepForCompensation(name: string): StepDef | undefined {
  return STEPS.find((s) => s.compensation?.name === name);
}

/** Splits a logical topic `<aggregate_type>.<event_type>` for the outbox. */
export function splitTopic(topic: string): { aggregateType: string; eventType: string } {
  const i = topic.indexOf(".");
  return { aggregateType: topic.slice(0, i), eventType: topic.slice(i + 1) };
}
