import type { BrokerAdapterOf, BrokerKind } from "~/server/brokers/registry";
import type { ControlDb } from "~/server/db/control-store";
import type { ReplayJob } from "./dry-run";
import type { ReplayExecutor } from "./executor";
import { KafkaReplayExecutor } from "./kafka-executor";
import { NatsReplayExecutor } from "./nats-executor";
import { RabbitReplayExecutor } from "./rabbitmq-executor";
import { SqsReplayExecutor } from "./sqs-executor";

type ExecutorFactory<K extends BrokerKind> = (db: ControlDb, adapter: BrokerAdapterOf<K>, job: ReplayJob) => ReplayExecutor;

/** The replay executor of each broker kind; typed over every registered kind, so a new broker must name its own. */
export const replayExecutors: { [K in BrokerKind]: ExecutorFactory<K> } = {
  kafka: (db, adapter, job) => new KafkaReplayExecutor(db, adapter, job),
  sqs: (db, adapter, job) => new SqsReplayExecutor(db, adapter, job),
  rabbitmq: (db, adapter, job) => new RabbitReplayExecutor(db, adapter, job),
  nats: (db, adapter, job) => new NatsReplayExecutor(db, adapter, job),
};
