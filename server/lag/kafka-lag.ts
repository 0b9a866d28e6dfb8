import type { KafkaClusterSnapshot } from "~/server/brokers/kafka/kafka";
import type { PartitionOffsets } from "~/server/brokers/kafka/kafka-reader";

/** One consumer group's position on one partition at one sample. */
export interface PartitionLag {
  groupId: string;
  topic: string;
  partition: number;
  committedOffset: number | null;
  logStartOffset: number;
  logEndOffset: number;
  /** null when the group has no committed offset here. */
  lag: number | null;
  /** Committed offset below log start: messages expired before they were consumed. */
  expired: boolean;
  ownerMember: string | null;
}

const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;

/**
 * The partitions a group is measured on: those it committed, those assigned to its members, and the
 * other partitions of the topics it consumes (a partition never committed on shows as "no commit").
 */
export function partitionLags(snapshot: KafkaClusterSnapshot): PartitionLag[] {
  const offsets = new Map<string, PartitionOffsets>(snapshot.partitions.map((p) => [key(p.topic, p.partition), p]));
  const partitionsOfTopic = new Map<string, number[]>();
  for (const p of snapshot.partitions) {
    const known = partitionsOfTopic.get(p.topic);
    if (known) known.push(p.partition);
    else partitionsOfTopic.set(p.topic, [p.partition]);
  }

  const rows: PartitionLag[] = [];
  for (const group of snapshot.groups) {
    const committed = new Map(group.offsets.map((o) => [key(o.topic, o.partition), o.offset]));
    const owners = new Map<string, string>();
    for (const member of group.members) {
      for (const { topic, partitions } of member.assignments) {
        for (const partition of partitions) owners.set(key(topic, partition), member.clientId ? `${member.clientId} (${member.host})` : member.memberId);
      }
    }
    const topics = new Set([...group.offsets.map((o) => o.topic), ...group.members.flatMap((m) => m.assignments.map((a) => a.topic))]);
    for (const topic of [...topics].sort()) {
      for (const partition of (partitionsOfTopic.get(topic) ?? []).sort((a, b) => a - b)) {
        const position = offsets.get(key(topic, partition));
        if (!position) continue; // topic deleted since
        const committedOffset = committed.get(key(topic, partition)) ?? null;
        rows.push({
          groupId: group.groupId,
          topic,
          partition,
          committedOffset,
          logStartOffset: position.logStartOffset,
          logEndOffset: position.logEndOffset,
          lag: committedOffset === null ? null : Math.max(0, position.logEndOffset - committedOffset),
          expired: committedOffset !== null && committedOffset < position.logStartOffset,
          ownerMember: owners.get(key(topic, partition)) ?? null,
        });
      }
    }
  }
  return rows;
}

/** '*' matches any run of characters; everything else is literal. */
export function globToRegExp(pattern: string): RegExp {
  const escaped = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join(".*")}$`);
}

export interface DlqTopicRule {
  patterns: string[];
  mappings: { source: string; topic: string }[];
}

/** Kafka DLQ topics by name pattern or explicit mapping, with their source topic where it can be told. */
export function dlqTopics(topics: string[], rule: DlqTopicRule): { topic: string; sourceTopic: string | null }[] {
  const patterns = rule.patterns.map(globToRegExp);
  const mapped = new Map(rule.mappings.map((m) => [m.topic, m.source]));
  const known = new Set(topics);
  return topics
    .filter((topic) => mapped.has(topic) || patterns.some((pattern) => pattern.test(topic)))
    .map((topic) => {
      const explicit = mapped.get(topic);
      if (explicit) return { topic, sourceTopic: explicit };
      const guess = topic.replace(/(\.DLQ|\.dlq|-dlt)$/, "").replace(/^dlq\./, "");
      return { topic, sourceTopic: guess !== topic && known.has(guess) ? guess : null };
    })
    .sort((a, b) => a.topic.localeCompare(b.topic));
}
