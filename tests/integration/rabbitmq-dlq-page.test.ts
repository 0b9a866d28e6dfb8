import { and, desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RabbitMqAdapter } from "~/server/brokers/rabbitmq/adapter";
import { auditLog, replayLedger } from "~/server/db/schema";
import { handleDownload } from "~/server/dlq/download";
import { handleExport } from "~/server/dlq/export";
import { ApiHarness } from "./helpers/api";
import { eventually, RABBITMQ_MANAGEMENT_URL, RABBITMQ_URL, rabbitAdapter, RabbitFixture } from "./helpers/rabbitmq";

/**
 * The RabbitMQ DLQ page's server side through the real tRPC handler: a real RabbitMQ and a real control store.
 * One classic DLQ holds a rejected dead letter, a quorum queue's delivery_limit dead letter, one Spring AMQP
 * RepublishMessageRecoverer wrote, and two hostile payloads.
 */

let rabbit: RabbitFixture;
let raw: RabbitMqAdapter;
let api: ApiHarness;
let viewer: string;
let operator: string;

beforeAll(async () => {
  rabbit = await RabbitFixture.open();
  raw = rabbitAdapter();
  api = await ApiHarness.start({ rabbitmq: [{ name: "local", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }] });
  viewer = await api.tokenFor("viewer");
  operator = await api.tokenFor("operator");
});

afterAll(async () => {
  await rabbit?.cleanup();
  await raw?.close();
  await api?.close();
});

const as = (token: string) => ({ authorization: `Bearer ${token}` });

interface Summary {
  id: string;
  origin: string | null;
  exceptionClass: string | null;
  errorMessage: string | null;
  valuePreview: string | null;
}
interface Page {
  effects: string;
  reachedEnd: boolean;
  messages: Summary[];
}
interface Death {
  queue: string;
  reason: string;
  count: number;
  exchange: string;
  routingKeys: string[];
  timeMs: number | null;
}
interface Detail {
  id: string;
  value: { encoding: string; text: string | null; hex: string | null } | null;
  headers: { name: string; value: { text: string | null } | null }[];
  failure: {
    convention: string;
    sourceQueue: string | null;
    exceptionClass: string | null;
    causeClass: string | null;
    message: string | null;
    stacktrace: string | null;
    rabbit: { originExchange: string | null; originRoutingKey: string | null; deathReason: string | null; deathCount: number | null; deaths: Death[] } | null;
  } | null;
}

const browse = (queue: string, token = viewer) => api.data<Page>("dlq.rabbitmq.messages", { kind: "query", input: { connection: "local", queue }, headers: as(token) });
const open = (dlq: string, id: string) => api.data<Detail>("dlq.message", { kind: "query", input: { kind: "rabbitmq", connection: "local", dlq, id }, headers: as(viewer) });

const STACK = "com.example.orders.PaymentDeclinedException: card declined for order 42\n\tat com.example.orders.Listener.handle(Listener.java:17)\nCaused by: java.net.SocketTimeoutException: Read timed out\n\tat java.net.Socket.read(Socket.java:1)";
const MARKUP = '<img src=x onerror="alert(1)"><script>alert(2)</script>';
const INVALID_UTF8 = Buffer.from([0x7b, 0xc3, 0x28, 0xff, 0xfe, 0x7d]);

/** The dead letters of one DLQ, made by the broker (rejected, delivery_limit) and by Spring AMQP's recoverer. */
async function deadLetters() {
  const dlq = await rabbit.queue("page-dlq");
  const shop = await rabbit.exchange("shop", "direct");
  const orders = await rabbit.queue("orders", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq });
  const payments = await rabbit.queue("payments", { "x-queue-type": "quorum", "x-delivery-limit": 1, "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq });
  await rabbit.channel.bindQueue(orders, shop, "orders.created");
  await rabbit.channel.bindQueue(payments, shop, "payments.taken");

  await rabbit.publish(shop, "orders.created", '{"order":1}', { messageId: "rejected-1", contentType: "application/json" });
  await rabbit.publish(shop, "orders.created", MARKUP, { messageId: "hostile-markup", headers: { note: MARKUP } });
  rabbit.channel.publish(shop, "orders.created", INVALID_UTF8, { messageId: "hostile-bytes" });
  await rabbit.channel.waitForConfirms();
  const channel = await rabbit.connection.createChannel();
  for (let taken = 0; taken < 3; ) {
    const message = await channel.get(orders);
    if (!message) continue;
    channel.nack(message, false, false);
    taken += 1;
  }
  await rabbit.publish(shop, "payments.taken", '{"payment":7}', { messageId: "limit-1" });
  for (let attempt = 0; attempt < 10 && (await rabbit.count(payments)) > 0; attempt++) {
    const message = await channel.get(payments);
    if (message) channel.nack(message, false, true);
  }
  await channel.close();
  // RepublishMessageRecoverer publishes the failed message to the DLQ itself, with the exception in headers.
  await rabbit.publish("", dlq, '{"order":42}', {
    messageId: "spring-1",
    headers: { "x-exception-message": "card declined for order 42", "x-exception-stacktrace": STACK, "x-original-exchange": shop, "x-original-routingKey": "orders.created" },
  });
  await eventually("five dead letters", () => rabbit.count(dlq), (n) => n === 5);
  return { dlq, shop, orders, payments };
}

describe("the RabbitMQ DLQ page's server side", () => {
  it("browses rejected, delivery_limit and Spring dead letters, decoded as the broker wrote them; browsing twice loses nothing", async () => {
    const { dlq, shop, orders, payments } = await deadLetters();
    const first = await browse(dlq);
    expect(first.effects).toMatch(/nothing is removed/);
    expect(first.reachedEnd).toBe(true);
    expect(first.messages.map((m) => m.id)).toEqual(["id:rejected-1", "id:hostile-markup", "id:hostile-bytes", "id:limit-1", "id:spring-1"]);
    // Twice more: the same messages, in the same order (a classic queue), none lost.
    expect((await browse(dlq)).messages.map((m) => m.id)).toEqual(first.messages.map((m) => m.id));
    expect(await rabbit.count(dlq)).toBe(5);

    // What the broker wrote, read apart from Redrive's API.
    const written = new Map((await raw.browse(dlq, 10)).messages.map((m) => [m.key, m.headers]));
    const deathOf = (key: string) => (written.get(key)!["x-death"] as Record<string, unknown>[])[0]!;

    for (const [id, reason, queue, routingKey] of [
      ["id:rejected-1", "rejected", orders, "orders.created"],
      ["id:limit-1", "delivery_limit", payments, "payments.taken"],
    ] as const) {
      const detail = await open(dlq, id);
      const death = deathOf(id);
      expect(death).toMatchObject({ reason, queue, exchange: shop, "routing-keys": [routingKey] });
      expect(detail.failure).toMatchObject({ convention: "rabbitmq", sourceQueue: queue });
      expect(detail.failure!.rabbit).toMatchObject({ originExchange: shop, originRoutingKey: routingKey, deathReason: reason, deathCount: death.count });
      expect(detail.failure!.rabbit!.deaths).toEqual([
        { queue, reason, count: death.count, exchange: shop, routingKeys: [routingKey], timeMs: (death.time as { value: number }).value * 1000 },
      ]);
      expect(first.messages.find((m) => m.id === id)!.origin).toBe(`${shop} / ${routingKey}`);
    }

    const spring = await open(dlq, "id:spring-1");
    expect(spring.failure).toMatchObject({
      convention: "spring-amqp",
      exceptionClass: "com.example.orders.PaymentDeclinedException",
      causeClass: "java.net.SocketTimeoutException",
      message: "card declined for order 42",
      stacktrace: STACK,
      rabbit: { originExchange: shop, originRoutingKey: "orders.created", deaths: [] },
    });
    expect(first.messages.find((m) => m.id === "id:spring-1")).toMatchObject({ exceptionClass: "com.example.orders.PaymentDeclinedException", origin: `${shop} / orders.created` });
    // Opening messages browsed the queue again: still everything there.
    expect(await rabbit.count(dlq)).toBe(5);
  });

  it("groups the browsed window's failures and searches it with CEL, losing nothing", async () => {
    const { dlq, shop, orders, payments } = await deadLetters();
    const grouped = await api.data<{ groups: { origin: string; exceptionClass: string; count: number }[]; scanned: number; retained: number }>("dlq.groups", {
      kind: "query",
      input: { kind: "rabbitmq", connection: "local", dlq },
      headers: as(viewer),
    });
    expect(grouped.scanned).toBe(5);
    // Largest first; the two groups of one are in either order.
    expect(grouped.groups[0]).toMatchObject({ origin: orders, exceptionClass: "(no exception recorded)", count: 3 });
    expect(grouped.groups.slice(1).map((g) => [g.origin, g.exceptionClass, g.count]).sort()).toEqual(
      [
        [payments, "(no exception recorded)", 1],
        // Spring's recoverer names no dead-letter queue: its group's origin is the exchange and routing key.
        [`${shop} / orders.created`, "com.example.orders.PaymentDeclinedException", 1],
      ].sort(),
    );
    const { id } = await api.data<{ id: string }>("dlq.scan.start", {
      kind: "mutation",
      input: { kind: "rabbitmq", connection: "local", dlq, expression: `record.error.sourceQueue == "${orders}" && record.valueAsText.contains("order")` },
      headers: as(viewer),
    });
    const done = await eventually(
      "the search finished",
      () => api.data<{ status: string; scanned: number; matches: { id: string }[] }>("dlq.scan.status", { kind: "query", input: { id }, headers: as(viewer) }),
      (status) => status.status !== "running",
    );
    expect(done).toMatchObject({ status: "done", scanned: 5 });
    expect(done.matches.map((m) => m.id)).toEqual(["id:rejected-1"]);
    expect(await rabbit.count(dlq)).toBe(5);
  });

  it("hands hostile payloads over as text and hex, never as markup", async () => {
    const { dlq } = await deadLetters();
    const markup = await open(dlq, "id:hostile-markup");
    expect(markup.value).toMatchObject({ encoding: "text", text: MARKUP });
    expect(markup.headers.find((h) => h.name === "note")!.value!.text).toBe(MARKUP);
    const bytes = await open(dlq, "id:hostile-bytes");
    expect(bytes.value).toMatchObject({ encoding: "binary", text: null, hex: INVALID_UTF8.toString("hex") });
    const page = await browse(dlq);
    expect(page.messages.find((m) => m.id === "id:hostile-bytes")!.valuePreview).toBe(`0x${INVALID_UTF8.toString("hex")}`);
  });

  it("replays one dead letter to its origin once: the copy on the source queue, gone from the DLQ, ledger and audit written", async () => {
    const { dlq, shop, orders } = await deadLetters();
    const replay = (id: string) => api.call("replay.one", { kind: "mutation", input: { kind: "rabbitmq", connection: "local", dlq, id }, headers: as(operator) });
    const response = await replay("id:rejected-1");
    expect(response.status).toBe(200);
    const result = (response.body as { result: { data: { json: { replayId: string; target: string; replayCount: number } } } }).result.data.json;
    expect(result).toMatchObject({ target: `${shop} / orders.created`, replayCount: 1 });

    const copies = await rabbit.drain(orders);
    expect(copies).toHaveLength(1);
    expect(copies[0]!.content.toString()).toBe('{"order":1}');
    expect(copies[0]!.properties.headers).toMatchObject({ "x-redrive-replay-id": result.replayId, "x-redrive-replay-count": 1, "x-redrive-replayed-from": dlq });
    expect((await browse(dlq)).messages.map((m) => m.id)).toEqual(["id:hostile-markup", "id:hostile-bytes", "id:limit-1", "id:spring-1"]);

    const ledger = await api.store.db.select().from(replayLedger).where(and(eq(replayLedger.kind, "rabbitmq"), eq(replayLedger.dlq, dlq)));
    expect(ledger).toEqual([expect.objectContaining({ replayId: result.replayId, connection: "local", messageId: "id:rejected-1", target: `${shop} / orders.created`, replayCount: 1, action: "replay" })]);
    const [audit] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "replay.one")).orderBy(desc(auditLog.id)).limit(1);
    expect(audit).toMatchObject({ outcome: "ok", parameters: expect.objectContaining({ kind: "rabbitmq", dlq, id: "id:rejected-1" }) });

    // Again: nothing there to replay, nothing published twice.
    const again = await replay("id:rejected-1");
    expect(again.status).toBe(412);
    expect(JSON.stringify(again.body)).toMatch(/No message id:rejected-1/);
    expect(await rabbit.count(orders)).toBe(0);
    expect(await rabbit.count(dlq)).toBe(4);

    // The copy fails again: the dead letter it becomes links back to this replay.
    await rabbit.publish(shop, "orders.created", '{"order":1}', { messageId: "rejected-1", headers: copies[0]!.properties.headers });
    const channel = await rabbit.connection.createChannel();
    const failedAgain = await eventually("the copy in orders", () => channel.get(orders), (m) => m !== false);
    if (failedAgain) channel.nack(failedAgain, false, false);
    await channel.close();
    await eventually("back in the DLQ", () => rabbit.count(dlq), (n) => n === 5);
    const cameBack = await api.data<{ cameBackFrom: { replayId: string; messageId: string } | null }>("dlq.message", {
      kind: "query",
      input: { kind: "rabbitmq", connection: "local", dlq, id: "id:rejected-1" },
      headers: as(viewer),
    });
    expect(cameBack.cameBackFrom).toMatchObject({ replayId: result.replayId, messageId: "id:rejected-1" });
  });

  it("quarantines a message replayed three times already (the loop guard), unless overridden", async () => {
    const { dlq, shop, orders } = await deadLetters();
    await rabbit.publish("", dlq, '{"order":9}', { messageId: "looping", headers: { "x-redrive-replay-count": 3, "x-original-exchange": shop, "x-original-routingKey": "orders.created" } });
    const replay = (overrideLoopGuard: boolean) =>
      api.call("replay.one", { kind: "mutation", input: { kind: "rabbitmq", connection: "local", dlq, id: "id:looping", overrideLoopGuard }, headers: as(operator) });
    const refused = await replay(false);
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toMatch(/Quarantined/);
    expect(await rabbit.count(dlq)).toBe(6);
    expect((await replay(true)).status).toBe(200);
    const copies = await rabbit.drain(orders);
    expect(copies.map((m) => m.properties.headers?.["x-redrive-replay-count"])).toEqual([4]);
  });

  it("replays to a chosen exchange and routing key, and refuses a destination nothing is bound to", async () => {
    const { dlq, shop, payments } = await deadLetters();
    const replay = (id: string, destination: { exchange: string; routingKey: string }) =>
      api.call("replay.one", { kind: "mutation", input: { kind: "rabbitmq", connection: "local", dlq, id, destination }, headers: as(operator) });
    const refused = await replay("id:spring-1", { exchange: shop, routingKey: "nobody.listens" });
    expect(refused.status).toBe(412);
    expect(JSON.stringify(refused.body)).toMatch(/Nothing is bound/);
    expect(await rabbit.count(dlq)).toBe(5);
    expect((await replay("id:spring-1", { exchange: shop, routingKey: "payments.taken" })).status).toBe(200);
    await eventually("the copy on payments", () => rabbit.count(payments), (n) => n === 1);
    expect(await rabbit.count(dlq)).toBe(4);
  });

  it("a DLQ that browsing could lose messages from is refused with its reason (412), a missing one is a 404, neither a 500", async () => {
    const dlq = await rabbit.queue("limited-dlq", { "x-queue-type": "quorum", "x-delivery-limit": 3 });
    const response = await api.call("dlq.rabbitmq.messages", { kind: "query", input: { connection: "local", queue: dlq }, headers: as(viewer) });
    expect(response.status).toBe(412);
    expect(JSON.stringify(response.body)).toMatch(/delivery limit of 3/);
    const missing = await api.call("dlq.rabbitmq.messages", { kind: "query", input: { connection: "local", queue: rabbit.name("never-declared") }, headers: as(viewer) });
    expect(missing.status).toBe(404);
  });
});

describe("the payload permission on RabbitMQ DLQs", () => {
  it("withholds bodies and non-failure headers from a role without it (pages, detail, search, export, download), and shows the failure", async () => {
    const marker = `leakmark${Date.now().toString(36)}`;
    const strict = await ApiHarness.start({ payloads: { readRoles: ["admin"] }, rabbitmq: [{ name: "local", url: RABBITMQ_URL, managementUrl: RABBITMQ_MANAGEMENT_URL }] });
    try {
      const [reader, admin] = [await strict.tokenFor("viewer"), await strict.tokenFor("admin")];
      const dlq = await rabbit.queue("strict-dlq");
      const source = await rabbit.queue("strict-src", { "x-dead-letter-exchange": "", "x-dead-letter-routing-key": dlq });
      await rabbit.publish("", source, JSON.stringify({ note: marker }), { messageId: "secret-1", headers: { "x-note": marker } });
      const channel = await rabbit.connection.createChannel();
      const message = await eventually("in the source", () => channel.get(source), (m) => m !== false);
      if (message) channel.nack(message, false, false);
      await channel.close();
      await eventually("dead-lettered", () => rabbit.count(dlq), (n) => n === 1);
      const ref = { kind: "rabbitmq", connection: "local", dlq };
      const query = (procedure: string, input: unknown, token = reader) => strict.call(procedure, { kind: "query", input, headers: as(token) });

      const answers = [
        await query("dlq.rabbitmq.messages", { connection: "local", queue: dlq }),
        await query("dlq.message", { ...ref, id: "id:secret-1" }),
        await query("dlq.groups", ref),
      ];
      const started = await strict.call("dlq.scan.start", { kind: "mutation", input: { ...ref, expression: "true" }, headers: as(reader) });
      const scan = (started.body as { result: { data: { json: { id: string } } } }).result.data.json;
      answers.push(await eventually("search done", () => query("dlq.scan.status", { id: scan.id }), (r) => !JSON.stringify(r.body).includes('"running"')));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(JSON.stringify(answer.body)).not.toContain(marker);
      }
      const detail = (answers[1]!.body as { result: { data: { json: Detail } } }).result.data.json;
      expect(detail.headers.find((h) => h.name === "x-death")!.value).not.toBeNull();
      expect(detail.headers.find((h) => h.name === "x-note")!.value).toBeNull();
      expect(detail.failure!.rabbit!.deathReason).toBe("rejected");

      const params = new URLSearchParams({ kind: "rabbitmq", connection: "local", dlq, ids: "id:secret-1", id: "id:secret-1" });
      const exported = await handleExport(new Request(`http://redrive.test/api/dlq/export?${params}`, { headers: as(reader) }), { db: strict.store.db, connections: strict.connections });
      expect(exported.status).toBe(200);
      expect(await exported.text()).not.toContain(marker);
      const downloaded = await handleDownload(new Request(`http://redrive.test/api/dlq/download?${params}`, { headers: as(reader) }), { db: strict.store.db, connections: strict.connections });
      expect(downloaded.status).toBe(403);
      // The fixture is real: an admin reads it.
      expect(JSON.stringify((await query("dlq.message", { ...ref, id: "id:secret-1" }, admin)).body)).toContain(marker);
      const adminExport = await handleExport(new Request(`http://redrive.test/api/dlq/export?${params}`, { headers: as(admin) }), { db: strict.store.db, connections: strict.connections });
      expect(await adminExport.text()).toContain(marker);
      expect(await rabbit.count(dlq)).toBe(1);
    } finally {
      await strict.close();
    }
  });
});
