import { Admin, ProduceAcks, Producer } from "@platformatic/kafka";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { consoleConsumer } from "../fixtures/kafka-tools";
import { Collector } from "~/server/jobs/collector";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

// A consumer on Kafka 4's consumer protocol (KIP-848), run by Kafka's own console consumer, next to the
// classic groups Redrive always knew: listed with its type, described with its real state, and never STOP.
const admin = new Admin({ clientId: "groups-test", bootstrapBrokers: [KAFKA_BROKER] });
const topic = uniqueName("t-kip848");
const groupId = uniqueName("g-kip848");
let api: ApiHarness;
let viewer: string;
let consumer: { stop: () => Promise<void> } | null = null;

beforeAll(async () => {
  await admin.createTopics({ topics: [topic], partitions: 2, replicas: 1 });
  await waitUntilHosted([topic]);
  const producer = new Producer({ clientId: "groups-test", bootstrapBrokers: [KAFKA_BROKER], idempotent: true, acks: ProduceAcks.ALL });
  try {
    await producer.send({ messages: Array.from({ length: 10 }, (_, i) => ({ topic, partition: i % 2, key: Buffer.from(`k${i}`), value: Buffer.from(`v${i}`) })) });
  } finally {
    await producer.close();
  }
  api = await ApiHarness.start({ kafka: [{ name: "local", brokers: [KAFKA_BROKER] }] });
  viewer = await api.tokenFor("viewer");
  consumer = consoleConsumer(KAFKA_BROKER, topic, groupId, { "group.protocol": "consumer", "auto.commit.interval.ms": "500" });
}, 120_000);

afterAll(async () => {
  await consumer?.stop();
  await admin.deleteGroups({ groups: [groupId] }).catch(() => undefined);
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.close();
  await api?.close();
});

describe("consumer-protocol (KIP-848) groups", () => {
  it("are described with their type, state, members, assignment and epoch, and a running one is not STOP", async () => {
    const adapter = api.connections.kafka.get("local")!;
    const described = async () => (await adapter.lagSnapshot(4)).groups.find((g) => g.groupId === groupId);
    // The JVM starts, joins and commits: wait until the broker reports the member with its partitions.
    await expect
      .poll(async () => {
        const group = await described();
        return group ? { state: group.state, members: group.members.length, partitions: group.members[0]?.assignments.flatMap((a) => a.partitions).length ?? 0, committed: group.offsets.length } : null;
      }, { timeout: 150_000, interval: 2_000 })
      .toEqual({ state: "Stable", members: 1, partitions: 2, committed: 2 });
    const group = (await described())!;
    expect(group).toMatchObject({ type: "consumer", protocolType: "consumer" });
    expect(group.epoch).toBeGreaterThan(0);
    expect(group.members[0]!.memberEpoch).toBeGreaterThan(0);
    expect(group.members[0]!.assignments).toEqual([{ topic, partitions: [0, 1] }]);

    const collector = new Collector(api.store, api.connections, api.connections.config);
    await collector.collect("kafka", "local");
    const view = await api.data<{
      group: { state: string; status: string; members: number; groupType: string; epoch: number | null } | null;
      members: { memberId: string; clientId: string; host: string; memberEpoch: number | null; assignments: { topic: string; partitions: number[] }[] }[];
    }>("lag.group", {
      kind: "query",
      input: { connection: "local", groupId },
      headers: { authorization: `Bearer ${viewer}` },
    });
    expect(view.group).toMatchObject({ state: "Stable", members: 1, groupType: "consumer" });
    expect(view.group!.status).not.toBe("STOP");
    // The page lists the member with its assignment and both epochs, as the broker described them.
    expect(view.group!.epoch).toBe(group.epoch);
    expect(view.members).toEqual([
      { memberId: group.members[0]!.memberId, clientId: group.members[0]!.clientId, host: group.members[0]!.host, memberEpoch: group.members[0]!.memberEpoch, assignments: [{ topic, partitions: [0, 1] }] },
    ]);
  });
});
