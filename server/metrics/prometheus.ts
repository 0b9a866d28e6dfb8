import { timingSafeEqual } from "node:crypto";
import { and, eq } from "drizzle-orm";
import { Gauge, Registry } from "prom-client";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { kafkaLagSamples, kafkaPartitionSamples } from "~/server/db/schema";
import { latestDepths } from "~/server/depth/latest";
import { connectionSampleStates } from "~/server/health/readiness";
import { partitionStatuses } from "~/server/lag/health-rules";
import { queueStatuses } from "~/server/lag/queue-health-rules";
import { groupRowsAt, latestGroupSampleTime } from "~/server/lag/queries";
import { applicationMetrics } from "~/server/sagas/metrics";
import { latestNatsSampleTime, natsConsumersAt, natsStreamsAt } from "~/server/lag/nats-queries";

/**
 * The Prometheus exposition of the latest stored samples. Names and labels follow kafka-lag-exporter, so
 * dashboards built for it work unchanged; redrive_* metrics add what it lacks. A fresh registry per scrape
 * keeps series of deleted groups or topics from lingering.
 */
export async function renderMetrics(db: ControlDb, connections: Connections): Promise<{ contentType: string; body: string }> {
  const registry = new Registry();
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Gauge<L>({ name, help, labelNames: [...labelNames], registers: [registry] });

  const partitionLabels = ["cluster_name", "group", "topic", "partition"] as const;
  const groupLabels = ["cluster_name", "group"] as const;
  const lag = gauge("kafka_consumergroup_group_lag", "Group offset lag of a partition", partitionLabels);
  const lagSeconds = gauge("kafka_consumergroup_group_lag_seconds", "Group time lag of a partition", partitionLabels);
  const maxLag = gauge("kafka_consumergroup_group_max_lag", "Max group offset lag", groupLabels);
  const maxLagSeconds = gauge("kafka_consumergroup_group_max_lag_seconds", "Max group time lag", groupLabels);
  const sumLag = gauge("kafka_consumergroup_group_sum_lag", "Sum of group offset lag", groupLabels);
  const latestOffset = gauge("kafka_partition_latest_offset", "Latest offset of a partition", ["cluster_name", "topic", "partition"]);
  const earliestOffset = gauge("kafka_partition_earliest_offset", "Earliest offset of a partition", ["cluster_name", "topic", "partition"]);
  const status = gauge("redrive_consumergroup_status", "1 for the group's current health status, 0 for the others", [
    "cluster_name",
    "group",
    "status",
  ]);
  const dlqDepth = gauge("redrive_dlq_depth", "Messages in a dead-letter queue or topic", ["connection", "dlq"]);
  const queueMessages = gauge("redrive_queue_messages", "SQS queue messages by state", ["connection", "queue", "state"]);
  // RabbitMQ: the names of the rabbitmq_prometheus plugin's per-queue metrics, so its dashboards apply; `connection` added.
  const rabbitLabels = ["connection", "vhost", "queue"] as const;
  const rabbitReady = gauge("rabbitmq_queue_messages_ready", "Messages ready to be delivered to consumers", rabbitLabels);
  const rabbitUnacked = gauge("rabbitmq_queue_messages_unacked", "Messages delivered to consumers but not yet acknowledged", rabbitLabels);
  const rabbitConsumers = gauge("rabbitmq_queue_consumers", "Consumers on a queue", rabbitLabels);
  const rabbitUtilisation = gauge("rabbitmq_queue_consumer_utilisation", "Share of time the queue could deliver to its consumers at once (0..1)", rabbitLabels);
  const rabbitStatus = gauge("redrive_queue_status", "1 for the RabbitMQ queue's current health status, 0 for the others", [...rabbitLabels, "status"]);

  for (const cluster of connections.kafka.keys()) {
    const sampledAt = await latestGroupSampleTime(db, cluster);
    if (!sampledAt) continue;
    const [groups, partitions, offsets] = await Promise.all([
      groupRowsAt(db, cluster, sampledAt),
      db.select().from(kafkaLagSamples).where(and(eq(kafkaLagSamples.connection, cluster), eq(kafkaLagSamples.sampledAt, sampledAt))),
      db.select().from(kafkaPartitionSamples).where(and(eq(kafkaPartitionSamples.connection, cluster), eq(kafkaPartitionSamples.sampledAt, sampledAt))),
    ]);
    for (const g of groups) {
      const labels = { cluster_name: cluster, group: g.groupId };
      maxLag.set(labels, g.maxLag);
      sumLag.set(labels, g.totalLag);
      if (g.maxLagSeconds !== null) maxLagSeconds.set(labels, g.maxLagSeconds);
      for (const s of partitionStatuses) status.set({ ...labels, status: s }, g.status === s ? 1 : 0);
    }
    for (const p of partitions) {
      if (p.lag === null) continue; // no committed offset: no lag to report
      const labels = { cluster_name: cluster, group: p.groupId, topic: p.topic, partition: String(p.partition) };
      lag.set(labels, p.lag);
      if (p.lagSeconds !== null) lagSeconds.set(labels, p.lagSeconds);
    }
    for (const o of offsets) {
      const labels = { cluster_name: cluster, topic: o.topic, partition: String(o.partition) };
      latestOffset.set(labels, o.logEndOffset);
      earliestOffset.set(labels, o.logStartOffset);
    }
  }

  const depths = await latestDepths(db, connections);
  for (const d of depths.dlqs) dlqDepth.set({ connection: d.connection, dlq: d.name }, d.depth);
  for (const { snapshot, queues } of depths.sqs) {
    for (const q of queues) {
      queueMessages.set({ connection: snapshot.connection, queue: q.queue, state: "visible" }, q.visible);
      queueMessages.set({ connection: snapshot.connection, queue: q.queue, state: "in_flight" }, q.inFlight);
      queueMessages.set({ connection: snapshot.connection, queue: q.queue, state: "delayed" }, q.delayed);
    }
  }
  for (const { snapshot, queues } of depths.rabbitmq) {
    const vhost = connections.config.rabbitmq.find((c) => c.name === snapshot.connection)?.vhost ?? "/";
    for (const q of queues) {
      const labels = { connection: snapshot.connection, vhost, queue: q.queue };
      rabbitReady.set(labels, q.ready);
      rabbitUnacked.set(labels, q.unacked);
      rabbitConsumers.set(labels, q.consumers);
      if (q.consumerUtilisation !== null) rabbitUtilisation.set(labels, q.consumerUtilisation);
      for (const s of queueStatuses) rabbitStatus.set({ ...labels, status: s }, q.health.status === s ? 1 : 0);
    }
  }
  await jetStreamMetrics(db, connections, gauge);
  await applicationMetrics(registry, db, connections);
  await collectorMetrics(db, connections, gauge);
  return { contentType: registry.contentType, body: await registry.metrics() };
}

/**
 * NATS JetStream streams and consumers from the latest sample. Names follow prometheus-nats-exporter's
 * JetStream metrics (jetstream_stream_*, jetstream_consumer_*) with its stream_name / consumer_name labels, so
 * its dashboards apply; `connection` added. redrive_jetstream_* add lag in seconds, the verdict and dead letters.
 */
async function jetStreamMetrics(
  db: ControlDb,
  connections: Connections,
  gauge: <L extends string>(name: string, help: string, labelNames: readonly L[]) => Gauge<L>,
): Promise<void> {
  const streamLabels = ["connection", "stream_name"] as const;
  const consumerLabels = ["connection", "stream_name", "consumer_name"] as const;
  const streamMessages = gauge("jetstream_stream_total_messages", "Messages in a stream", streamLabels);
  const streamBytes = gauge("jetstream_stream_total_bytes", "Bytes in a stream", streamLabels);
  const streamFirst = gauge("jetstream_stream_first_seq", "First sequence of a stream", streamLabels);
  const streamLast = gauge("jetstream_stream_last_seq", "Last sequence of a stream", streamLabels);
  const pending = gauge("jetstream_consumer_num_pending", "Messages not yet delivered to the consumer (its lag)", consumerLabels);
  const ackPending = gauge("jetstream_consumer_num_ack_pending", "Messages delivered and not yet acknowledged", consumerLabels);
  const redelivered = gauge("jetstream_consumer_num_redelivered", "Messages redelivered", consumerLabels);
  const waiting = gauge("jetstream_consumer_num_waiting", "Pull requests waiting", consumerLabels);
  const delivered = gauge("jetstream_consumer_delivered_stream_seq", "Stream sequence last delivered", consumerLabels);
  const ackFloor = gauge("jetstream_consumer_ack_floor_stream_seq", "Stream sequence acknowledged up to", consumerLabels);
  const lagSeconds = gauge("redrive_jetstream_consumer_lag_seconds", "Age of the consumer's oldest unacknowledged message", consumerLabels);
  const deadLetters = gauge("redrive_jetstream_consumer_dead_letters", "Max-delivery and terminated advisories captured for the consumer", consumerLabels);
  const status = gauge("redrive_jetstream_consumer_status", "1 for the consumer's current health status, 0 for the others", [...consumerLabels, "status"]);
  for (const connection of connections.nats.keys()) {
    const sampledAt = await latestNatsSampleTime(db, connection);
    if (!sampledAt) continue;
    for (const s of await natsStreamsAt(db, connection, sampledAt)) {
      const labels = { connection, stream_name: s.stream };
      streamMessages.set(labels, s.messages);
      streamBytes.set(labels, s.bytes);
      streamFirst.set(labels, s.firstSeq);
      streamLast.set(labels, s.lastSeq);
    }
    for (const c of await natsConsumersAt(db, connection, sampledAt)) {
      const labels = { connection, stream_name: c.stream, consumer_name: c.consumer };
      pending.set(labels, c.pending);
      ackPending.set(labels, c.ackPending);
      redelivered.set(labels, c.redelivered);
      waiting.set(labels, c.waiting);
      delivered.set(labels, c.deliveredSeq);
      ackFloor.set(labels, c.ackFloorSeq);
      if (c.lagSeconds !== null) lagSeconds.set(labels, c.lagSeconds);
      if (c.deadLetters !== null) deadLetters.set(labels, c.deadLetters);
      for (const st of partitionStatuses) status.set({ ...labels, status: st }, c.status === st ? 1 : 0);
    }
  }
}

/**
 * Freshness, so a stalled collector does not look healthy: the last sample stays exported however old it is,
 * and these say how old it is (alert on them: docs/prometheus-rules.yml).
 */
async function collectorMetrics(
  db: ControlDb,
  connections: Connections,
  gauge: <L extends string>(name: string, help: string, labelNames: readonly L[]) => Gauge<L>,
): Promise<void> {
  const labels = ["kind", "connection"] as const;
  const lastSuccess = gauge("redrive_collector_last_success_timestamp_seconds", "Unix time of the last successful sample of a connection", labels);
  const up = gauge("redrive_connection_up", "1 when the latest sample of a connection succeeded, 0 when it failed or none ran yet", labels);
  const age = gauge("redrive_sample_age_seconds", "Seconds since the last successful sample of a connection", labels);
  for (const c of await connectionSampleStates(db, connections)) {
    const l = { kind: c.kind, connection: c.name };
    up.set(l, c.up ? 1 : 0);
    if (c.lastSuccessAt) lastSuccess.set(l, Date.parse(c.lastSuccessAt) / 1000);
    if (c.sampleAgeSeconds !== null) age.set(l, c.sampleAgeSeconds);
  }
}

export function metricsAuthorised(expected: string | undefined, authorization: string | null): boolean {
  if (!expected) return true;
  const given = /^Bearer\s+(\S+)$/i.exec(authorization ?? "")?.[1] ?? "";
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
