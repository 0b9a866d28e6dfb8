import { eq } from "drizzle-orm";
import { inventoryReservations } from "../db/schema";
import { TOPICS } from "../kafka/topics";
import { commandSchema, reply } from "../saga/messages";
import { ConsumerRunner, type RunnerOptions } from "./runner";

// inventory-service: reserves stock (inventory.reserve) and releases it (inventory.release).

export const INVENTORY_GROUP = "inventory-service";

export function inventoryService(deps: Omit<RunnerOptions, "group" | "handlers" | "delayMs">): ConsumerRunner {
  const { faults } = deps;
  return new ConsumerRunner({
    ...deps,
    group: INVENTORY_GROUP,
    delayMs: (topic) => (topic === TOPICS.releaseInventory ? faults.get().compensationDelayMs : 0),
    handlers: {
      [TOPICS.reserveInventory]: async (tx, ev) => {
        const cmd = commandSchema.parse(ev.payload);
        if (faults.roll(faults.get().stepFailureRate["inventory.reserve"])) {
          await reply(tx, cmd, "failed", "InventoryUnavailable", `${cmd.sku} out of stock (injected fault)`);
          return;
        }
        await tx
          .insert(inventoryReservations)
          .values({ orderId: cmd.orderId, sku: cmd.sku, quantity: cmd.quantity, status: "reserved" })
          .onConflictDoUpdate({
            target: inventoryReservations.orderId,
            set: { status: "reserved", updatedAt: new Date() },
          });
        await reply(tx, cmd, "succeeded", "InventoryReserved");
      },
      [TOPICS.releaseInventory]: async (tx, ev) => {
        const cmd = commandSchema.parse(ev.payload);
        if (faults.roll(faults.get().compensationNoReplyRate)) {
          (deps.log ?? console.log)(`[${INVENTORY_GROUP}] release for order ${cmd.orderId} hangs: no reply (injected fault)`);
          return;
        }
        if (faults.roll(faults.get().compensationFailureRate["inventory.release"])) {
          await reply(tx, cmd, "failed", "InventoryReleaseFailed", "warehouse system rejected the release (injected fault)");
          return;
        }
        await tx
          .update(inventoryReservations)
          .set({ status: "released", updatedAt: new Date() })
          .where(eq(inventoryReservations.orderId, cmd.orderId));
        await reply(tx, cmd, "succeeded", "InventoryReleased");
      },
    },
  });
}
