/**
 * Runs batchReplay in its own process, for the kill -9 test: replays every message of DLQ (env) to its origin,
 * printing "progress <replayed>" lines; the test kills it mid-way.
 */
import amqp from "amqplib";
import { batchReplay } from "~/server/brokers/rabbitmq/batch-replay";

const url = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const dlq = process.env.DLQ!;
const connection = await amqp.connect(url);
const result = await batchReplay(connection, {
  dlq: { name: dlq, type: "classic", arguments: {}, effectivePolicyDefinition: {} },
  match: () => true,
  confirmWindow: Number(process.env.CONFIRM_WINDOW ?? 64),
  ratePerSecond: Number(process.env.RATE ?? 2000),
  progressIntervalMs: 20,
  onProgress: (p) => process.stdout.write(`progress ${p.replayed}\n`),
});
process.stdout.write(`done ${JSON.stringify(result.progress)}\n`);
await connection.close();
