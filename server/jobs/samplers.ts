import type { BrokerAdapterOf, BrokerKind } from "~/server/brokers/registry";
import type { RedriveConfig } from "~/server/config/schema";
import type { ControlDb } from "~/server/db/control-store";
import { KafkaSampler } from "./kafka-sampler";
import { NatsSampler } from "./nats-sampler";
import { RabbitMqSampler } from "./rabbitmq-sampler";
import { SqsSampler } from "./sqs-sampler";

/** A broker connection the collector samples on its own interval. */
export interface SampleTarget {
  intervalMs: number;
  sample(): Promise<unknown>;
}

type SamplerFactory<K extends BrokerKind> = (db: ControlDb, adapter: BrokerAdapterOf<K>, config: RedriveConfig) => SampleTarget;

/**
 * The sampler of each broker kind, as the replay executors are chosen (server/replay/jobs/executors.ts). Typed
 * over every registered kind, so a new broker does not compile until it says how it is sampled.
 */
export const samplers: { [K in BrokerKind]: SamplerFactory<K> } = {
  kafka: (db, adapter, config) => {
    const sampler = new KafkaSampler(db, adapter, config.collector);
    return { intervalMs: adapter.config.sampleIntervalSeconds * 1000, sample: () => sampler.sample() };
  },
  sqs: (db, adapter, config) => {
    const sampler = new SqsSampler(db, adapter);
    const interval = config.sqs.find((c) => c.name === adapter.name)?.sampleIntervalSeconds ?? 15;
    return { intervalMs: interval * 1000, sample: () => sampler.sample() };
  },
  rabbitmq: (db, adapter, config) => {
    const sampler = new RabbitMqSampler(db, adapter);
    const interval = config.rabbitmq.find((c) => c.name === adapter.name)?.sampleIntervalSeconds ?? 15;
    return { intervalMs: interval * 1000, sample: () => sampler.sample() };
  },
  nats: (db, adapter) => {
    const sampler = new NatsSampler(db, adapter);
    return { intervalMs: adapter.config.sampleIntervalSeconds * 1000, sample: () => sampler.sample() };
  },
};
