import type { z } from "zod";
import type { MessageIdCodec } from "~/server/lib/message-id";
import type { BrokerCapability } from "./capabilities";
import type { BrokerAdapter, ReplayCapabilities } from "./types";

export type { BrokerCapability } from "./capabilities";

/**
 * One broker kind as the rest of Redrive sees it. A new broker is one folder (server/brokers/<kind>/) exporting a
 * plugin and one line in server/brokers/registry.ts; its config list, connections and health follow from that, and
 * the compiler then asks for its sampler (server/jobs/samplers.ts) and replay executor
 * (server/replay/jobs/executors.ts), maps typed over every registered kind: those use the control database, which
 * server/brokers may not import. Modelled on server/replay/jobs/executor.ts: one strategy interface, callers
 * ignorant of the kind.
 */
export interface BrokerPlugin<TKind extends string = string, TSchema extends z.ZodType = z.ZodType, TAdapter extends BrokerAdapter<unknown> = BrokerAdapter<unknown>> {
  /** The key of the connection list in redrive.yaml and the `kind` in URLs, jobs and the ledger. */
  readonly kind: TKind;
  /** How people name it: "Kafka", "SQS". */
  readonly label: string;
  /** What a DLQ is on this broker: a "topic" or a "queue". */
  readonly resourceNoun: string;
  /** One entry of the connection list in redrive.yaml (the part server/config/schema.ts used to hold). */
  readonly configSchema: TSchema;
  /** How this broker's message ids read and write (Kafka partition:offset, SQS the broker's message id). */
  readonly ids: MessageIdCodec<unknown>;
  readonly capabilities: readonly BrokerCapability[];
  /** Where a connection points (brokers, endpoint and region), for the settings page; never a secret. */
  describeTarget(config: z.output<TSchema>): string;
  /** How a connection authenticates (protocol, mechanism, where trust and identity come from); never a secret. */
  describeSecurity(config: z.output<TSchema>): string;
  /** The connection's client; cheap (connects on first use). */
  createAdapter(config: z.output<TSchema>): TAdapter & ReplayCapabilities;
}
