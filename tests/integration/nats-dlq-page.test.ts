import { headers } from "@nats-io/transport-node";
import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NatsAdapter } from "~/server/brokers/nats/adapter";
import { auditLog, replayLedger } from "~/server/db/schema";
import { handleDownload } from "~/server/dlq/download";
import { handleExport } from "~/server/dlq/export";
import { ApiHarness } from "./helpers/api";
import { eventually, NATS_URL, NatsFixture, natsName } from "./helpers/nats";

/**
 * The DLQ page and one-click replay for a NATS JetStream consumer, on the real server and PostgreSQL: dead letters
 * from the advisory capture stream joined with their originals, the payload gate, a gone original, failure groups,
 * CEL search, and replay with Nats-Msg-Id = replay id, PubAck first, then the ledger and the audit row.
 */
let api: ApiHarness;
let nats: NatsFixture;
let adapter: NatsAdapter;
let viewer: string;
let operator: string;
const SHIP = natsName("shipdlq");
const CAPTURE = natsName("pagecap");
const DLQ = `${SHIP}.notify`;

const as = (token: string) => ({ authorization: `Bearer ${token}` });

interface Summary {
  id: string;
  offset: number | null;
  timestampMs: number;
  valuePreview: string | null;
  exceptionClass: string | null;
  errorMessage: string | null;
  origin: string | null;
  fingerprint: string;
}
interface Page {
  captureStream: string;
  nextSeq: number | null;
  gone: { id: string; reason: string }[];
  messages: Summary[];
  payloadsWithheld: boolean;
  missingFeatures: string[];
}
interface Detail {
  id: string;
  value: { text: string | null } | null;
  payloadsWithheld: boolean;
  headers: { name: string; value: { text: string | null } | null }[];
  failure: { exceptionClass: string; attempts: number; consumerGroup: string; nats: { stream: string; consumer: string; streamSeq: number; deliveries: number; subject: string | null; original: string } } | null;
  cameBackFrom: { replayId: string } | null;
}

const page = (token = viewer) => api.data<Page>("dlq.nats.messages", { kind: "query", input: { connection: "js", dlq: DLQ }, headers: as(token) });
const open = (id: string, token = viewer) => api.data<Detail>("dlq.message", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ, id }, headers: as(token) });

beforeAll(async () => {
  api = await ApiHarness.start({
    payloads: { readRoles: ["admin", "operator"] },
    nats: [{ name: "js", servers: NATS_URL, advisoryCapture: { stream: CAPTURE, create: true, streams: [SHIP] } }],
  });
  adapter = api.connections.nats.get("js")!;
  nats = await NatsFixture.open();
  nats.track(CAPTURE);
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
  await nats.session.jsm.streams.add({ name: SHIP, subjects: [`${SHIP}.>`], duplicate_window: 60_000_000_000 });
  nats.track(SHIP);
  await nats.consumer(SHIP, "notify", { max_deliver: 3, ack_wait: 500_000_000 });
  // The capture stream first (advisories are not kept otherwise): the consent is the config's create: true.
  expect((await adapter.ensureCapture()).state).toBe("ready");
  const h = headers();
  h.set("Trace-Id", "trace-7");
  await nats.session.js.publish(`${SHIP}.shipment.created`, JSON.stringify({ id: 1, poison: true }), { headers: h });
  await nats.session.js.publish(`${SHIP}.shipment.created`, "fine");
  await nats.session.js.publish(`${SHIP}.shipment.cancelled`, "poison-gone");
  const c = await nats.session.js.consumers.get(SHIP, "notify");
  const until = Date.now() + 3_500;
  while (Date.now() < until) {
    for await (const m of await c.fetch({ max_messages: 5, expires: 1_000 })) {
      if (m.string() === "fine") m.ack();
      else m.nak();
    }
  }
  await eventually("two advisories", async () => (await nats.session.jsm.streams.info(CAPTURE)).state.messages, (n) => n === 2);
  // The third message (seq 3) leaves its stream: its dead letter shows as gone, with what the advisory said.
  await nats.session.jsm.streams.deleteMessage(SHIP, 3);
}, 30_000);

afterAll(async () => {
  await nats?.cleanup();
  await api?.close();
});

describe("a JetStream consumer's dead letters on the DLQ page", () => {
  it("lists each dead letter with its stream sequence and time, the original through the payload gate, and a gone one as gone", async () => {
    const forOperator = await page(operator);
    expect(forOperator.captureStream).toBe(CAPTURE);
    expect(forOperator.nextSeq).toBeNull();
    expect(forOperator.messages.map((m) => [m.id, m.offset, m.exceptionClass])).toEqual([
      ["1", 1, "MAX_DELIVERIES"],
      ["2", 3, "MAX_DELIVERIES"],
    ]);
    expect(JSON.parse(forOperator.messages[0]!.valuePreview!)).toEqual({ id: 1, poison: true });
    expect(forOperator.messages[0]).toMatchObject({ origin: `${SHIP}.shipment.created`, errorMessage: "not acknowledged after 3 deliveries (max_deliver)" });
    expect(forOperator.messages[0]!.timestampMs).toBeGreaterThan(Date.now() - 60_000);
    expect(forOperator.gone).toEqual([{ id: "2", reason: "removed-from-stream" }]);
    expect(forOperator.messages[1]!.valuePreview).toBeNull();
    // A viewer (no payload read on this config) sees the dead letters, not their bodies.
    const forViewer = await page(viewer);
    expect(forViewer.payloadsWithheld).toBe(true);
    expect(forViewer.messages.map((m) => m.valuePreview)).toEqual([null, null]);
    // Which features this server lacks is said, not hidden (2.9: no +TERM reason, no consumer-info clock).
    expect(Array.isArray(forOperator.missingFeatures)).toBe(true);
  });

  it("opens one with its subject, headers, consumer and delivery count; withholds the body and non-failure headers from a viewer", async () => {
    const detail = await open("1", operator);
    expect(JSON.parse(detail.value!.text!)).toEqual({ id: 1, poison: true });
    expect(detail.headers.find((h) => h.name === "Trace-Id")?.value?.text).toBe("trace-7");
    expect(detail.failure).toMatchObject({ exceptionClass: "MAX_DELIVERIES", attempts: 3, consumerGroup: "notify", nats: { stream: SHIP, consumer: "notify", streamSeq: 1, deliveries: 3, subject: `${SHIP}.shipment.created`, original: "present" } });
    const withheld = await open("1", viewer);
    expect(withheld.payloadsWithheld).toBe(true);
    expect(withheld.value).toBeNull();
    expect(withheld.headers.some((h) => h.name === "Trace-Id" && h.value !== null)).toBe(false);
    const gone = await open("2", operator);
    expect(gone.failure?.nats).toMatchObject({ streamSeq: 3, deliveries: 3, subject: null, original: "removed-from-stream" });
    expect(gone.value).toBeNull();
    // Not this consumer's, not a sequence, not a set name: 404s, not 500s.
    expect((await api.call("dlq.message", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ, id: "99" }, headers: as(viewer) })).status).toBe(404);
    expect((await api.call("dlq.message", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ, id: "1:2" }, headers: as(viewer) })).status).toBe(404);
    expect((await api.call("dlq.nats.messages", { kind: "query", input: { connection: "js", dlq: "NOSETNAME" }, headers: as(viewer) })).status).toBe(404);
  });

  it("groups its dead letters by subject and advisory, and finds them by CEL", async () => {
    const groups = await api.data<{ groups: { origin: string; exceptionClass: string; count: number }[]; scanned: number }>("dlq.groups", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ }, headers: as(viewer) });
    expect(groups.scanned).toBe(2);
    expect(groups.groups.map((g) => [g.origin, g.exceptionClass, g.count]).sort()).toEqual([
      // The gone one has no subject left: it groups under its stream.
      [SHIP, "MAX_DELIVERIES", 1],
      [`${SHIP}.shipment.created`, "MAX_DELIVERIES", 1],
    ].sort());
    const { id } = await api.data<{ id: string }>("dlq.scan.start", { kind: "mutation", input: { kind: "nats", connection: "js", dlq: DLQ, expression: 'record.error.exceptionClass == "MAX_DELIVERIES" && record.error.consumerGroup == "notify" && record.offset == 1' }, headers: as(operator) });
    const done = await eventually(
      "the search",
      () => api.data<{ status: string; scanned: number; matches: { id: string }[] }>("dlq.scan.status", { kind: "query", input: { id }, headers: as(operator) }),
      (s) => s.status !== "running",
    );
    expect(done).toMatchObject({ status: "done", scanned: 2 });
    expect(done.matches.map((m) => m.id)).toEqual(["1"]);
  });

  it("exports and downloads its dead letters through the payload gate", async () => {
    const params = new URLSearchParams({ kind: "nats", connection: "js", dlq: DLQ, ids: "1,2" });
    const deps = { db: api.store.db, connections: api.connections };
    const exported = await handleExport(new Request(`http://redrive.test/api/dlq/export?${params}`, { headers: as(operator) }), deps);
    expect(exported.status).toBe(200);
    const lines = (await exported.text()).trim().split("\n").map((line) => JSON.parse(line) as { id: string; offset: number; value: { data: string } | null });
    expect(lines.map((l) => [l.id, l.offset])).toEqual([
      ["1", 1],
      ["2", 3],
    ]);
    expect(JSON.parse(lines[0]!.value!.data)).toEqual({ id: 1, poison: true });
    expect(lines[1]!.value).toBeNull();
    const withheld = await handleExport(new Request(`http://redrive.test/api/dlq/export?${params}`, { headers: as(viewer) }), deps);
    expect(await withheld.text()).not.toContain("poison");
    const one = new URLSearchParams({ kind: "nats", connection: "js", dlq: DLQ, id: "1", part: "value" });
    const downloaded = await handleDownload(new Request(`http://redrive.test/api/dlq/download?${one}`, { headers: as(operator) }), deps);
    expect(downloaded.status).toBe(200);
    expect(JSON.parse(Buffer.from(await downloaded.arrayBuffer()).toString("utf8"))).toEqual({ id: 1, poison: true });
    expect((await handleDownload(new Request(`http://redrive.test/api/dlq/download?${one}`, { headers: as(viewer) }), deps)).status).toBe(403);
  });

  it("replays one: republished to its subject with its headers and Nats-Msg-Id = the replay id, ledgered after the PubAck, audited", async () => {
    const before = (await nats.session.jsm.streams.info(SHIP)).state.last_seq;
    const replay = (id: string, extra: Record<string, unknown> = {}, token = operator) =>
      api.call("replay.one", { kind: "mutation", input: { kind: "nats", connection: "js", dlq: DLQ, id, ...extra }, headers: as(token) });
    // A viewer may not replay.
    expect((await replay("1", {}, viewer)).status).toBe(403);
    const response = await replay("1");
    expect(response.status).toBe(200);
    const result = (response.body as { result: { data: { json: { replayId: string; target: string; targetPosition: string; replayCount: number } } } }).result.data.json;
    expect(result).toMatchObject({ target: `${SHIP}.shipment.created`, targetPosition: `${SHIP}:${before + 1}`, replayCount: 1 });
    const copy = await nats.rawMessage(SHIP, before + 1);
    expect(copy).toMatchObject({ subject: `${SHIP}.shipment.created`, data: JSON.stringify({ id: 1, poison: true }) });
    expect(copy!.hdrs).toContain("Trace-Id: trace-7");
    expect(copy!.hdrs).toContain(`Nats-Msg-Id: ${result.replayId}`);
    expect(copy!.hdrs).toContain(`redrive-replay-id: ${result.replayId}`);
    expect(copy!.hdrs).toContain("redrive-replay-count: 1");
    expect(copy!.hdrs).toContain(`Redrive-Replayed-From: ${SHIP}:1`);
    const ledger = await api.store.db.select().from(replayLedger).where(and(eq(replayLedger.kind, "nats"), eq(replayLedger.dlq, DLQ)));
    expect(ledger).toEqual([expect.objectContaining({ replayId: result.replayId, connection: "js", messageId: "1", target: `${SHIP}.shipment.created`, targetPosition: `${SHIP}:${before + 1}`, replayCount: 1, action: "replay" })]);
    const [audit] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replay.one")).orderBy(desc(auditLog.id)).limit(1);
    expect(audit).toMatchObject({ outcome: "ok", parameters: expect.objectContaining({ kind: "nats", dlq: DLQ, id: "1" }) });
    // The ledger's resolution marks it on the page; the dead letter itself stays (an advisory is a record).
    const resolution = await api.data<Record<string, { action: string }>>("replay.resolution", { kind: "query", input: { kind: "nats", connection: "js", dlq: DLQ, ids: ["1", "2"] }, headers: as(viewer) });
    expect(Object.keys(resolution)).toEqual(["1"]);

    // Refused before anything is published: a gone original, a subject no stream stores.
    const gone = await replay("2");
    expect(gone.status).toBe(412);
    const message = (r: { body: unknown }) => (r.body as { error: { json: { message: string } } }).error.json.message;
    expect(message(gone)).toMatch(/no longer in its stream/);
    const nowhere = await replay("1", { target: "nowhere.at.all" });
    expect(nowhere.status).toBe(412);
    expect(message(nowhere)).toMatch(/No stream on "js" captures subject "nowhere.at.all"/);
    expect((await nats.session.jsm.streams.info(SHIP)).state.last_seq).toBe(before + 1);
    const audience = await api.data<{ exists: boolean; kind: string; streams: { name: string; consumers: string[] }[] }>("replay.audience", { kind: "query", input: { kind: "nats", connection: "js", target: `${SHIP}.shipment.created` }, headers: as(viewer) });
    expect(audience).toMatchObject({ exists: true, kind: "streams", streams: [{ name: SHIP, consumers: ["notify"] }] });
  });
});
