import { confluentFrame } from "~/server/schemas/wire-format";
import { avroEncoder } from "../../tests/fixtures/avro-bigint";
import { orderOf, RECORDS, TOPIC, type TopicSpec } from "./fixture";

// The Avro side of bench:search: the same 1,000,000 orders, written in Avro (Confluent wire format) with a schema
// registered in the stack's Apicurio Registry, searched with the same CEL predicate through the connection's
// schemaRegistry (decoded before the filter workers see them).

export const SCHEMA_REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:8085/apis/ccompat/v7";
export const AVRO_TOPIC = RECORDS === 1_000_000 ? "bench-search-1m-avro.DLQ" : TOPIC.replace(/\.DLQ$/, "-avro.DLQ");
const SUBJECT = `${AVRO_TOPIC}-value`;

const orderSchema = {
  type: "record",
  name: "Order",
  namespace: "bench.search",
  fields: [
    { name: "orderId", type: "string" },
    {
      name: "customer",
      type: { type: "record", name: "Customer", fields: ["id", "name", "email", "tier"].map((name) => ({ name, type: "string" })) },
    },
    { name: "amount", type: "long" },
    { name: "currency", type: "string" },
    { name: "items", type: { type: "array", items: { type: "record", name: "Item", fields: [{ name: "sku", type: "string" }, { name: "qty", type: "int" }, { name: "price", type: "long" }] } } },
    { name: "createdAt", type: "string" },
    { name: "padding", type: "string" },
  ],
};

/** Registers the order schema (idempotent: the same schema gets the same id) and gives the Avro topic's spec. */
export async function avroTopicSpec(): Promise<TopicSpec> {
  const res = await fetch(`${SCHEMA_REGISTRY_URL}/subjects/${encodeURIComponent(SUBJECT)}/versions`, {
    method: "POST",
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: JSON.stringify({ schema: JSON.stringify(orderSchema) }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!res.ok) throw new Error(`registering the bench schema: HTTP ${res.status} ${await res.text()}`);
  const { id } = (await res.json()) as { id: number };
  const type = avroEncoder(orderSchema);
  return {
    topic: AVRO_TOPIC,
    value: (index) => {
      const order = orderOf(index);
      return Buffer.from(confluentFrame(id, type.toBuffer({ ...order, amount: BigInt(order.amount), items: order.items.map((item) => ({ ...item, price: BigInt(item.price) })) })));
    },
  };
}
