import type { BrokerAdapterOf, BrokerKind } from "~/server/brokers/registry";
import type { ControlDb } from "~/server/db/control-store";
import type { ReplayJob } from "./dry-run";
import type { ReplayExecutor } from "./executor";
import { KafkaReplayExecutor } from "./kafka-executor";
import { RabbitReplayExecutor } from "./rabbitmq-executor";
import { SqsReplayExecutor } from "./sqs-executor";

type ExecutorFactory<K extends BrokerKind> = (db: ControlDb, adapter: BrokerAdapterOf<K>, job: ReplayJob) => ReplayExecutor;

/** The replay executor of each broker kind; typed over every registered kind, so a new broker must name its own. */
export const replayExecutors: { [K in BrokerKind]: ExecutorFactory<K> } = {
  kafka: (db, adapter, job) => new KafkaReplayExecutor(db, adapter, job),
  sqs: (db, adapter, job) => new SqsReplayExecutor(db, adapter, job),
  rabbitmq: (db, adapter, job) => new RabbitReplayExecutor(db, adapter, job),
  // Bulk replay jobs for NATS JetStream are not built yet (replay-jobs.create does not take the kind, so no job
  // row can name it): a job that did would fail with this reason rather than run half a strategy.
  nats: () => {
    throw new Error("bulk replay jobs are not available for NATS JetStream yet: replay its dead letters one at a time from the DLQ page");
  },
};
