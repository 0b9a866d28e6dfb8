import { ConfigResourceTypes, type Admin } from "@platformatic/kafka";
import { committedOffsets, listAllGroups } from "./kafka-groups";
import type { ReplayAudience } from "../types";

const GROUP_CONCURRENCY = 4;

/** A replay target topic: refused when it does not exist (topics are never auto-created), else the groups committed on it. */
export async function kafkaMissingTarget(admin: Admin, connection: string, topic: string): Promise<string | null> {
  const topics = await admin.listTopics({ includeInternals: true });
  return topics.includes(topic) ? null : `Topic "${topic}" does not exist on "${connection}": nothing was sent.`;
}

export async function kafkaReplayAudience(admin: Admin, connection: string, topic: string): Promise<ReplayAudience> {
  const missing = await kafkaMissingTarget(admin, connection, topic);
  if (missing) return { target: topic, exists: false, reason: missing };
  const groups = await listAllGroups(admin);
  const offsets = await committedOffsets(admin, [...groups.keys()], GROUP_CONCURRENCY);
  const subscribed = [...offsets].filter(([, committed]) => committed.some((c) => c.topic === topic)).map(([group]) => group);
  return { target: topic, exists: true, kind: "groups", groups: subscribed.sort() };
}

/** The topic's retention.ms (null: kept forever). */
export async function topicRetentionMs(admin: Admin, topic: string): Promise<number | null> {
  const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: ["retention.ms"] }] });
  const value = Number(described?.configs.find((c) => c.name === "retention.ms")?.value ?? -1);
  return Number.isFinite(value) && value >= 0 ? value : null;
}
