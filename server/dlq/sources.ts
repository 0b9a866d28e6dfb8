import type { BrokerKind } from "~/server/brokers/registry";
import { NotFound } from "~/server/lib/errors";
import { kafkaDlqSource } from "./kafka-source";
import type { RawDlqMessage } from "./messages";
import { natsDlqSource } from "./nats-source";
import { rabbitMqDlqSource } from "./rabbitmq-source";
import type { DlqAt, DlqDeps, DlqSource } from "./source";
import { sqsDlqSource } from "./sqs-source";

/**
 * How each broker kind's DLQs are read, as the samplers (server/jobs/samplers.ts) and replay executors
 * (server/replay/jobs/executors.ts) are chosen: typed over every registered kind, so a new broker does not compile
 * until it says how its DLQs are read.
 */
export const dlqSources: { [K in BrokerKind]: DlqSource } = {
  kafka: kafkaDlqSource,
  sqs: sqsDlqSource,
  rabbitmq: rabbitMqDlqSource,
  nats: natsDlqSource,
};

/** One DLQ message the caller may read, or NotFound with why (the "load one DLQ message" of every view). */
export async function readDlqMessage(deps: DlqDeps, kind: BrokerKind, at: DlqAt, id: string): Promise<RawDlqMessage> {
  const source = dlqSources[kind];
  source.assertReadable(deps, at);
  const message = await source.message(deps, at, id);
  if (!message) throw new NotFound(source.missing(at, id));
  return message;
}
