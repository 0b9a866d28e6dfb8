import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Collector } from "~/server/jobs/collector";
import { readiness } from "~/server/health/readiness";
import { REPLICA_ID } from "~/server/lib/replica";
import { renderMetrics } from "~/server/metrics/prometheus";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER } from "./helpers/environment";

// Readiness and freshness metrics over a real control store and the real local Kafka; an SQS endpoint on a
// closed port stands for a broker that is down (refused, not stalled).
let api: ApiHarness;
let collector: Collector;
const stallSeconds = 3;
const previous = process.env.REDRIVE_READY_STALL_SECONDS;

beforeAll(async () => {
  process.env.REDRIVE_READY_STALL_SECONDS = String(stallSeconds);
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER], sampleIntervalSeconds: 1 }],
    sqs: [{ name: "down", endpoint: "http://127.0.0.1:9", region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" }, sampleIntervalSeconds: 1 }],
  });
  collector = new Collector(api.store, api.connections, api.connections.config);
});

afterAll(async () => {
  await collector?.stop();
  await api?.close();
  if (previous === undefined) delete process.env.REDRIVE_READY_STALL_SECONDS;
  else process.env.REDRIVE_READY_STALL_SECONDS = previous;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const metric = (body: string, name: string, labels: string) => new RegExp(`^${name}\\{${labels}\\} (\\S+)$`, "m").exec(body)?.[1];

describe("readiness", () => {
  it("is ready while the collector samples, names the lease holder, and keeps a down broker ready but not up", async () => {
    await collector.start();
    await sleep(2500);
    const state = await readiness(api.store.db, api.connections, { startedAt: 0 });
    expect(state.reasons).toEqual([]);
    expect(state.ready).toBe(true);
    expect(state.store).toEqual({ reachable: true, migrationsApplied: true });
    expect(state.collector.leaseHolder).toBe(REPLICA_ID);
    const kafka = state.connections.find((c) => c.kind === "kafka");
    const sqs = state.connections.find((c) => c.kind === "sqs");
    expect(kafka).toMatchObject({ name: "local", up: true });
    expect(kafka!.sampleAgeSeconds).toBeLessThanOrEqual(2);
    expect(sqs).toMatchObject({ name: "down", up: false, lastSuccessAt: null, sampleAgeSeconds: null });
    expect(sqs!.lastRunAt).not.toBeNull();

    const { body } = await renderMetrics(api.store.db, api.connections);
    expect(metric(body, "redrive_connection_up", 'kind="kafka",connection="local"')).toBe("1");
    expect(metric(body, "redrive_connection_up", 'kind="sqs",connection="down"')).toBe("0");
    expect(Number(metric(body, "redrive_sample_age_seconds", 'kind="kafka",connection="local"'))).toBeLessThanOrEqual(2);
    const last = Number(metric(body, "redrive_collector_last_success_timestamp_seconds", 'kind="kafka",connection="local"'));
    expect(Math.abs(Date.now() / 1000 - last)).toBeLessThan(5);
    expect(JSON.stringify(state)).not.toContain("127.0.0.1");
  });

  it("turns unready when the collector stalls, and the sample age keeps growing in the metrics", async () => {
    await collector.stop();
    await sleep((stallSeconds + 1.5) * 1000);
    const state = await readiness(api.store.db, api.connections, { startedAt: 0 });
    expect(state.ready).toBe(false);
    expect(state.collector.leaseHolder).toBeNull();
    expect(state.reasons.join("; ")).toMatch(/collector stalled: no sample of kafka "local" for \d+ s/);
    const { body } = await renderMetrics(api.store.db, api.connections);
    expect(Number(metric(body, "redrive_sample_age_seconds", 'kind="kafka",connection="local"'))).toBeGreaterThanOrEqual(stallSeconds);
  });

  it("is not failed by a stall during the start-up grace period", async () => {
    const state = await readiness(api.store.db, api.connections, { startedAt: Date.now() });
    expect(state.ready).toBe(true);
  });
});
