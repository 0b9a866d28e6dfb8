import avro from "avsc";
import { describe, expect, it } from "vitest";
import { AVRO_TOPICS, BREAKING_FIELD, breakingSchema, BREAKING_TOPIC, centsFromDecimal, decimalBytes } from "../../demo/avro/payment-schemas";
import { configFromEnv } from "../../demo/config";
import { loadDefaultFaults, quietFaults } from "../../demo/faults";
import { TOPICS } from "../../demo/kafka/topics";

// The demo's Avro mapping (demo/avro/payment-schemas.ts) without a registry: payloads survive v1 encode/decode,
// decimals keep exact cents, and the breaking change is exactly "a required field without a default".

const roundTrip = (topic: string, payload: Record<string, unknown>) => {
  const t = AVRO_TOPICS[topic]!;
  const type = avro.Type.forSchema(t.schema as avro.Schema);
  return t.fromRecord(type.fromBuffer(type.toBuffer(t.toRecord(payload, new Date(1_700_000_000_123)))) as Record<string, unknown>);
};

describe("the demo's payment schemas", () => {
  it("carries saga commands through Avro unchanged", () => {
    const command = { sagaId: "6c1f2e0a-3b4c-4d5e-8f90-1a2b3c4d5e6f", orderId: "7d2f3e1b-4c5d-4e6f-9a01-2b3c4d5e6f70", step: "payment.authorize", action: "compensate", attempt: 2, customerId: "cust-7", sku: "SKU-DOCK", quantity: 3, amountCents: 61_503, schemaVersion: 1 };
    const { schemaVersion: _version, ...expected } = command;
    expect(roundTrip(TOPICS.authorizePayment, command)).toEqual(expected);
    expect(roundTrip(TOPICS.refundPayment, command)).toEqual(expected);
  });

  it("writes PaymentAuthorized amounts as exact decimals and reads the cents back", () => {
    const event = { orderId: "7d2f3e1b-4c5d-4e6f-9a01-2b3c4d5e6f70", customerId: "cust-9", amountCents: 12_345_678 };
    expect(roundTrip(TOPICS.paymentAuthorized, event)).toEqual({ ...event, currency: "EUR", authorizedAt: 1_700_000_000_123 });
    for (const cents of [0, 1, 127, 128, 255, 256, 32_767, 32_768, 2 ** 31 - 1, -1, -128, -129]) expect(centsFromDecimal(decimalBytes(cents))).toBe(cents);
    expect(decimalBytes(128)).toEqual(Buffer.of(0, 0x80)); // a leading zero keeps it positive
  });

  it("breaks the payment events' subject with one required field that has no default", () => {
    const v1 = AVRO_TOPICS[BREAKING_TOPIC]!.schema;
    const v2 = breakingSchema(BREAKING_TOPIC) as typeof v1;
    expect(v2.fields).toEqual([...v1.fields, BREAKING_FIELD]);
    expect(BREAKING_FIELD).not.toHaveProperty("default");
    // What ledger-service meets: a v2 reader cannot resolve v1 data.
    const reader = avro.Type.forSchema(v2 as avro.Schema);
    expect(() => reader.createResolver(avro.Type.forSchema(v1 as avro.Schema))).toThrow(/merchantId/);
  });

  it("runs the payment topics in Avro by default, with the breaking change on in the demo and off in tests", () => {
    expect(configFromEnv({}).avro?.topics).toEqual([TOPICS.authorizePayment, TOPICS.refundPayment, TOPICS.paymentAuthorized]);
    expect(configFromEnv({ DEMO_AVRO: "off" }).avro).toBeUndefined();
    expect(loadDefaultFaults().avroBreakingChange).toBe(true);
    expect(quietFaults().avroBreakingChange).toBe(false);
  });
});
