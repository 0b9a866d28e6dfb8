/**
 * What a scoped role sees of consumer groups. A group is a resource of its own, named by its group id, as
 * Kafka's ACLs (resource type Group), Confluent RBAC and Kafbat UI (CONSUMER) treat it: a role reads a group
 * when one of its read grants matches the group's connection and its id. Within a group it may read, the topics
 * it may not read are left out (as Kafka's OffsetFetch leaves out topics the caller may not describe); the
 * group's own totals stay whole.
 */
import { mustRead, visible, type Readable } from "~/server/auth/permissions";
import { readableWhere } from "~/server/auth/readable-sql";
import { kafkaGroupSamples } from "~/server/db/schema";

/** The SQL condition for the group rows the caller may read (undefined: every group). */
export function readableGroups(readable: Readable | null) {
  return readableWhere(readable, { connection: kafkaGroupSamples.connection, resource: kafkaGroupSamples.groupId });
}

/** Throws OutOfScope (answered as an unknown group) when the caller may not read the group. */
export function mustReadGroup(readable: Readable | null, connection: string, groupId: string): void {
  mustRead(readable, { connection, resource: groupId }, `consumer group "${groupId}" on "${connection}"`);
}

/** A group's rows (its partitions, its per-topic totals) less the topics the caller may not read. */
export function readableTopics<T extends { topic: string }>(rows: readonly T[], readable: Readable | null, connection: string): T[] {
  return visible(rows, readable, (row) => ({ connection, resource: row.topic }));
}

/** A group row with only the topics the caller may read in its topic list. */
export function withReadableTopicList<T extends { topics: string[] }>(row: T, readable: Readable | null, connection: string): T {
  return readable ? { ...row, topics: row.topics.filter((topic) => readable({ connection, resource: topic })) } : row;
}
