import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getChannel } from "~/server/alerts/notify/channels";
import { alertChannels, auditLog } from "~/server/db/schema";
import { ApiHarness } from "./helpers/api";

let api: ApiHarness;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  api = await ApiHarness.start({ kafka: [], sqs: [], databases: [] });
});
afterAll(() => api?.close());

const rule = { name: "Lag over 1000", signal: "consumer_lag", condition: { op: "gt", threshold: 1000 }, forSeconds: 60, channels: [] };
const channel = { name: "oncall-hook", channel: { kind: "webhook", settings: {}, secrets: { url: "https://hooks.example.test/x", signingSecret: "a-very-secret-signing-key" } } };

describe("the alerts API over HTTP", () => {
  it("lets an admin create a rule and a channel, and audits both without the channel's secrets", async () => {
    const admin = await api.tokenFor("admin");
    const created = await api.data<{ id: string; name: string; source: string }>("alerts.createRule", { kind: "mutation", input: rule, headers: auth(admin) });
    expect(created).toMatchObject({ name: "Lag over 1000", source: "ui" });
    const made = await api.data<Record<string, unknown>>("alerts.createChannel", { kind: "mutation", input: channel, headers: auth(admin) });
    expect(made).toMatchObject({ name: "oncall-hook", kind: "webhook", secretsSet: ["signingSecret", "url"] });
    expect(JSON.stringify(made)).not.toContain("a-very-secret-signing-key");
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "alerts.createChannel")).orderBy(desc(auditLog.id)).limit(1);
    expect(row?.outcome).toBe("ok");
    expect(JSON.stringify(row?.parameters)).not.toContain("a-very-secret-signing-key");
  });

  it("never sends channel secrets back to a reader", async () => {
    const viewer = await api.tokenFor("viewer");
    const response = await api.call("alerts.channels", { kind: "query", headers: auth(viewer) });
    expect(response.status).toBe(200);
    expect(JSON.stringify(response.body)).not.toMatch(/a-very-secret-signing-key|hooks\.example\.test/);
  });

  it("keeps a channel's write-only secrets when an edit leaves them blank, and replaces only the one typed", async () => {
    const admin = await api.tokenFor("admin");
    const [stored] = await api.store.db.select().from(alertChannels).where(eq(alertChannels.name, "oncall-hook"));
    const grouping = { groupWaitSeconds: 2, groupIntervalSeconds: 30, repeatIntervalSeconds: 600 };
    const edited = await api.data<Record<string, unknown>>("alerts.updateChannel", {
      kind: "mutation",
      input: { id: stored!.id, name: "oncall-hook-2", channel: { kind: "webhook", settings: grouping, secrets: { url: "", signingSecret: "" } } },
      headers: auth(admin),
    });
    expect(edited).toMatchObject({ name: "oncall-hook-2", settings: grouping, secretsSet: ["signingSecret", "url"] });
    expect(JSON.stringify(edited)).not.toMatch(/a-very-secret-signing-key|hooks\.example\.test/);
    expect((await getChannel(api.store.db, stored!.id))?.secrets).toEqual({ url: "https://hooks.example.test/x", signingSecret: "a-very-secret-signing-key" });

    await api.data("alerts.updateChannel", {
      kind: "mutation",
      input: { id: stored!.id, channel: { kind: "webhook", settings: grouping, secrets: { url: "https://hooks.example.test/new" } } },
      headers: auth(admin),
    });
    expect((await getChannel(api.store.db, stored!.id))?.secrets).toEqual({ url: "https://hooks.example.test/new", signingSecret: "a-very-secret-signing-key" });
    const [row] = await api.store.db.select().from(auditLog).where(eq(auditLog.procedure, "alerts.updateChannel")).orderBy(desc(auditLog.id)).limit(1);
    expect(row?.outcome).toBe("ok");
    expect(JSON.stringify(row?.parameters)).not.toContain("hooks.example.test/new");

    // a kind change or an invalid grouping is refused, and the stored channel stays as it was
    const refused = await api.call("alerts.updateChannel", { kind: "mutation", input: { id: stored!.id, channel: { kind: "slack", settings: {}, secrets: {} } }, headers: auth(admin) });
    expect(refused.status).toBe(400);
    const badGrouping = { id: stored!.id, channel: { kind: "webhook", settings: { repeatIntervalSeconds: 5 }, secrets: {} } };
    expect((await api.call("alerts.updateChannel", { kind: "mutation", input: badGrouping, headers: auth(admin) })).status).toBe(400);
    expect((await getChannel(api.store.db, stored!.id))?.settings).toMatchObject(grouping);
    await api.data("alerts.updateChannel", { kind: "mutation", input: { id: stored!.id, name: "oncall-hook" }, headers: auth(admin) });
  });

  it("refuses a viewer who changes a rule or a channel, and an operator too; lets an operator silence", async () => {
    const [viewer, operator] = [await api.tokenFor("viewer"), await api.tokenFor("operator")];
    for (const token of [viewer, operator]) {
      expect((await api.call("alerts.createRule", { kind: "mutation", input: { ...rule, name: "x" }, headers: auth(token) })).status).toBe(403);
      expect((await api.call("alerts.createChannel", { kind: "mutation", input: { ...channel, name: "y" }, headers: auth(token) })).status).toBe(403);
      const [stored] = await api.store.db.select().from(alertChannels).where(eq(alertChannels.name, "oncall-hook"));
      const edit = { id: stored!.id, channel: { kind: "webhook", settings: {}, secrets: { url: "https://attacker.example.test/" } } };
      expect((await api.call("alerts.updateChannel", { kind: "mutation", input: edit, headers: auth(token) })).status).toBe(403);
    }
    expect((await getChannel(api.store.db, (await api.store.db.select().from(alertChannels).where(eq(alertChannels.name, "oncall-hook")))[0]!.id))?.secrets.url).toBe("https://hooks.example.test/new");
    const silence = { matchers: [{ label: "group", op: "=", value: "orders" }], endsAt: new Date(Date.now() + 3_600_000), comment: "deploy" };
    expect((await api.call("alerts.createSilence", { kind: "mutation", input: silence, headers: auth(viewer) })).status).toBe(403);
    expect((await api.call("alerts.createSilence", { kind: "mutation", input: silence, headers: auth(operator) })).status).toBe(200);
  });

  it("validates rules with field messages", async () => {
    const admin = await api.tokenFor("admin");
    const response = await api.call("alerts.createRule", { kind: "mutation", input: { ...rule, condition: { op: "gt" } }, headers: auth(admin) });
    expect(response.status).toBe(400);
  });

  it("exports enabled rules as Prometheus alerting rules over /api/metrics names", async () => {
    const viewer = await api.tokenFor("viewer");
    const text = await api.data<string>("alerts.exportPrometheus", { kind: "query", headers: auth(viewer) });
    expect(text).toContain("alert: Lag_over_1000");
    expect(text).toContain("expr: kafka_consumergroup_group_sum_lag > 1000");
    expect(text).toContain("for: 60s");
  });
});
