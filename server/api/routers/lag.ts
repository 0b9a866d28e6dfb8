import { TRPCError } from "@trpc/server";
import { and, asc, desc, ilike, inArray, sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import { kafkaGroupSamples } from "~/server/db/schema";
import { partitionStatuses, severity } from "~/server/lag/health-rules";
import {
  bucketSeconds,
  groupHistory,
  groupMembersAt,
  groupRowsAt,
  latestGroupSampleTime,
  partitionRowsAt,
  ranges,
  snapshotState,
  type RangeKey,
} from "~/server/lag/queries";
import { mustReadGroup, readableGroups, readableTopics, withReadableTopicList } from "~/server/lag/group-scope";
import { withTrends } from "~/server/lag/trends";
import { createTRPCRouter, readableFor, viewerProcedure } from "~/server/api/trpc";
import { visible } from "~/server/auth/permissions";
import { deadLetterSetName, parseDeadLetterSet } from "~/server/brokers/nats/names";
import { requireBroker } from "~/server/connections/registry";
import { latestNatsSampleTime, natsConsumerHistory, natsConsumersAt, natsStreamsAt } from "~/server/lag/nats-queries";

const rangeInput = z.enum(Object.keys(ranges) as [RangeKey, ...RangeKey[]]).default("1h");
const sortable = {
  group: kafkaGroupSamples.groupId,
  state: kafkaGroupSamples.state,
  members: kafkaGroupSamples.members,
  totalLag: kafkaGroupSamples.totalLag,
  maxLag: kafkaGroupSamples.maxLag,
  lagSeconds: kafkaGroupSamples.maxLagSeconds,
  // Worst first when descending, by the rules' own severity order.
  status: sql`array_position(array[${sql.join(partitionStatuses.map((s) => sql`${s}`), sql`, `)}]::text[], ${kafkaGroupSamples.status})`,
} as const;

function kafkaAdapter(adapters: ReadonlyMap<string, KafkaAdapter>, connection: string): KafkaAdapter {
  const adapter = adapters.get(connection);
  if (!adapter) throw new TRPCError({ code: "NOT_FOUND", message: `No Kafka connection "${connection}".` });
  return adapter;
}

export const lagRouter = createTRPCRouter({
  /** Consumer groups of one cluster from the latest stored snapshot: sortable, filterable, paginated. */
  groups: viewerProcedure
    .input(
      z.object({
        connection: z.string().min(1),
        search: z.string().max(200).optional(),
        statuses: z.array(z.enum(partitionStatuses)).optional(),
        sortBy: z.enum(Object.keys(sortable) as [keyof typeof sortable, ...(keyof typeof sortable)[]]).default("status"),
        sortDir: z.enum(["asc", "desc"]).default("desc"),
        page: z.number().int().min(0).default(0),
        pageSize: z.number().int().min(1).max(500).default(50),
      }),
    )
    .query(async ({ ctx, input }) => {
      const adapter = kafkaAdapter(ctx.connections.kafka, input.connection);
      const sampledAt = await latestGroupSampleTime(ctx.db, input.connection);
      const snapshot = await snapshotState(ctx.db, "kafka", input.connection, sampledAt);
      if (!sampledAt) return { snapshot, total: 0, rows: [] };
      const readable = readableFor(ctx);
      // The role's scope is part of the WHERE, so pages and the total count only the groups it may read.
      const filters: SQL[] = [readableGroups(readable)].filter((filter) => filter !== undefined);
      if (input.search) filters.push(ilike(kafkaGroupSamples.groupId, `%${input.search.replace(/[%_\\]/g, "\\$&")}%`));
      if (input.statuses?.length) filters.push(inArray(kafkaGroupSamples.status, input.statuses));
      const where = filters.length ? and(...filters) : undefined;
      // Unknowns (e.g. lag seconds not known yet) sort last in either direction.
      const column = sortable[input.sortBy];
      const order = input.sortDir === "asc" ? sql`${column} asc nulls last` : sql`${column} desc nulls last`;
      const rows = await groupRowsAt(ctx.db, input.connection, sampledAt, where)
        .orderBy(order, desc(kafkaGroupSamples.totalLag), asc(kafkaGroupSamples.groupId))
        .limit(input.pageSize)
        .offset(input.page * input.pageSize);
      const [counted] = await ctx.db
        .select({ n: sql<number>`count(*)::int` })
        .from(groupRowsAt(ctx.db, input.connection, sampledAt, where).as("g"));
      const trended = await withTrends(ctx.db, input.connection, rows, adapter.config.sampleIntervalSeconds);
      return { snapshot, total: counted?.n ?? 0, rows: trended.map((row) => withReadableTopicList(row, readable, input.connection)) };
    }),

  /** One group: totals, its members with their assignment, and a row per topic and partition. */
  group: viewerProcedure
    .input(z.object({ connection: z.string().min(1), groupId: z.string().min(1).max(500) }))
    .query(async ({ ctx, input }) => {
      const adapter = kafkaAdapter(ctx.connections.kafka, input.connection);
      const readable = readableFor(ctx);
      mustReadGroup(readable, input.connection, input.groupId);
      const sampledAt = await latestGroupSampleTime(ctx.db, input.connection);
      const snapshot = await snapshotState(ctx.db, "kafka", input.connection, sampledAt);
      const none = { snapshot, group: null, members: [], topics: [], partitions: [] };
      if (!sampledAt) return none;
      const [row] = await groupRowsAt(ctx.db, input.connection, sampledAt, sql`${kafkaGroupSamples.groupId} = ${input.groupId}`);
      if (!row) return none;
      const [group] = await withTrends(ctx.db, input.connection, [row], adapter.config.sampleIntervalSeconds);
      const partitions = readableTopics(await partitionRowsAt(ctx.db, input.connection, input.groupId, sampledAt), readable, input.connection);
      const topics = new Map<string, { topic: string; partitions: number; lag: number; maxLagSeconds: number | null; status: string }>();
      for (const p of partitions) {
        const entry = topics.get(p.topic) ?? { topic: p.topic, partitions: 0, lag: 0, maxLagSeconds: null, status: "OK" };
        entry.partitions += 1;
        entry.lag += p.lag ?? 0;
        if (p.lagSeconds !== null) entry.maxLagSeconds = Math.max(entry.maxLagSeconds ?? 0, p.lagSeconds);
        if (severity(p.status as (typeof partitionStatuses)[number]) > severity(entry.status as (typeof partitionStatuses)[number])) entry.status = p.status;
        topics.set(p.topic, entry);
      }
      const members = (await groupMembersAt(ctx.db, input.connection, input.groupId, sampledAt)).map((member) => ({
        ...member,
        assignments: readableTopics(member.assignments, readable, input.connection),
      }));
      return { snapshot, group: withReadableTopicList(group!, readable, input.connection), members, topics: [...topics.values()], partitions };
    }),

  /** Lag, lag seconds and produce vs consume rate over time, for the group or one topic or partition. */
  history: viewerProcedure
    .input(
      z.object({
        connection: z.string().min(1),
        groupId: z.string().min(1).max(500),
        range: rangeInput,
        topic: z.string().min(1).optional(),
        partition: z.number().int().min(0).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const adapter = kafkaAdapter(ctx.connections.kafka, input.connection);
      mustReadGroup(readableFor(ctx), input.connection, input.groupId);
      const bucket = bucketSeconds(input.range, adapter.config.sampleIntervalSeconds);
      return { bucketSeconds: bucket, points: await groupHistory(ctx.db, { ...input, bucket }) };
    }),

  /**
   * NATS JetStream consumers of one connection from the latest stored sample, in the log model (stream sequence =
   * offset, ack floor = committed): pending is the lag. A consumer is a resource named "<stream>.<consumer>"
   * (its dead-letter set's name too), so a scoped role sees the consumers it may read.
   */
  streamConsumers: viewerProcedure
    .input(
      z.object({
        connection: z.string().min(1),
        search: z.string().max(200).optional(),
        statuses: z.array(z.enum(partitionStatuses)).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      requireBroker(ctx.connections, "nats", input.connection);
      const sampledAt = await latestNatsSampleTime(ctx.db, input.connection);
      const snapshot = await snapshotState(ctx.db, "nats", input.connection, sampledAt);
      if (!sampledAt) return { snapshot, consumers: [], streams: [] };
      const readable = readableFor(ctx);
      const scope = (row: { stream: string; consumer: string }) => ({ connection: input.connection, resource: deadLetterSetName(row) });
      const search = input.search?.toLowerCase();
      const consumers = visible(await natsConsumersAt(ctx.db, input.connection, sampledAt), readable, scope)
        .filter((row) => !search || deadLetterSetName(row).toLowerCase().includes(search))
        .filter((row) => !input.statuses?.length || input.statuses.includes(row.status as (typeof partitionStatuses)[number]))
        // Worst first, then most pending.
        .sort((a, b) => severity(b.status as (typeof partitionStatuses)[number]) - severity(a.status as (typeof partitionStatuses)[number]) || b.pending - a.pending || deadLetterSetName(a).localeCompare(deadLetterSetName(b)));
      const streams = (await natsStreamsAt(ctx.db, input.connection, sampledAt)).filter((s) => readable === null || consumers.some((c) => c.stream === s.stream) || readable({ connection: input.connection, resource: s.stream }));
      return { snapshot, consumers: consumers.map((row) => ({ ...row, name: deadLetterSetName(row) })), streams };
    }),

  /** One JetStream consumer ("<stream>.<consumer>") with its stream, from the latest sample. */
  streamConsumer: viewerProcedure
    .input(z.object({ connection: z.string().min(1), consumer: z.string().min(1).max(500) }))
    .query(async ({ ctx, input }) => {
      requireBroker(ctx.connections, "nats", input.connection);
      mustReadGroup(readableFor(ctx), input.connection, input.consumer);
      const set = parseDeadLetterSet(input.consumer);
      const sampledAt = await latestNatsSampleTime(ctx.db, input.connection);
      const snapshot = await snapshotState(ctx.db, "nats", input.connection, sampledAt);
      if (!set || !sampledAt) return { snapshot, consumer: null, stream: null };
      const consumer = (await natsConsumersAt(ctx.db, input.connection, sampledAt)).find((c) => c.stream === set.stream && c.consumer === set.consumer) ?? null;
      const stream = (await natsStreamsAt(ctx.db, input.connection, sampledAt)).find((s) => s.stream === set.stream) ?? null;
      return { snapshot, consumer: consumer ? { ...consumer, name: input.consumer } : null, stream };
    }),

  /** A JetStream consumer's pending, ack-pending, lag seconds and produce vs consume rate over time. */
  streamConsumerHistory: viewerProcedure
    .input(z.object({ connection: z.string().min(1), consumer: z.string().min(1).max(500), range: rangeInput }))
    .query(async ({ ctx, input }) => {
      const adapter = requireBroker(ctx.connections, "nats", input.connection);
      mustReadGroup(readableFor(ctx), input.connection, input.consumer);
      const set = parseDeadLetterSet(input.consumer);
      const bucket = bucketSeconds(input.range, adapter.config.sampleIntervalSeconds);
      if (!set) return { bucketSeconds: bucket, points: [] };
      return { bucketSeconds: bucket, points: await natsConsumerHistory(ctx.db, { connection: input.connection, ...set, range: input.range, bucket }) };
    }),
});
