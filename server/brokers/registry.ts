import { z } from "zod";
import type { BrokerCapability } from "./capabilities";
import { kafkaPlugin } from "./kafka/plugin";
import { natsPlugin } from "./nats/plugin";
import { rabbitMqPlugin } from "./rabbitmq/plugin";
import { sqsPlugin } from "./sqs/plugin";

/** Every broker Redrive speaks. A new broker: its folder under server/brokers/ and one line here. */
export const brokerPlugins = {
  kafka: kafkaPlugin,
  sqs: sqsPlugin,
  rabbitmq: rabbitMqPlugin,
  nats: natsPlugin,
} as const;

export type BrokerKind = keyof typeof brokerPlugins;
export type BrokerPluginOf<K extends BrokerKind> = (typeof brokerPlugins)[K];
export type BrokerConfigOf<K extends BrokerKind> = z.output<BrokerPluginOf<K>["configSchema"]>;
export type BrokerAdapterOf<K extends BrokerKind> = ReturnType<BrokerPluginOf<K>["createAdapter"]>;

export const BROKER_KINDS = Object.keys(brokerPlugins) as BrokerKind[];

export function isBrokerKind(kind: string): kind is BrokerKind {
  return Object.hasOwn(brokerPlugins, kind);
}

export function brokerPlugin<K extends BrokerKind>(kind: K): BrokerPluginOf<K> {
  return brokerPlugins[kind];
}

export function capabilitiesOf(kind: BrokerKind): readonly BrokerCapability[] {
  return brokerPlugins[kind].capabilities;
}

/** Whether a broker kind can do something; the question code asks instead of `kind === "kafka"`. */
export function can(kind: BrokerKind, capability: BrokerCapability): boolean {
  return capabilitiesOf(kind).includes(capability);
}

/** The connection lists of redrive.yaml, one per registered broker kind, each validated by its plugin's schema. */
export function brokerConfigShape(): { [K in BrokerKind]: z.ZodDefault<z.ZodArray<BrokerPluginOf<K>["configSchema"]>> } {
  return Object.fromEntries(BROKER_KINDS.map((kind) => [kind, z.array(brokerPlugins[kind].configSchema).default([])])) as {
    [K in BrokerKind]: z.ZodDefault<z.ZodArray<BrokerPluginOf<K>["configSchema"]>>;
  };
}
