import { consumerGroupDescribeV0, FindCoordinatorKeyTypes, type Admin, type GroupBase } from "@platformatic/kafka";
import pLimit from "p-limit";

export interface KafkaGroupMember {
  memberId: string;
  clientId: string;
  host: string;
  assignments: { topic: string; partitions: number[] }[];
  /** Consumer-protocol (KIP-848) groups only: the member's epoch. */
  memberEpoch: number | null;
}

export interface KafkaGroupDescription {
  groupId: string;
  /** "classic" (JoinGroup/SyncGroup) or "consumer" (KIP-848, `group.protocol=consumer`); others as the broker names them. */
  type: string;
  state: string;
  protocolType: string;
  /** Classic: the chosen assignor (e.g. "range"); consumer protocol: the server-side assignor (e.g. "uniform"). */
  protocol: string;
  /** Consumer-protocol groups only: the group epoch. */
  epoch: number | null;
  members: KafkaGroupMember[];
}

// Describe this many groups per request.
const DESCRIBE_CHUNK = 50;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Every group of the cluster, of every type the broker knows (older brokers only list classic groups). */
export async function listAllGroups(admin: Admin): Promise<Map<string, GroupBase>> {
  try {
    return await admin.listGroups({ types: ["classic", "consumer"] });
  } catch {
    return admin.listGroups(); // a broker before KIP-848's ListGroups v5
  }
}

async function describeClassic(admin: Admin, groups: string[], listed: Map<string, GroupBase>): Promise<KafkaGroupDescription[]> {
  const describe = async (ids: string[]) =>
    [...(await admin.describeGroups({ groups: ids })).values()].map(
      (group): KafkaGroupDescription => ({
        groupId: group.id,
        type: "classic",
        state: group.state,
        protocolType: group.protocolType,
        protocol: group.protocol,
        epoch: null,
        members: [...group.members.values()].map((member) => ({
          memberId: member.id,
          clientId: member.clientId,
          host: member.clientHost,
          assignments: [...(member.assignments?.values() ?? [])].map(({ topic, partitions }) => ({ topic, partitions })),
          memberEpoch: null,
        })),
      }),
    );
  try {
    return await describe(groups);
  } catch {
    // The client decodes members as consumers: a group of another protocol type (e.g. Kafka Connect
    // workers) fails that. Describe one by one so only such a group loses its member detail.
    return Promise.all(
      groups.map(async (id) => {
        const [one] = await describe([id]).catch(() => []);
        const base = listed.get(id);
        return one ?? { groupId: id, type: "classic", state: base?.state ?? "Unknown", protocolType: base?.protocolType ?? "", protocol: "", epoch: null, members: [] };
      }),
    );
  }
}

/**
 * Consumer-protocol groups through ConsumerGroupDescribe, asked of each group's coordinator: the classic
 * DescribeGroups reports them as Dead with no members.
 */
async function describeConsumerProtocol(admin: Admin, groups: string[]): Promise<KafkaGroupDescription[]> {
  const coordinators = await admin.findCoordinator({ keyType: FindCoordinatorKeyTypes.GROUP, keys: groups });
  const byNode = new Map<number, string[]>();
  for (const { key, nodeId } of coordinators) byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), key]);
  const connections = await admin.connectToBrokers([...byNode.keys()]);
  const described = await Promise.all(
    [...byNode].map(async ([nodeId, ids]) => {
      const connection = connections.get(nodeId);
      if (!connection) throw new Error(`no connection to group coordinator ${nodeId}`);
      const response = await consumerGroupDescribeV0.api.async(connection, ids, false);
      return response.groups.map(
        (group): KafkaGroupDescription => ({
          groupId: group.groupId,
          type: "consumer",
          state: group.groupState,
          protocolType: "consumer",
          protocol: group.assignorName,
          epoch: group.groupEpoch,
          members: group.members.map((member) => ({
            memberId: member.memberId,
            clientId: member.clientId,
            host: member.clientHost,
            assignments: member.assignment.topicPartitions.map(({ topicName, partitions }) => ({ topic: topicName, partitions })),
            memberEpoch: member.memberEpoch,
          })),
        }),
      );
    }),
  );
  return described.flat();
}

/** Descriptions of the given groups, each through the API of its type, `concurrency` requests at a time. */
export async function describeAllGroups(admin: Admin, listed: Map<string, GroupBase>, concurrency: number): Promise<KafkaGroupDescription[]> {
  const ids = [...listed.keys()].sort();
  const consumerProtocol = ids.filter((id) => listed.get(id)?.groupType === "consumer");
  const classic = ids.filter((id) => listed.get(id)?.groupType !== "consumer");
  const limit = pLimit(concurrency);
  const described = await Promise.all([
    ...chunks(classic, DESCRIBE_CHUNK).map((chunk) => limit(() => describeClassic(admin, chunk, listed))),
    ...chunks(consumerProtocol, DESCRIBE_CHUNK).map((chunk) => limit(() => describeConsumerProtocol(admin, chunk))),
  ]);
  return described.flat();
}

/** Committed offsets of the given groups (partitions without a commit are left out). */
export async function committedOffsets(admin: Admin, groups: string[], concurrency: number): Promise<Map<string, { topic: string; partition: number; offset: number }[]>> {
  const limit = pLimit(concurrency);
  const result = new Map<string, { topic: string; partition: number; offset: number }[]>();
  await Promise.all(
    chunks(groups, DESCRIBE_CHUNK).map((chunk) =>
      limit(async () => {
        for (const group of await admin.listConsumerGroupOffsets({ groups: chunk })) {
          result.set(
            group.groupId,
            group.topics.flatMap(({ name, partitions }) =>
              partitions.filter((p) => p.committedOffset >= 0n).map((p) => ({ topic: name, partition: p.partitionIndex, offset: Number(p.committedOffset) })),
            ),
          );
        }
      }),
    ),
  );
  return result;
}
