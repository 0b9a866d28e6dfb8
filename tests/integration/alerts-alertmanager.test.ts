import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateRound } from "~/server/alerts/engine";
import { createChannel } from "~/server/alerts/notify/channels";
import { flushGroup, scheduleNotifications } from "~/server/alerts/notify/dispatch";
import { createRule } from "~/server/alerts/rules";
import { configSchema } from "~/server/config/schema";
import { buildConnections } from "~/server/connections/registry";
import { openControlStore, type ControlStore } from "~/server/db/control-store";
import { alertDeliveries, kafkaGroupSamples } from "~/server/db/schema";
import { createTestDatabase, uniqueName } from "./helpers/environment";

// Debian's prometheus-alertmanager (apt-get install prometheus-alertmanager), started on its own port.
const BINARY = process.env.ALERTMANAGER_BIN ?? "/usr/bin/prometheus-alertmanager";

let store: ControlStore;
let drop: () => Promise<void>;
let alertmanager: ChildProcess;
let dir: string;
let url: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "redrive-am-"));
  writeFileSync(path.join(dir, "alertmanager.yml"), "route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n");
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  alertmanager = spawn(
    BINARY,
    [`--config.file=${path.join(dir, "alertmanager.yml")}`, `--storage.path=${dir}`, `--web.listen-address=127.0.0.1:${port}`, "--cluster.listen-address="],
    { stdio: "ignore" },
  );
  const deadline = Date.now() + 20_000;
  for (;;) {
    const ready = await fetch(`${url}/-/ready`).then((r) => r.ok).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline || alertmanager.exitCode !== null) throw new Error(`Alertmanager did not start (${BINARY}; install Debian's prometheus-alertmanager)`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const database = await createTestDatabase();
  drop = database.drop;
  store = await openControlStore({ databaseUrl: database.url });
});

afterAll(async () => {
  alertmanager?.kill("SIGTERM");
  await store?.close();
  await drop?.();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("Prometheus Alertmanager as a channel", () => {
  it("receives a firing alert over API v2 and lists it on its own API", async () => {
    const group = uniqueName("am-group");
    const channel = await createChannel(store.db, "am", { kind: "alertmanager", settings: { url, groupWaitSeconds: 0 }, secrets: {} }, "test");
    const rule = await createRule(
      store.db,
      { name: "AM STOP", signal: "consumer_status", scope: { names: [group] }, condition: { op: "in", values: ["STOP"] }, severity: "critical", channels: ["am"], runbookUrl: "https://runbooks.example.test/stop" },
      "test",
    );
    const now = Date.now();
    await store.db.insert(kafkaGroupSamples).values({
      connection: "local",
      groupId: group,
      sampledAt: new Date(now - 1000),
      state: "Empty",
      protocolType: "consumer",
      protocol: "",
      members: 0,
      topics: ["orders"],
      totalLag: 5,
      maxLag: 5,
      status: "STOP",
    });
    const round = await evaluateRound({ db: store.db, connections: buildConnections(configSchema.parse({})) }, { now, staleAfterMs: 60_000 });
    const flushes: string[] = [];
    const deps = { db: store.db, publicUrl: "https://redrive.example.test", enqueueFlush: async (groupId: string) => void flushes.push(groupId) };
    await scheduleNotifications(deps, round.transitions.filter((t) => t.rule.id === rule.id), now);
    expect(flushes).toHaveLength(1);
    expect(await flushGroup(deps, flushes[0]!, { id: crypto.randomUUID(), attempt: 1 })).toBe("sent");

    const listed = (await (await fetch(`${url}/api/v2/alerts?filter=${encodeURIComponent(`group="${group}"`)}`)).json()) as {
      labels: Record<string, string>;
      annotations: Record<string, string>;
      status: { state: string };
    }[];
    expect(listed).toHaveLength(1);
    expect(listed[0]!.labels).toMatchObject({ alertname: "AM STOP", group, connection: "local", severity: "critical" });
    expect(listed[0]!.annotations).toMatchObject({ summary: `AM STOP: ${group} is STOP`, runbook_url: "https://runbooks.example.test/stop", redrive_url: `https://redrive.example.test/lag/local/${group}` });
    expect(listed[0]!.status.state).toBe("active");
    const [delivery] = await store.db.select().from(alertDeliveries).where(eq(alertDeliveries.channelId, channel.id));
    expect(delivery).toMatchObject({ status: "sent", responseCode: 200, attempt: 1 });
  });
});
