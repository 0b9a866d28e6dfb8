import { shipments } from "../db/schema";
import { TOPICS } from "../kafka/topics";
import { enqueue } from "../outbox/outbox";
import { commandSchema, reply } from "../saga/messages";
import { ConsumerRunner, type RunnerOptions } from "./runner";

// shipping-service: schedules the shipment (shipping.schedule), the saga's last step.

export const SHIPPING_GROUP = "shipping-service";
const CARRIERS = ["DHL", "UPS", "PostNL"];

export function shippingService(deps: Omit<RunnerOptions, "group" | "handlers" | "delayMs">): ConsumerRunner {
  const { faults } = deps;
  return new ConsumerRunner({
    ...deps,
    group: SHIPPING_GROUP,
    handlers: {
      [TOPICS.scheduleShipment]: async (tx, ev) => {
        const cmd = commandSchema.parse(ev.payload);
        if (faults.roll(faults.get().stepFailureRate["shipping.schedule"])) {
          await reply(tx, cmd, "failed", "ShipmentFailed", "no carrier capacity (injected fault)");
          return;
        }
        const carrier = CARRIERS[cmd.quantity % CARRIERS.length] ?? "DHL";
        await tx.insert(shipments).values({ orderId: cmd.orderId, carrier }).onConflictDoNothing();
        await reply(tx, cmd, "succeeded", "ShipmentScheduled");
        await enqueue(tx, {
          aggregateType: "shipping",
          eventType: "ShipmentScheduled",
          aggregateId: cmd.orderId,
          payload: { orderId: cmd.orderId, customerId: cmd.customerId, carrier },
        });
      },
    },
  });
}
