import type { ConsumerInfo, StreamInfo } from "@nats-io/jetstream";
import { describe, expect, it } from "vitest";
import { toConsumer, toStream } from "~/server/brokers/nats/jetstream";

// consumer info exactly as nats-server 2.9.10 answered (a pull consumer after a max-delivery): last_active is
// an RFC 3339 string, there is no `ts`, and the ack floor stays behind the dead message.
const CONSUMER_2_9 = JSON.parse(
  `{"stream_name":"ORDERS","name":"c","created":"2026-11-30T11:07:10.073562655Z","config":{"durable_name":"c","name":"c","deliver_policy":"all","ack_policy":"explicit","ack_wait":1000000000,"max_deliver":3,"replay_policy":"instant","max_waiting":512,"max_ack_pending":1000,"num_replicas":0},"delivered":{"consumer_seq":5,"stream_seq":3,"last_active":"2026-11-30T11:07:10.135674504Z"},"ack_floor":{"consumer_seq":0,"stream_seq":0,"last_active":"2026-11-30T11:07:10.130878664Z"},"num_ack_pending":0,"num_redelivered":1,"num_waiting":0,"num_pending":0}`,
) as ConsumerInfo;

describe("toConsumer", () => {
  it("maps a 2.9 pull consumer", () => {
    expect(toConsumer(CONSUMER_2_9)).toEqual({
      stream: "ORDERS",
      name: "c",
      durable: true,
      kind: "pull",
      pushBound: false,
      filterSubjects: [],
      ackPolicy: "explicit",
      numPending: 0,
      numAckPending: 0,
      numRedelivered: 1,
      numWaiting: 0,
      delivered: { consumerSeq: 5, streamSeq: 3, lastActive: new Date("2026-11-30T11:07:10.135Z") },
      ackFloor: { consumerSeq: 0, streamSeq: 0, lastActive: new Date("2026-11-30T11:07:10.130Z") },
      lastActivity: new Date("2026-11-30T11:07:10.135Z"),
      maxDeliver: 3,
      ackWaitMs: 1000,
      serverTime: null,
    });
  });

  it("reads push, unlimited deliveries, several filters, never-active sequences and the 2.10 ts", () => {
    const info = {
      ...CONSUMER_2_9,
      ts: "2026-11-30T12:00:00Z",
      push_bound: true,
      config: { ...CONSUMER_2_9.config, durable_name: undefined, deliver_subject: "deliver.x", max_deliver: -1, filter_subjects: ["a.>", "b.>"] },
      delivered: { consumer_seq: 0, stream_seq: 0, last_active: "0001-01-01T00:00:00Z" },
      ack_floor: { consumer_seq: 0, stream_seq: 0 },
    } as unknown as ConsumerInfo;
    expect(toConsumer(info)).toMatchObject({ durable: false, kind: "push", pushBound: true, maxDeliver: null, filterSubjects: ["a.>", "b.>"], lastActivity: null, serverTime: new Date("2026-11-30T12:00:00Z") });
  });
});

describe("toStream", () => {
  it("maps counts, sequences, times, direct get and the duplicate window; an empty stream has no times", () => {
    const info = {
      config: { name: "S", subjects: ["s.>"], retention: "workqueue", storage: "memory", allow_direct: true, duplicate_window: 120_000_000_000, max_age: 0 },
      state: { messages: 0, bytes: 0, first_seq: 8, first_ts: "0001-01-01T00:00:00Z", last_seq: 7, last_ts: "2026-11-30T11:00:00Z", consumer_count: 1 },
    } as unknown as StreamInfo;
    expect(toStream(info)).toEqual({
      name: "S",
      subjects: ["s.>"],
      retention: "workqueue",
      storage: "memory",
      messages: 0,
      bytes: 0,
      firstSeq: 8,
      lastSeq: 7,
      firstTime: null,
      lastTime: new Date("2026-11-30T11:00:00Z"),
      consumerCount: 1,
      numDeleted: 0,
      allowDirect: true,
      duplicateWindowMs: 120_000,
      maxAgeMs: null,
    });
  });
});
