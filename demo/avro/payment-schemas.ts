import { TOPICS } from "../kafka/topics";

// The Avro schemas of the demo's payment topics (subjects `<topic>-value`, TopicNameStrategy), and how an outbox
// payload maps onto each record and back. The outbox keeps JSON; the relay encodes at publish time, as a Kafka
// serializer would. v1 is what the producers write; BREAKING_FIELD is the change the fault knob registers.

type Payload = Record<string, unknown>;

interface AvroTopic {
  schema: { type: "record"; name: string; namespace: string; fields: object[] };
  toRecord(payload: Payload, createdAt: Date): Payload;
  /** The handler's payload again, from the decoded record. */
  fromRecord(record: Payload): Payload;
}

const commandFields = [
  { name: "sagaId", type: { type: "string", logicalType: "uuid" } },
  { name: "orderId", type: { type: "string", logicalType: "uuid" } },
  { name: "step", type: "string" },
  { name: "action", type: { type: "enum", name: "StepAction", symbols: ["execute", "compensate"] } },
  { name: "attempt", type: "int" },
  { name: "customerId", type: "string" },
  { name: "sku", type: "string" },
  { name: "quantity", type: "int" },
  { name: "amountCents", type: "long" },
  { name: "requestedAt", type: { type: "long", logicalType: "timestamp-millis" } },
];

const commandKeys = ["sagaId", "orderId", "step", "action", "attempt", "customerId", "sku", "quantity", "amountCents"] as const;

function command(name: string): AvroTopic {
  return {
    schema: { type: "record", name, namespace: "redrive.demo.payment", fields: commandFields },
    toRecord: (p, createdAt) => ({ ...Object.fromEntries(commandKeys.map((k) => [k, p[k]])), requestedAt: createdAt.getTime() }),
    fromRecord: (r) => Object.fromEntries(commandKeys.map((k) => [k, r[k]])),
  };
}

/** Exact cents as an Avro decimal: the unscaled value in minimal two's-complement big-endian bytes (scale 2). */
export function decimalBytes(cents: number): Buffer {
  const n = BigInt(cents);
  let length = 1;
  while (n >= 1n << BigInt(8 * length - 1) || n < -(1n << BigInt(8 * length - 1))) length++;
  const unsigned = n < 0n ? (1n << BigInt(8 * length)) + n : n;
  return Buffer.from(unsigned.toString(16).padStart(2 * length, "0"), "hex");
}

/** The cents again from an Avro decimal of scale 2 (the client library hands decimals over as their bytes). */
export function centsFromDecimal(bytes: Buffer): number {
  if (bytes.length === 0) return 0;
  const unsigned = BigInt(`0x${bytes.toString("hex")}`);
  const signed = bytes[0]! & 0x80 ? unsigned - (1n << BigInt(bytes.length * 8)) : unsigned;
  return Number(signed);
}

const paymentAuthorized: AvroTopic = {
  schema: {
    type: "record",
    name: "PaymentAuthorized",
    namespace: "redrive.demo.payment",
    fields: [
      { name: "orderId", type: { type: "string", logicalType: "uuid" } },
      { name: "customerId", type: "string" },
      { name: "amount", type: { type: "bytes", logicalType: "decimal", precision: 12, scale: 2 } },
      { name: "currency", type: "string" },
      { name: "authorizedAt", type: { type: "long", logicalType: "timestamp-millis" } },
    ],
  },
  toRecord: (p, createdAt) => ({
    orderId: p.orderId,
    customerId: p.customerId,
    amount: decimalBytes(Number(p.amountCents)),
    currency: "EUR",
    authorizedAt: createdAt.getTime(),
  }),
  fromRecord: (r) => ({
    orderId: r.orderId,
    customerId: r.customerId,
    amountCents: centsFromDecimal(r.amount as Buffer),
    currency: r.currency,
    authorizedAt: r.authorizedAt,
  }),
};

/** Logical topic -> its Avro record. The relay writes these topics in Avro when the demo has a registry. */
export const AVRO_TOPICS: Record<string, AvroTopic> = {
  [TOPICS.authorizePayment]: command("AuthorizePayment"),
  [TOPICS.refundPayment]: command("RefundPayment"),
  [TOPICS.paymentAuthorized]: paymentAuthorized,
};

/** The topic whose subject the fault knob breaks: the payment events ledger-service reads. */
export const BREAKING_TOPIC = TOPICS.paymentAuthorized;

/** The breaking change: a required field without a default (BACKWARD-incompatible: v2 readers cannot read v1 data). */
export const BREAKING_FIELD = { name: "merchantId", type: "string" };

export function breakingSchema(topic: string): object {
  const v1 = AVRO_TOPICS[topic]!.schema;
  return { ...v1, fields: [...v1.fields, BREAKING_FIELD] };
}
