import { confluentFrame } from "../server/schemas/wire-format";
import { avroEncoder } from "../tests/fixtures/avro-bigint";

// The demo's schema-registry fault: payment events written in Avro through the stack's Apicurio Registry
// (Confluent wire format), after a breaking schema change registered for the subject — v2 adds a required
// field without a default, under compatibility NONE (as a careless deploy would) — so the payment consumer,
// which reads with the latest schema, dead-letters them. In Redrive: the failure group, the decoded value,
// the diff (merchantId: default missing) and the registry's verdict under BACKWARD.

export const SCHEMA_REGISTRY_URL = process.env.SCHEMA_REGISTRY_URL ?? "http://127.0.0.1:8085/apis/ccompat/v7";

export const paymentEventV1 = {
  type: "record",
  name: "PaymentAuthorized",
  namespace: "redrive.demo",
  fields: [
    { name: "orderId", type: "string" },
    { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
    { name: "currency", type: "string" },
    { name: "authorizedAt", type: { type: "long", logicalType: "timestamp-millis" } },
  ],
};

/** The breaking change: a required field without a default. */
export const paymentEventV2 = { ...paymentEventV1, fields: [...paymentEventV1.fields, { name: "merchantId", type: "string" }] };

async function sr<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${SCHEMA_REGISTRY_URL}${path}`, {
    method,
    headers: { "content-type": "application/vnd.schemaregistry.v1+json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`schema registry ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text) as T;
}

const registered = new Map<string, Promise<number>>();

/** Registers v1 and then the breaking v2 for `<topic>-value` (once per topic and process); the v1 schema id. */
export function breakingChangeFor(topic: string): Promise<number> {
  let ids = registered.get(topic);
  if (!ids) {
    ids = (async () => {
      const subject = encodeURIComponent(`${topic}-value`);
      // Apicurio's ccompat default is NONE; say it explicitly, then hold the subject to BACKWARD afterwards,
      // so the registry's verdict on v1 -> v2 is the one a guarded subject would have given.
      await sr("PUT", `/config/${subject}`, { compatibility: "NONE" }).catch(() => undefined);
      const v1 = (await sr<{ id: number }>("POST", `/subjects/${subject}/versions`, { schema: JSON.stringify(paymentEventV1) })).id;
      await sr("PUT", `/config/${subject}`, { compatibility: "NONE" });
      await sr("POST", `/subjects/${subject}/versions`, { schema: JSON.stringify(paymentEventV2) });
      await sr("PUT", `/config/${subject}`, { compatibility: "BACKWARD" });
      return v1;
    })();
    ids.catch(() => registered.delete(topic));
    registered.set(topic, ids);
  }
  return ids;
}

const encoder = avroEncoder(paymentEventV1);

/** A payment event written with v1 in the Confluent wire format. */
export function avroPaymentEvent(schemaId: number, orderId: string, cents: number): Buffer {
  const unscaled = BigInt(cents);
  const hex = unscaled.toString(16);
  const amount = Buffer.from(hex.length % 2 ? `0${hex}` : hex, "hex");
  // A leading 1 bit would read as negative: one zero byte in front keeps it positive.
  const bytes = amount[0]! & 0x80 ? Buffer.concat([Buffer.of(0), amount]) : amount;
  return Buffer.from(confluentFrame(schemaId, encoder.toBuffer({ orderId, amount: bytes, currency: "EUR", authorizedAt: BigInt(Date.now()) })));
}
