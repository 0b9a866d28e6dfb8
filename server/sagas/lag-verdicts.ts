import type { ControlDb } from "~/server/db/control-store";
import { groupRowsAt, latestGroupSampleTime } from "~/server/lag/queries";
import type { AppDatabase } from "./context";

/** A consumer group's health verdict from the latest stored lag snapshot. */
export interface GroupVerdict {
  connection: string;
  group: string;
  status: string;
  state: string;
  members: number;
  totalLag: number;
  maxLagSeconds: number | null;
  topics: string[];
  sampledAt: Date;
}

/** Every group of the latest snapshot of each Kafka connection the application's participants use. */
export async function latestGroupVerdicts(store: ControlDb, kafkaConnections: string[]): Promise<GroupVerdict[]> {
  const all = await Promise.all(
    kafkaConnections.map(async (connection) => {
      const sampledAt = await latestGroupSampleTime(store, connection);
      if (!sampledAt) return [];
      const groups = await groupRowsAt(store, connection, sampledAt);
      return groups.map((g) => ({
        connection,
        group: g.groupId,
        status: g.status,
        state: g.state,
        members: g.members,
        totalLag: g.totalLag,
        maxLagSeconds: g.maxLagSeconds,
        topics: g.topics,
        sampledAt,
      }));
    }),
  );
  return all.flat();
}

/** The consumer groups reading a topic, per the latest snapshot. */
export async function consumersOfTopic(store: ControlDb, app: AppDatabase, topic: string): Promise<GroupVerdict[]> {
  return (await latestGroupVerdicts(store, app.kafkaConnections)).filter((g) => g.topics.includes(topic));
}

/** A verdict that explains a saga waiting on this group: not OK, or no member consuming while messages wait. */
export function groupIsUnhealthy(g: GroupVerdict): boolean {
  return g.status !== "OK" || (g.members === 0 && g.totalLag > 0);
}

export function describeGroup(g: GroupVerdict): string {
  if (g.members === 0 && g.status === "OK") return `has no members (${g.state}), ${g.totalLag.toLocaleString()} messages behind`;
  if (g.members === 0) return `is ${g.status} with no members (${g.state}), ${g.totalLag.toLocaleString()} messages behind`;
  return `is ${g.status}, ${g.totalLag.toLocaleString()} messages behind`;
}
