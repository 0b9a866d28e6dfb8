import { and, eq, gt, sql } from "drizzle-orm";
import type { KafkaAdapter } from "~/server/brokers/kafka/kafka";
import type { FetchedRecord } from "~/server/brokers/kafka/kafka-records";
import type { CollectorSettings } from "~/server/config/schema";
import type { ControlDb } from "~/server/db/control-store";
import { kafkaDlqSamples, kafkaGroupSamples, kafkaLagSamples, kafkaPartitionSamples } from "~/server/db/schema";
import { evaluateGroupTrend, evaluatePartition, worstStatus, type PartitionSample, type PartitionStatus } from "~/server/lag/health-rules";
import { dlqTopics, partitionLags, type PartitionLag } from "~/server/lag/kafka-lag";
import {
  estimateLagSeconds,
  lagSecondsFromRecordTimestamp,
  lagSecondsValue,
  type LagSeconds,
  type LogEndPoint,
} from "~/server/lag/lag-seconds";

const INSERT_CHUNK = 1_000;

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insert(rows.slice(i, i + INSERT_CHUNK));
}

// Thousands of rows per sample: sent as one JSON document per statement, which Postgres expands with
// json_to_recordset. Far cheaper than binding 14 parameters per row.
const JSON_CHUNK = 20_000;

async function insertJson(db: ControlDb, table: string, columns: Record<string, string>, rows: Record<string, unknown>[]): Promise<void> {
  const names = Object.keys(columns);
  const list = sql.raw(names.join(", "));
  const definitions = sql.raw(names.map((name) => `${name} ${columns[name]}`).join(", "));
  for (let i = 0; i < rows.length; i += JSON_CHUNK) {
    const chunk = JSON.stringify(rows.slice(i, i + JSON_CHUNK));
    await db.execute(sql`insert into ${sql.identifier(table)} (${list}) select ${list} from json_to_recordset(${chunk}::json) as t(${definitions})`);
  }
}

const windowKey = (groupId: string, topic: string, partition: number) => `${groupId}\u0000${topic}\u0000${partition}`;

/** The group's summed lag per sample time across its partitions' windows, oldest first (the group trend rule's input). */
function groupTotals(windows: (PartitionSample[] | undefined)[], size: number): number[] {
  const byTime = new Map<number, number>();
  for (const window of windows) for (const sample of window ?? []) byTime.set(sample.at, (byTime.get(sample.at) ?? 0) + Math.max(0, sample.lag ?? 0));
  return [...byTime.entries()].sort((a, b) => a[0] - b[0]).slice(-size).map(([, total]) => total);
}

/**
 * Takes one lag sample of a Kafka cluster and stores it: partition offsets, per-partition lag with
 * its status and lag in seconds, per-group totals, and DLQ topic depths. Keeps the recent window of
 * each partition in memory, loaded from the store on first use so a restart keeps the verdicts.
 */
export class KafkaSampler {
  private windows: Map<string, PartitionSample[]> | null = null;

  constructor(
    private readonly db: ControlDb,
    private readonly adapter: KafkaAdapter,
    private readonly settings: CollectorSettings,
  ) {}

  private async loadWindows(): Promise<Map<string, PartitionSample[]>> {
    const horizon = new Date(Date.now() - (this.settings.statusWindowSamples + 2) * this.adapter.config.sampleIntervalSeconds * 1000);
    const rows = await this.db
      .select({
        groupId: kafkaLagSamples.groupId,
        topic: kafkaLagSamples.topic,
        partition: kafkaLagSamples.partition,
        sampledAt: kafkaLagSamples.sampledAt,
        committedOffset: kafkaLagSamples.committedOffset,
        logEndOffset: kafkaLagSamples.logEndOffset,
        lag: kafkaLagSamples.lag,
      })
      .from(kafkaLagSamples)
      .where(
        and(
          eq(kafkaLagSamples.connection, this.adapter.name),
          eq(kafkaLagSamples.resolutionSeconds, 0),
          gt(kafkaLagSamples.sampledAt, horizon),
        ),
      )
      .orderBy(kafkaLagSamples.sampledAt);
    const windows = new Map<string, PartitionSample[]>();
    for (const row of rows) {
      const key = windowKey(row.groupId, row.topic, row.partition);
      const window = windows.get(key) ?? [];
      window.push({ at: row.sampledAt.getTime(), committedOffset: row.committedOffset, logEndOffset: row.logEndOffset, lag: row.lag });
      windows.set(key, window.slice(-this.settings.statusWindowSamples));
    }
    return windows;
  }

  /** Lag in seconds by interpolating the stored log-end history around each committed offset. */
  private async estimateFromHistory(lagging: PartitionLag[], now: number): Promise<Map<string, LagSeconds>> {
    const estimates = new Map<string, LagSeconds>();
    if (lagging.length === 0) return estimates;
    // Two indexed probes per partition (log end only grows): the last sample at or below the committed
    // offset and the first above it.
    const result = (await this.db.execute(sql`
      select t.topic, t.partition, t.committed,
        (select json_build_object('at', extract(epoch from s.sampled_at) * 1000, 'end', s.log_end_offset)
           from ${kafkaPartitionSamples} s
          where s.connection = ${this.adapter.name} and s.topic = t.topic and s.partition = t.partition
            and s.resolution_seconds = 0 and s.log_end_offset <= t.committed
          order by s.log_end_offset desc, s.sampled_at desc limit 1) as before,
        (select json_build_object('at', extract(epoch from s.sampled_at) * 1000, 'end', s.log_end_offset)
           from ${kafkaPartitionSamples} s
          where s.connection = ${this.adapter.name} and s.topic = t.topic and s.partition = t.partition
            and s.resolution_seconds = 0 and s.log_end_offset > t.committed
          order by s.log_end_offset asc, s.sampled_at asc limit 1) as after
      from json_to_recordset(${JSON.stringify(
        lagging.map((l) => ({ topic: l.topic, partition: l.partition, committed: l.committedOffset })),
      )}::json) as t(topic text, partition int, committed bigint)
    `)) as unknown as {
      rows: { topic: string; partition: number; committed: string; before: { at: number; end: number } | null; after: { at: number; end: number } | null }[];
    };
    const byKey = new Map(result.rows.map((row) => [`${row.topic}\u0000${row.partition}`, row]));
    for (const lag of lagging) {
      const row = byKey.get(`${lag.topic}\u0000${lag.partition}`);
      const history: LogEndPoint[] = [];
      if (row?.before) history.push({ at: Number(row.before.at), logEndOffset: Number(row.before.end) });
      if (row?.after) history.push({ at: Number(row.after.at), logEndOffset: Number(row.after.end) });
      estimates.set(windowKey(lag.groupId, lag.topic, lag.partition), estimateLagSeconds(history, lag.committedOffset, lag.logEndOffset, now));
    }
    return estimates;
  }

  /** Exact lag in seconds for the most-lagging partitions, from the timestamp of the record at the committed offset. */
  private async exactForMostLagging(lagging: PartitionLag[], now: number, into: Map<string, LagSeconds>): Promise<void> {
    const top = [...lagging].sort((a, b) => (b.lag ?? 0) - (a.lag ?? 0)).slice(0, this.settings.exactLagSecondsPartitions);
    // One read per partition even when several groups lag on it.
    const reads = new Map<string, Promise<number | null>>();
    const timestampAt = (topic: string, partition: number, offset: number) => {
      const key = `${topic}\u0000${partition}\u0000${offset}`;
      if (!reads.has(key)) {
        reads.set(
          key,
          this.adapter
            .readRecords(topic, partition, offset, 16 * 1024)
            .then((records) => (records[0] ? Number(records[0].timestamp) : null))
            .catch(() => null),
        );
      }
      return reads.get(key)!;
    };
    await Promise.all(
      top.map(async (lag) => {
        if (lag.committedOffset === null || lag.expired) return;
        const timestamp = await timestampAt(lag.topic, lag.partition, lag.committedOffset);
        // Producers may set any timestamp; only trust one that is not in the future.
        if (timestamp !== null && timestamp > 0 && timestamp <= now) {
          into.set(windowKey(lag.groupId, lag.topic, lag.partition), lagSecondsFromRecordTimestamp(timestamp, now));
        }
      }),
    );
  }

  /** Timestamps of a DLQ topic's oldest and newest retained records: one small fetch at each end. */
  private async messageTimes(topic: string, partitions: { partition: number; logStartOffset: number; logEndOffset: number }[]) {
    const filled = partitions.filter((p) => p.logEndOffset > p.logStartOffset);
    if (filled.length === 0) return { oldest: null, newest: null };
    try {
      const read = async (offsetOf: (p: (typeof filled)[number]) => number, pick: (records: FetchedRecord[]) => FetchedRecord | undefined) => {
        const batches = await this.adapter.readPartitions(topic, filled.map((p) => ({ partition: p.partition, offset: offsetOf(p) })), 16 * 1024);
        return [...batches.values()].map((b) => pick(b.records)).filter((r): r is FetchedRecord => r !== undefined).map((r) => Number(r.timestamp));
      };
      const [first, last] = await Promise.all([
        read((p) => p.logStartOffset, (records) => records[0]),
        read((p) => p.logEndOffset - 1, (records) => records.at(-1)),
      ]);
      return {
        oldest: first.length ? new Date(Math.min(...first)) : null,
        newest: last.length ? new Date(Math.max(...last)) : null,
      };
    } catch {
      return { oldest: null, newest: null }; // the depth still counts; the ages are a nicety
    }
  }

  async sample(): Promise<{ groups: number; partitions: number }> {
    const snapshot = await this.adapter.lagSnapshot(this.settings.concurrency);
    const sampledAt = snapshot.takenAt;
    const now = sampledAt.getTime();
    const connection = this.adapter.name;
    this.windows ??= await this.loadWindows();
    const windows = this.windows;

    const at = sampledAt.toISOString();
    await insertJson(
      this.db,
      "kafka_partition_samples",
      { connection: "text", topic: "text", partition: "int", sampled_at: "timestamptz", log_start_offset: "bigint", log_end_offset: "bigint" },
      snapshot.partitions.map((p) => ({
        connection,
        topic: p.topic,
        partition: p.partition,
        sampled_at: at,
        log_start_offset: p.logStartOffset,
        log_end_offset: p.logEndOffset,
      })),
    );

    const lags = partitionLags(snapshot);
    const lagging = lags.filter((l) => (l.lag ?? 0) > 0);
    const lagSeconds = await this.estimateFromHistory(lagging, now);
    await this.exactForMostLagging(lagging, now, lagSeconds);

    const groupsById = new Map(snapshot.groups.map((g) => [g.groupId, g]));
    const statusOf = new Map<string, PartitionStatus>();
    const liveKeys = new Set<string>();
    for (const lag of lags) {
      const key = windowKey(lag.groupId, lag.topic, lag.partition);
      liveKeys.add(key);
      const window = [...(windows.get(key) ?? []), { at: now, committedOffset: lag.committedOffset, logEndOffset: lag.logEndOffset, lag: lag.lag }].slice(
        -this.settings.statusWindowSamples,
      );
      windows.set(key, window);
      const group = groupsById.get(lag.groupId);
      statusOf.set(key, evaluatePartition(window, { state: group?.state ?? "Unknown", memberCount: group?.members.length ?? 0 }));
    }
    for (const key of windows.keys()) if (!liveKeys.has(key)) windows.delete(key);

    await insertJson(
      this.db,
      "kafka_lag_samples",
      {
        connection: "text",
        group_id: "text",
        topic: "text",
        partition: "int",
        sampled_at: "timestamptz",
        committed_offset: "bigint",
        log_start_offset: "bigint",
        log_end_offset: "bigint",
        lag: "bigint",
        lag_seconds: "float8",
        lag_seconds_kind: "text",
        owner_member: "text",
        status: "text",
      },
      lags.map((lag) => {
        const key = windowKey(lag.groupId, lag.topic, lag.partition);
        const seconds: LagSeconds = lag.lag === 0 ? { kind: "exact", seconds: 0 } : (lagSeconds.get(key) ?? { kind: "unknown" });
        return {
          connection,
          group_id: lag.groupId,
          topic: lag.topic,
          partition: lag.partition,
          sampled_at: at,
          committed_offset: lag.committedOffset,
          log_start_offset: lag.logStartOffset,
          log_end_offset: lag.logEndOffset,
          lag: lag.lag,
          lag_seconds: lagSecondsValue(seconds),
          lag_seconds_kind: seconds.kind,
          owner_member: lag.ownerMember,
          status: statusOf.get(key) ?? "OK",
        };
      }),
    );

    const lagsByGroup = new Map<string, PartitionLag[]>();
    for (const lag of lags) {
      const mine = lagsByGroup.get(lag.groupId);
      if (mine) mine.push(lag);
      else lagsByGroup.set(lag.groupId, [lag]);
    }
    const groupRows = snapshot.groups.map((group) => {
      const mine = lagsByGroup.get(group.groupId) ?? [];
      let maxSeconds: LagSeconds | null = null;
      for (const lag of mine) {
        const seconds = lagSeconds.get(windowKey(lag.groupId, lag.topic, lag.partition));
        if (seconds && (maxSeconds === null || (lagSecondsValue(seconds) ?? -1) > (lagSecondsValue(maxSeconds) ?? -1))) maxSeconds = seconds;
      }
      if (maxSeconds === null && mine.some((l) => l.lag === 0)) maxSeconds = { kind: "exact", seconds: 0 };
      return {
        connection,
        groupId: group.groupId,
        sampledAt,
        state: group.state,
        groupType: group.type,
        protocolType: group.protocolType,
        protocol: group.protocol,
        members: group.members.length,
        epoch: group.epoch,
        memberDetails: group.members
          .map(({ memberId, clientId, host, memberEpoch, assignments }) => ({
            memberId,
            clientId,
            host,
            memberEpoch,
            assignments: assignments.map((a) => ({ topic: a.topic, partitions: [...a.partitions].sort((x, y) => x - y) })).sort((a, b) => a.topic.localeCompare(b.topic)),
          }))
          .sort((a, b) => a.memberId.localeCompare(b.memberId)),
        topics: [...new Set(mine.map((l) => l.topic))].sort(),
        totalLag: mine.reduce((sum, l) => sum + (l.lag ?? 0), 0),
        maxLag: mine.reduce((max, l) => Math.max(max, l.lag ?? 0), 0),
        maxLagSeconds: maxSeconds ? lagSecondsValue(maxSeconds) : null,
        maxLagSecondsKind: maxSeconds?.kind ?? null,
        expiredPartitions: mine.filter((l) => l.expired).length,
        status: worstStatus([
          ...mine.map((l) => statusOf.get(windowKey(l.groupId, l.topic, l.partition)) ?? "OK"),
          evaluateGroupTrend(
            groupTotals(mine.map((l) => windows.get(windowKey(l.groupId, l.topic, l.partition))), this.settings.statusWindowSamples),
            { state: group.state, memberCount: group.members.length },
          ),
        ]),
      };
    });
    await insertChunked(groupRows, (chunk) => this.db.insert(kafkaGroupSamples).values(chunk));

    const retained = new Map<string, number>();
    for (const p of snapshot.partitions) retained.set(p.topic, (retained.get(p.topic) ?? 0) + Math.max(0, p.logEndOffset - p.logStartOffset));
    const dlqs = dlqTopics([...retained.keys()], this.adapter.config.dlq);
    if (dlqs.length > 0) {
      const ages = await Promise.all(dlqs.map((dlq) => this.messageTimes(dlq.topic, snapshot.partitions.filter((p) => p.topic === dlq.topic))));
      await this.db.insert(kafkaDlqSamples).values(
        dlqs.map((dlq, i) => ({
          connection,
          topic: dlq.topic,
          sourceTopic: dlq.sourceTopic,
          sampledAt,
          retainedMessages: retained.get(dlq.topic) ?? 0,
          oldestMessageAt: ages[i]?.oldest ?? null,
          newestMessageAt: ages[i]?.newest ?? null,
        })),
      );
    }
    return { groups: groupRows.length, partitions: snapshot.partitions.length };
  }
}
