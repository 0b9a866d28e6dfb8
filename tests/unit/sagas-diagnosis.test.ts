import { describe, expect, it } from "vitest";
import { relayVerdict } from "~/server/outbox/stall";
import { groupStuck, singular, type Diagnosis } from "~/server/sagas/diagnosis";
import { indexColumns, serves } from "~/server/sagas/indexes";
import type { SagaRow } from "~/server/sagas/queries";

describe("expected indexes", () => {
  it("reads the column list of pg_indexes.indexdef, partial and descending ones included", () => {
    expect(indexColumns("CREATE INDEX outbox_events_unpublished_idx ON public.outbox_events USING btree (seq) WHERE (published_at IS NULL)")).toEqual(["seq"]);
    expect(indexColumns('CREATE INDEX x ON public.saga_instances USING btree (status, "updated_at" DESC NULLS LAST)')).toEqual(["status", "updated_at"]);
    expect(indexColumns("CREATE UNIQUE INDEX k ON public.t USING btree (a) INCLUDE (b)")).toEqual(["a"]);
  });
  it("accepts an index whose leading columns are the expected ones", () => {
    const def = "CREATE INDEX x ON public.saga_steps USING btree (saga_id, id)";
    expect(serves(def, ["saga_id"])).toBe(true);
    expect(serves(def, ["saga_id", "id"])).toBe(true);
    expect(serves(def, ["id"])).toBe(false);
  });
});

describe("relay verdict", () => {
  const base = { unpublished: 10, oldestUnpublishedAt: new Date(0), oldestAgeSeconds: 300, publishedLastMinute: 0, lastPublishedAt: null, failing: 0, rowsInTable: null };
  it("says stalled when rows wait past the threshold and nothing was published", () => {
    const v = relayVerdict({ ...base, lastPublishedAt: new Date(Date.now() - 600_000) }, 60, { insertOnly: false });
    expect(v.state).toBe("stalled");
    expect(v.message).toMatch(/^Relay stalled: 10 rows wait, the oldest for 5 min, and the last row was published 10 min ago\.$/);
  });
  it("says held back when others are still published", () => {
    expect(relayVerdict({ ...base, publishedLastMinute: 50, lastPublishedAt: new Date() }, 60, { insertOnly: false }).state).toBe("held");
  });
  it("is fine with a young backlog, and cannot tell for Debezium", () => {
    expect(relayVerdict({ ...base, oldestAgeSeconds: 5 }, 60, { insertOnly: false }).state).toBe("ok");
    expect(relayVerdict({ ...base, unpublished: 0 }, 60, { insertOnly: false }).state).toBe("ok");
    expect(relayVerdict(base, 60, { insertOnly: true }).state).toBe("unknown");
  });
});

describe("grouping stuck sagas", () => {
  const saga = (id: string, status: SagaRow["status"] = "running"): SagaRow => ({
    id,
    sagaType: "OrderFulfilment",
    status,
    rawState: status,
    currentStep: "payment.authorize",
    attempts: 0,
    lastError: null,
    correlationId: `c-${id}`,
    startedAt: null,
    updatedAt: null,
    version: 1,
    nextAttemptAt: null,
    idleSeconds: Number(id.replace(/\D/g, "")) || 1,
  });
  const diag = (kind: Diagnosis["kind"], phrase: string, subject: string | null, error: string | null = null): Diagnosis => ({
    kind,
    phrase,
    detail: phrase,
    subject,
    error,
    message: null,
    group: null,
    dlq: null,
    processedBy: [],
    command: null,
  });
  it("reads 500 stuck sagas as three problems", () => {
    const sagas: SagaRow[] = [];
    const d = new Map<string, Diagnosis>();
    for (let i = 0; i < 420; i++) {
      sagas.push(saga(`s${i}`));
      d.set(`s${i}`, diag("participant-unhealthy", "wait on payment-processor, which is STOP with no members (Empty), 420 messages behind", "payment-processor"));
    }
    for (let i = 420; i < 470; i++) {
      sagas.push(saga(`s${i}`, "compensation_failed"));
      d.set(`s${i}`, diag("compensation-failed", "failed to compensate payment.refund", "payment.refund", `refund ${i} rejected for order ${i * 7}`));
    }
    for (let i = 470; i < 500; i++) {
      sagas.push(saga(`s${i}`));
      d.set(`s${i}`, diag("outbox-unpublished", "wait on the outbox relay: their AuthorizePayment row is not published", "relay:payment"));
    }
    const groups = groupStuck(sagas, d);
    expect(groups.map((g) => [g.count, g.headline])).toEqual([
      [420, "420 OrderFulfilment sagas (running) wait on payment-processor, which is STOP with no members (Empty), 420 messages behind"],
      [50, "50 OrderFulfilment sagas (compensation failed) failed to compensate payment.refund"],
      [30, "30 OrderFulfilment sagas (running) wait on the outbox relay: their AuthorizePayment row is not published"],
    ]);
    expect(groups[0]?.oldestIdleSeconds).toBe(419);
  });
  it("words a group of one in the singular", () => {
    expect(singular("wait on the outbox relay: their X row is not published")).toBe("waits on the outbox relay: its X row is not published");
    expect(singular("have their X message in Y.DLQ")).toBe("has its X message in Y.DLQ");
  });
});
