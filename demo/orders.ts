import { randomUUID } from "node:crypto";
import type { DemoDb } from "./db/client";
import { orders } from "./db/schema";
import { enqueue } from "./outbox/outbox";

// The order service: placing an order writes the order row and ONE OrderPlaced outbox row in one transaction.

export interface NewOrder {
  customerId: string;
  sku: string;
  quantity: number;
  amountCents: number;
}

export async function placeOrder(db: DemoDb, order: NewOrder): Promise<{ orderId: string; eventId: string }> {
  return db.transaction(async (tx) => {
    const orderId = randomUUID();
    await tx.insert(orders).values({ id: orderId, ...order });
    const [eventId] = await enqueue(tx, {
      aggregateType: "order",
      aggregateId: orderId,
      eventType: "OrderPlaced",
      payload: { orderId, ...order },
    });
    return { orderId, eventId: eventId ?? "" };
  });
}

const SKUS = ["SKU-KEYBOARD", "SKU-MOUSE", "SKU-MONITOR", "SKU-DOCK", "SKU-CABLE"];

export function randomOrder(): NewOrder {
  const quantity = 1 + Math.floor(Math.random() * 4);
  return {
    customerId: `cust-${1 + Math.floor(Math.random() * 500)}`,
    sku: SKUS[Math.floor(Math.random() * SKUS.length)] ?? "SKU-CABLE",
    quantity,
    amountCents: quantity * (500 + Math.floor(Math.random() * 20_000)),
  };
}
