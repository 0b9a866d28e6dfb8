import { TRPCError } from "@trpc/server";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { kafkaDlqSamples, sqsQueueSamples } from "~/server/db/schema";
import {
  bucketSeconds,
  dlqTopicDepthHourAgo,
  dlqTopicHistory,
  latestDlqTopicSampleTime,
  latestQueueSampleTime,
  queueDepthHistory,
  queueDepthHourAgo,
  ranges,
  snapshotState,
  type RangeKey,
} from "~/server/lag/queries";
import type { ControlDb } from "~/server/db/control-store";
import type { Connections } from "~/server/connections/registry";
import { createTRPCRouter, viewerProcedure } from "~/server/api/trpc";

export interface DlqDepth {
  kind: "sqs" | "kafka";
  connection: string;
  name: string;
  sources: string[];
  depth: number;
  growthLastHour: number | null;
}

/** The latest stored depth of every queue and DLQ topic (never asks a broker). */
export async function latestDepths(db: ControlDb, connections: Connections) {
  const sqs = await Promise.all(
    [...connections.sqs.keys()].map(async (connection) => {
      const sampledAt = await latestQueueSampleTime(db, connection);
      const snapshot = await snapshotState(db, "sqs", connection, sampledAt);
      if (!sampledAt) return { snapshot, queues: [] };
      const [rows, hourAgo] = await Promise.all([
        db
          .select()
          .from(sqsQueueSamples)
          .where(and(eq(sqsQueueSamples.connection, connection), eq(sqsQueueSamples.sampledAt, sampledAt)))
          .orderBy(sqsQueueSamples.queue),
        queueDepthHourAgo(db, connection),
      ]);
      return {
        snapshot,
        queues: rows.map((row) => ({ ...row, growthLastHour: hourAgo.has(row.queue) ? row.visible - hourAgo.get(row.queue)! : null })),
      };
    }),
  );
  const kafka = await Promise.all(
    [...connections.kafka.keys()].map(async (connection) => {
      const sampledAt = await latestDlqTopicSampleTime(db, connection);
      const snapshot = await snapshotState(db, "kafka", connection, sampledAt);
      if (!sampledAt) return { snapshot, topics: [] };
      const [rows, hourAgo] = await Promise.all([
        db
          .select()
          .from(kafkaDlqSamples)
          .where(and(eq(kafkaDlqSamples.connection, connection), eq(kafkaDlqSamples.sampledAt, sampledAt)))
          .orderBy(kafkaDlqSamples.topic),
        dlqTopicDepthHourAgo(db, connection),
      ]);
      return {
        snapshot,
        topics: rows.map((row) => ({
          ...row,
          growthLastHour: hourAgo.has(row.topic) ? row.retainedMessages - hourAgo.get(row.topic)! : null,
        })),
      };
    }),
  );
  const dlqs: DlqDepth[] = [
    ...sqs.flatMap(({ snapshot, queues }) =>
      queues
        .filter((q) => q.isDeadLetterQueue)
        .map((q) => ({ kind: "sqs" as const, connection: snapshot.connection, name: q.queue, sources: q.sourceQueues, depth: q.visible, growthLastHour: q.growthLastHour })),
    ),
    ...kafka.flatMap(({ snapshot, topics }) =>
      topics.map((t) => ({
        kind: "kafka" as const,
        connection: snapshot.connection,
        name: t.topic,
        sources: t.sourceTopic ? [t.sourceTopic] : [],
        depth: t.retainedMessages,
        growthLastHour: t.growthLastHour,
      })),
    ),
  ];
  return { sqs, kafka, dlqs };
}

const rangeInput = z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).default("1h");

export const depthRouter = createTRPCRouter({
  list: viewerProcedure.query(({ ctx }) => latestDepths(ctx.db, ctx.connections)),

  history: viewerProcedure
    .input(
      z.object({
        kind: z.enum(["sqs", "kafka"]),
        connection: z.string().min(1),
        names: z.array(z.string().min(1)).min(1).max(50),
        range: rangeInput,
      }),
    )
    .query(async ({ ctx, input }) => {
      const interval =
        input.kind === "sqs"
          ? ctx.connections.config.sqs.find((c) => c.name === input.connection)?.sampleIntervalSeconds
          : ctx.connections.kafka.get(input.connection)?.config.sampleIntervalSeconds;
      if (interval === undefined) throw new TRPCError({ code: "NOT_FOUND", message: `No ${input.kind} connection "${input.connection}".` });
      const bucket = bucketSeconds(input.range, interval);
      const options = { connection: input.connection, range: input.range, bucket };
      const points =
        input.kind === "sqs"
          ? await queueDepthHistory(ctx.db, { ...options, queues: input.names })
          : await dlqTopicHistory(ctx.db, { ...options, topics: input.names });
      return { bucketSeconds: bucket, points };
    }),
});
