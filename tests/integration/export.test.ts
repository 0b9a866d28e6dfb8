import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kafkaDlqFixture, type DlqFixture } from "../fixtures/kafka";
import { sqsClient, sqsDlqFixture } from "../fixtures/sqs";
import { auditLog } from "~/server/db/schema";
import { decodeBytes, handleExport, type ExportLine } from "~/server/dlq/export";
import { takeSqsSnapshot } from "~/server/dlq/sqs-snapshot";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, SQS_ENDPOINT } from "./helpers/environment";

const sqs = sqsClient(SQS_ENDPOINT);
const cleanups: (() => Promise<unknown>)[] = [];
let api: ApiHarness;
let admin: string;
let operator: string;
let viewer: string;
let fixture: DlqFixture;

const binary = Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7b]);
const invalidUtf8 = Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d]);
const card = JSON.stringify({ order: 1, card: { number: "4111111111111111", holder: "A" } });
const withControl = "line\u0000two\ttab";

beforeAll(async () => {
  api = await ApiHarness.start({
    kafka: [{ name: "local", brokers: [KAFKA_BROKER] }],
    sqs: [{ name: "local", endpoint: SQS_ENDPOINT, region: "elasticmq", credentials: { accessKeyId: "x", secretAccessKey: "x" } }],
    payloads: { readRoles: ["operator", "admin"], masking: [{ path: "value.card.number", exemptRoles: ["admin"] }] },
  });
  [admin, operator, viewer] = await Promise.all([api.tokenFor("admin"), api.tokenFor("operator"), api.tokenFor("viewer")]);
  fixture = await kafkaDlqFixture({
    partitions: 1,
    messages: [
      { key: null, value: binary, headers: { "bin-header": Buffer.from([0xff, 0x00]), "trace-id": "t-0" } },
      { key: "k-1", value: invalidUtf8 },
      { key: "k-2", value: Buffer.alloc(0) },
      { key: "k-3", value: null },
      { key: "k-4", value: card },
      { key: "k-5", value: withControl },
    ],
  });
  cleanups.push(fixture.cleanup);
});

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
  sqs.destroy();
  await api?.close();
});

async function exportAs(token: string, params: Record<string, string>, init: { method?: "GET" | "POST" } = {}) {
  const query = new URLSearchParams(params).toString();
  const request =
    init.method === "POST"
      ? new Request("http://redrive.test/api/dlq/export", {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/x-www-form-urlencoded" },
          body: query,
        })
      : new Request(`http://redrive.test/api/dlq/export?${query}`, { headers: { authorization: `Bearer ${token}` } });
  const response = await handleExport(request, { db: api.store.db, connections: api.connections });
  const body = await response.text();
  const lines = response.status === 200 ? body.split("\n").filter(Boolean).map((line) => JSON.parse(line) as ExportLine) : [];
  return { status: response.status, body, lines, headers: response.headers };
}

describe("NDJSON export, Kafka", () => {
  it("round-trips binary, invalid UTF-8, empty and null values and null keys exactly", async () => {
    const ids = fixture.records.map((_, i) => `0:${i}`).join(",");
    const result = await exportAs(admin, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, ids });
    expect(result.status).toBe(200);
    expect(result.headers.get("content-type")).toContain("application/x-ndjson");
    expect(result.headers.get("x-redrive-payloads")).toBe("exact");
    expect(result.lines.map((line) => line.id)).toEqual(["0:0", "0:1", "0:2", "0:3", "0:4", "0:5"]);
    result.lines.forEach((line, i) => {
      const record = fixture.records[i]!;
      expect(line).toMatchObject({ partition: 0, offset: i });
      expect(typeof line.timestamp).toBe("number");
      expect(decodeBytes(line.key)?.toString("utf8") ?? null).toBe(record.key);
      const value = decodeBytes(line.value);
      if (record.value === null) expect(value).toBeNull();
      else expect(Buffer.compare(value!, record.value)).toBe(0);
    });
    const [first, second, third, fourth, , sixth] = result.lines;
    expect(first!.key).toBeNull();
    expect(first!.value).toEqual({ encoding: "base64", data: binary.toString("base64") });
    expect(first!.headers["bin-header"]).toEqual({ encoding: "base64", data: "/wA=" });
    expect(first!.headers["trace-id"]).toEqual({ encoding: "utf8", data: "t-0" });
    expect(first!.headers["kafka_dlt-original-topic"]).toEqual({ encoding: "utf8", data: fixture.topic });
    expect(second!.value?.encoding).toBe("base64");
    expect(third!.value).toEqual({ encoding: "utf8", data: "" });
    expect(fourth!.value).toBeNull();
    // Valid UTF-8 with control characters is still UTF-8: JSON escapes it.
    expect(sixth!.value).toEqual({ encoding: "utf8", data: withControl });

    const audit = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "dlq.export")).orderBy(desc(auditLog.id)).limit(1);
    expect(audit[0]).toMatchObject({ outcome: "ok", actorName: "token:test-admin" });
    expect(audit[0]!.parameters).toMatchObject({ kind: "kafka", dlq: fixture.dlqTopic, ids: ids.split(","), payloads: "exact" });
  });

  it("applies masking and the payload permission as the views do", async () => {
    const masked = await exportAs(operator, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, ids: "0:4,0:0" });
    expect(masked.headers.get("x-redrive-payloads")).toBe("masked");
    expect(masked.lines.map((line) => line.id)).toEqual(["0:0", "0:4"]);
    const cardLine = masked.lines[1]!;
    expect(JSON.parse(decodeBytes(cardLine.value)!.toString("utf8"))).toEqual({ order: 1, card: { number: "****", holder: "A" } });
    expect(masked.body).not.toContain("4111111111111111");
    // Non-JSON payloads pass unchanged, as in the views.
    expect(masked.lines[0]!.value).toEqual({ encoding: "base64", data: binary.toString("base64") });

    const withheld = await exportAs(viewer, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, ids: "0:0,0:4" });
    expect(withheld.headers.get("x-redrive-payloads")).toBe("withheld");
    for (const line of withheld.lines) {
      expect(line.key).toBeNull();
      expect(line.value).toBeNull();
    }
    expect(withheld.lines[0]!.headers["trace-id"]).toBeNull();
    expect(withheld.lines[0]!.headers["kafka_dlt-exception-fqcn"]).toEqual({ encoding: "utf8", data: "demo.FixtureError" });
    expect(withheld.body).not.toContain("4111");
  });

  it("exports a CEL filter's result, the filter seeing what the role sees; POST takes the same parameters", async () => {
    const all = await exportAs(admin, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, expression: "record.offset >= 1 && record.offset <= 3" });
    expect(all.lines.map((line) => line.id)).toEqual(["0:1", "0:2", "0:3"]);
    const byCard = { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, expression: 'record.value.card.number == "4111111111111111"' };
    expect((await exportAs(admin, byCard)).lines.map((line) => line.id)).toEqual(["0:4"]);
    expect((await exportAs(operator, byCard)).lines).toEqual([]);
    const posted = await exportAs(admin, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, ids: "0:5" }, { method: "POST" });
    expect(posted.lines.map((line) => line.id)).toEqual(["0:5"]);
  });

  it("refuses a bad CEL expression with 400 and its position before reading anything, and an unauthenticated caller with 401", async () => {
    const bad = await exportAs(admin, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic, expression: "record.offset >>> 1" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/^Invalid filter: .* at line 1, column \d+/);
    const audit = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "dlq.export")).orderBy(desc(auditLog.id)).limit(1);
    expect(audit[0]).toMatchObject({ outcome: "error" });
    const anonymous = await handleExport(new Request(`http://redrive.test/api/dlq/export?kind=kafka&connection=local&dlq=x&ids=0:0`), {
      db: api.store.db,
      connections: api.connections,
    });
    expect(anonymous.status).toBe(401);
    const nothing = await exportAs(admin, { kind: "kafka", connection: "local", dlq: fixture.dlqTopic });
    expect(nothing.status).toBe(400);
  });
});

describe("NDJSON export, SQS", () => {
  it("exports from a snapshot: body as UTF-8, attributes as headers, MessageGroupId-less key null", async () => {
    const pair = await sqsDlqFixture({ client: sqs, messages: [{ body: '{"order":1}', attributes: { "failure-reason": "declined" } }, { body: "plain text" }] });
    cleanups.push(pair.cleanup);
    const snapshot = await takeSqsSnapshot(api.store.db, api.connections.sqs.get("local")!, pair.dlq, "test");
    const result = await exportAs(admin, { kind: "sqs", connection: "local", dlq: pair.dlq, snapshotId: snapshot.id, expression: "true" });
    expect(result.status).toBe(200);
    expect(result.lines).toHaveLength(2);
    const byId = new Map(result.lines.map((line) => [line.id, line]));
    expect(byId.get(pair.messageIds[0]!)).toMatchObject({ key: null, value: { encoding: "utf8", data: '{"order":1}' }, headers: { "failure-reason": { encoding: "utf8", data: "declined" } } });
    expect(byId.get(pair.messageIds[1]!)?.value).toEqual({ encoding: "utf8", data: "plain text" });
    // Without a snapshot id, the latest snapshot of the queue; by ids.
    const latest = await exportAs(admin, { kind: "sqs", connection: "local", dlq: pair.dlq, ids: pair.messageIds[1]! });
    expect(latest.lines.map((line) => line.id)).toEqual([pair.messageIds[1]]);
  });
});
