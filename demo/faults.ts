import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { z } from "zod";

// Fault knobs: defaults in demo/faults.yaml, validated with zod, changeable at runtime (admin-server.ts).

const rate = z.number().min(0).max(1);

export const poisonKinds = ["unparseable-json", "unknown-schema-version", "oversized", "binary"] as const;
export type PoisonKind = (typeof poisonKinds)[number];

/** The RabbitMQ consumers (demo/rabbitmq/): names for failureRate, slowConsumers and stoppedConsumers. */
export const rabbitConsumers = ["push-notifier", "loyalty-service", "invoice-service"] as const;
export type RabbitConsumerName = (typeof rabbitConsumers)[number];

export const faultsSchema = z
  .object({
    ordersPerSecond: z.number().min(0).max(200),
    stepFailureRate: z
      .object({ "payment.authorize": rate, "inventory.reserve": rate, "shipping.schedule": rate })
      .strict(),
    compensationFailureRate: z.object({ "payment.refund": rate, "inventory.release": rate }).strict(),
    compensationDelayMs: z.number().int().min(0).max(600_000),
    compensationNoReplyRate: rate,
    poison: z
      .object({
        perMinute: z.number().min(0).max(600),
        topic: z.string().min(1),
        kinds: z.array(z.enum(poisonKinds)).min(1),
      })
      .strict(),
    /**
     * The schema-registry fault (demo/avro/): true registers a breaking v2 of the payment commands' subject (merchantId
     * required, no default); the payment processor, reading with the latest version, dead-letters every v1 command.
     * false rolls the change back (deletes that version), after which a replay of the dead letters succeeds.
     */
    avroBreakingChange: z.boolean(),
    slowConsumers: z.record(z.string(), z.number().int().min(0).max(600_000)),
    stoppedConsumers: z.array(z.string()),
    sqsFailureRate: rate,
    relayPaused: z.boolean(),
    relayPausedFor: z.array(z.string()),
    rabbitmq: z
      .object({
        /** Share of messages each consumer fails, on every delivery (chosen by message id). */
        failureRate: z.object({ "push-notifier": rate, "loyalty-service": rate, "invoice-service": rate }).strict(),
        /** Broken messages published straight to the orders exchange (round robin over the bound keys). */
        poisonPerMinute: z.number().min(0).max(600),
      })
      .strict(),
    /** The JetStream part (demo/nats/): shipment notifications and the poison knob (notifications without a recipient). */
    nats: z
      .object({
        shipmentsPerSecond: z.number().min(0).max(200),
        poisonPerMinute: z.number().min(0).max(600),
      })
      .strict(),
  })
  .strict();

export type Faults = z.infer<typeof faultsSchema>;

const DEFAULTS_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "faults.yaml");

export function loadDefaultFaults(file = DEFAULTS_FILE): Faults {
  return faultsSchema.parse(parse(readFileSync(file, "utf8")));
}

/** No faults at all: what tests start from. */
export function quietFaults(): Faults {
  return {
    ordersPerSecond: 0,
    stepFailureRate: { "payment.authorize": 0, "inventory.reserve": 0, "shipping.schedule": 0 },
    compensationFailureRate: { "payment.refund": 0, "inventory.release": 0 },
    compensationDelayMs: 0,
    compensationNoReplyRate: 0,
    poison: { perMinute: 0, topic: "payment.AuthorizePayment", kinds: [...poisonKinds] },
    avroBreakingChange: false,
    slowConsumers: {},
    stoppedConsumers: [],
    sqsFailureRate: 0,
    relayPaused: false,
    relayPausedFor: [],
    rabbitmq: { failureRate: { "push-notifier": 0, "loyalty-service": 0, "invoice-service": 0 }, poisonPerMinute: 0 },
    nats: { shipmentsPerSecond: 0, poisonPerMinute: 0 },
  };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: unknown, patch: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(patch)) return patch;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) out[k] = k in base && k !== "slowConsumers" ? merge(base[k], v) : v;
  return out;
}

export class FaultStore {
  private current: Faults;
  private readonly listeners = new Set<(f: Faults) => void>();

  constructor(initial: Faults) {
    this.current = faultsSchema.parse(initial);
  }

  get(): Faults {
    return this.current;
  }

  /** Deep-merges a partial change (objects merge, arrays and scalars replace), validates, notifies. */
  patch(change: unknown): Faults {
    if (!isPlainObject(change)) throw new z.ZodError([{ code: "custom", message: "expected a JSON object", path: [] }]);
    this.current = faultsSchema.parse(merge(this.current, change));
    for (const l of this.listeners) l(this.current);
    return this.current;
  }

  onChange(listener: (f: Faults) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** True with the given probability. */
  roll(probability: number): boolean {
    return probability > 0 && Math.random() < probability;
  }
}
