import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordAudit } from "~/server/audit";
import { ApiHarness } from "./helpers/api";

let api: ApiHarness;
let viewer: string;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
type Page = { rows: { procedure: string; actorName: string; outcome: string; at: Date }[]; nextCursor: number | null };

beforeAll(async () => {
  api = await ApiHarness.start({ kafka: [], sqs: [], databases: [] });
  viewer = await api.tokenFor("viewer");
  const system = (name: string) => ({ kind: "system" as const, name });
  await recordAudit(api.store.db, { actor: system("alice_ops"), procedure: "replay.one", parameters: { id: "0:1" }, outcome: "ok" });
  await recordAudit(api.store.db, { actor: system("alice%ops"), procedure: "replay.discard", parameters: { id: "0:2" }, outcome: "error", error: "FORBIDDEN" });
  await recordAudit(api.store.db, { actor: system("bob"), procedure: "replayJobs.start", parameters: { jobId: "x" }, outcome: "ok" });
});
afterAll(() => api?.close());

const list = (input: Record<string, unknown>) => api.data<Page>("audit.list", { kind: "query", input, headers: auth(viewer) });

describe("the audit list's filters", () => {
  it("who matches part of a name in any case, with LIKE wildcards taken literally", async () => {
    expect((await list({ actor: "ALICE" })).rows.map((r) => r.actorName).sort()).toEqual(["alice%ops", "alice_ops"]);
    expect((await list({ actor: "e%o" })).rows.map((r) => r.actorName)).toEqual(["alice%ops"]);
  });

  it("what is a procedure or its whole area, not a longer area sharing the prefix", async () => {
    expect((await list({ action: "replay" })).rows.map((r) => r.procedure).sort()).toEqual(["replay.discard", "replay.one"]);
    expect((await list({ action: "replay.one" })).rows.map((r) => r.procedure)).toEqual(["replay.one"]);
    expect((await list({ action: "replayJobs" })).rows.map((r) => r.procedure)).toEqual(["replayJobs.start"]);
  });

  it("outcome and a time range narrow the rows", async () => {
    expect((await list({ outcome: "error", action: "replay" })).rows.map((r) => r.procedure)).toEqual(["replay.discard"]);
    const future = new Date(Date.now() + 3_600_000);
    expect((await list({ from: future })).rows).toEqual([]);
    expect((await list({ to: future, actor: "bob" })).rows).toHaveLength(1);
  });

  it("bounds what a person types and refuses an inverted or overlong range", async () => {
    for (const input of [
      { actor: "x".repeat(101) },
      { action: "replay%" },
      { from: new Date(2030, 0, 2), to: new Date(2030, 0, 1) },
      { from: new Date(2020, 0, 1), to: new Date(2022, 0, 1) },
    ]) {
      const response = await api.call("audit.list", { kind: "query", input, headers: auth(viewer) });
      expect(response.status, JSON.stringify(input)).toBe(400);
    }
  });
});
