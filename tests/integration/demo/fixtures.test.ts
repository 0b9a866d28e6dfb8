import { isNull, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { outboxEvents } from "../../../demo/db/schema";
import { parseDltHeaders } from "../../../demo/kafka/dlt-headers";
import { createDemoDatabase, type TestDatabase } from "../../fixtures/database";
import { groupLag, KAFKA_BROKERS, kafkaDlqFixture, kafkaLagFixture } from "../../fixtures/kafka";
import { outboxBacklog } from "../../fixtures/outbox";
import { readTopic } from "./helpers";

describe("test fixtures create known states", () => {
  let tdb: TestDatabase;
  beforeAll(async () => {
    tdb = await createDemoDatabase();
  });
  afterAll(async () => {
    await tdb?.cleanup();
  });

  it("kafkaLagFixture: known lag per partition", async () => {
    const fx = await kafkaLagFixture({ produced: [10, 5, 0], committed: [4, 5, 0] });
    try {
      expect(fx.lag).toEqual([6, 0, 0]);
      expect(await groupLag(KAFKA_BROKERS, fx.group, fx.topic)).toEqual([6, 0, 0]);
    } finally {
      await fx.cleanup();
    }
  });

  it("kafkaDlqFixture: DLQ records with Spring headers", async () => {
    const fx = await kafkaDlqFixture({
      messages: [
        { key: "k1", value: '{"a":1}', dlt: { partition: 2, offset: "41", exceptionClass: "demo.BoomError" } },
        { key: "k2", value: Buffer.from([0xff, 0x00]), headers: { "event-id": "e-2" } },
      ],
    });
    try {
      const recs = await readTopic(KAFKA_BROKERS, fx.dlqTopic, 2, 200);
      const k1 = recs.find((r) => r.message.key?.toString() === "k1")!;
      expect(k1.partition).toBe(2);
      expect(parseDltHeaders(k1.message.headers ?? {})).toMatchObject({
        topic: fx.topic,
        partition: 2,
        offset: "41",
        exceptionClass: "demo.BoomError",
        attempts: 3,
      });
      const k2 = recs.find((r) => r.message.key?.toString() === "k2")!;
      expect(k2.message.value).toEqual(Buffer.from([0xff, 0x00]));
      expect(k2.message.headers?.["event-id"]?.toString()).toBe("e-2");
    } finally {
      await fx.cleanup();
    }
  });

  it("outboxBacklog: a backlog of a known size and age", async () => {
    const fx = await outboxBacklog(tdb.db, { count: 25, oldestAgeSeconds: 300 });
    expect(await tdb.db.$count(outboxEvents, isNull(outboxEvents.publishedAt))).toBe(25);
    const res = await tdb.db.execute<{ age: number }>(
      sql`select extract(epoch from now() - min(created_at))::float8 as age from outbox_events where published_at is null`,
    );
    expect(res.rows[0]?.age).toBeGreaterThan(299);
    expect(res.rows[0]?.age).toBeLessThan(310);
    await fx.cleanup();
    expect(await tdb.db.$count(outboxEvents)).toBe(0);
  });
});
