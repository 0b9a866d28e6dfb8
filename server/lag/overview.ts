import type { Readable } from "~/server/auth/permissions";
import { desc } from "drizzle-orm";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import { kafkaGroupSamples } from "~/server/db/schema";
import type { DlqDepth } from "~/server/depth/latest";
import { ignoredGroups, rankForAttention } from "./attention";
import { readableGroups, withReadableTopicList } from "./group-scope";
import { groupRowsAt, latestGroupSampleTime } from "./queries";
import { withTrends } from "./trends";
import { visible } from "~/server/auth/permissions";
import { severity, type PartitionStatus } from "./health-rules";
import { latestNatsSampleTime, natsConsumersAt } from "./nats-queries";

/** Candidates per cluster: the groups with the most lag in the latest snapshot. */
const CANDIDATES = 200;
const LISTED = 5;

/** The Overview's consumer groups that need a human, most urgent first (server/lag/attention.ts). */
export async function attentionGroups(db: ControlDb, connections: Connections, readable: Readable | null = null) {
  // Only the groups the caller may read are candidates (server/lag/group-scope.ts), chosen in the query itself.
  const groups = (
    await Promise.all(
      [...connections.kafka.values()].map(async (adapter) => {
        const sampledAt = await latestGroupSampleTime(db, adapter.name);
        if (!sampledAt) return [];
        const rows = (await groupRowsAt(db, adapter.name, sampledAt, readableGroups(readable)).orderBy(desc(kafkaGroupSamples.totalLag)).limit(CANDIDATES)).map(
          (row) => withReadableTopicList(row, readable, adapter.name),
        );
        const isIgnored = ignoredGroups(adapter.config.ignoreGroups);
        const withTrend = await withTrends(db, adapter.name, rows, adapter.config.sampleIntervalSeconds);
        return withTrend.map((row) => ({ ...row, connection: adapter.name, ignored: isIgnored(row.groupId) }));
      }),
    )
  ).flat();
  return rankForAttention(groups, (g) => g.ignored, LISTED);
}

/** "Fastest-growing DLQs" lists only DLQs that grew in the last hour, fastest first. */
export function growingDlqs(dlqs: readonly DlqDepth[]): DlqDepth[] {
  return dlqs
    .filter((d) => (d.growthLastHour ?? 0) > 0)
    .sort((a, b) => (b.growthLastHour ?? 0) - (a.growthLastHour ?? 0) || b.depth - a.depth)
    .slice(0, LISTED);
}

/**
 * The Overview's JetStream consumers that need a human: those whose verdict is not OK, worst first, then most
 * pending. A consumer is the resource "<stream>.<consumer>" for a scoped role.
 */
export async function attentionStreamConsumers(db: ControlDb, connections: Connections, readable: Readable | null = null) {
  const rows = (
    await Promise.all(
      [...connections.nats.keys()].map(async (connection) => {
        const sampledAt = await latestNatsSampleTime(db, connection);
        if (!sampledAt) return [];
        const all = (await natsConsumersAt(db, connection, sampledAt)).map((row) => ({ ...row, name: `${row.stream}.${row.consumer}` }));
        return visible(all, readable, (row) => ({ connection, resource: row.name })).filter((row) => row.status !== "OK");
      }),
    )
  ).flat();
  return rows.sort((a, b) => severity(b.status as PartitionStatus) - severity(a.status as PartitionStatus) || b.pending - a.pending).slice(0, LISTED);
}
