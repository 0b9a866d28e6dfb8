import { describe, expect, it } from "vitest";
import { captureStreamConfig } from "~/server/brokers/nats/capture";
import { natsConnectionSchema } from "~/server/brokers/nats/config";
import { connectionOptions } from "~/server/brokers/nats/connection";
import { replayHeaders } from "~/server/brokers/nats/replay";
import { parseServerVersion, serverFeatures } from "~/server/brokers/nats/version";

describe("natsConnectionSchema", () => {
  it("fills defaults and turns one server into a list", () => {
    const config = natsConnectionSchema.parse({ name: "local", servers: "127.0.0.1:4222" });
    expect(config).toEqual({
      name: "local",
      servers: ["127.0.0.1:4222"],
      auth: { type: "none" },
      timeouts: { connectMs: 5_000, requestMs: 5_000, publishAckMs: 10_000 },
      advisoryCapture: { stream: "REDRIVE_DLQ_ADVISORIES", create: false, streams: [], maxAgeDays: 30 },
      sampleIntervalSeconds: 15,
      replay: { allowEdit: false, keepErrorHeaders: false },
    });
  });

  it("takes each kind of auth and refuses a malformed one", () => {
    const base = { name: "n", servers: ["nats://a:4222", "nats://b:4222"] };
    expect(natsConnectionSchema.parse({ ...base, auth: { type: "userpass", user: "u", pass: "p" } }).auth).toEqual({ type: "userpass", user: "u", pass: "p" });
    expect(natsConnectionSchema.parse({ ...base, auth: { type: "token", token: "t" } }).auth.type).toBe("token");
    expect(natsConnectionSchema.parse({ ...base, auth: { type: "creds", credsFile: "/etc/nats/u.creds" } }).auth.type).toBe("creds");
    expect(natsConnectionSchema.safeParse({ ...base, auth: { type: "nkey", seed: "UABC" } }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, auth: { type: "token", token: "" } }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, servers: [] }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, advisoryCapture: { stream: "a.b" } }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, advisoryCapture: { streams: ["ORDERS", "a>"] } }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, name: "Has Spaces" }).success).toBe(false);
    expect(natsConnectionSchema.safeParse({ ...base, unknown: 1 }).success).toBe(false);
    expect(natsConnectionSchema.parse({ ...base, advisoryCapture: { create: true, streams: ["SHIP"] } }).advisoryCapture).toEqual({ stream: "REDRIVE_DLQ_ADVISORIES", create: true, streams: ["SHIP"], maxAgeDays: 30 });
  });

  it("passes user and password, token and TLS files to the client", async () => {
    const config = natsConnectionSchema.parse({ name: "n", servers: "tls://h:4222", auth: { type: "userpass", user: "u", pass: "p" }, tls: { caFile: "/ca.pem" }, timeouts: { connectMs: 1234, requestMs: 1, publishAckMs: 1 } });
    const options = await connectionOptions(config);
    expect(options).toMatchObject({ servers: ["tls://h:4222"], user: "u", pass: "p", timeout: 1234, tls: { caFile: "/ca.pem", handshakeFirst: false } });
    const token = await connectionOptions(natsConnectionSchema.parse({ name: "n", servers: "h", auth: { type: "token", token: "s3cret" } }));
    expect(token.token).toBe("s3cret");
    expect(token.tls).toBeUndefined();
  });
});

describe("server features by version", () => {
  it("says what 2.9 lacks and what it has", () => {
    const features = serverFeatures(parseServerVersion("2.9.10"));
    expect(features).toMatchObject({ maxDeliveriesAdvisory: true, terminatedAdvisory: true, terminatedReason: false, directGet: true, consumerInfoTimestamp: false });
    expect(features.missing).toHaveLength(2);
  });

  it("has everything from 2.10.4, nothing of 2.10.4 on 2.10.3", () => {
    expect(serverFeatures(parseServerVersion("v2.10.4")).missing).toEqual([]);
    expect(serverFeatures(parseServerVersion("2.10.3")).terminatedReason).toBe(false);
    expect(serverFeatures(parseServerVersion("2.11.0-RC.1")).terminatedReason).toBe(true);
    expect(serverFeatures(parseServerVersion("3.0.0")).missing).toEqual([]);
  });

  it("promises only the oldest JetStream when the version is unknown", () => {
    expect(parseServerVersion("banana")).toBeNull();
    expect(serverFeatures(null)).toMatchObject({ directGet: false, terminatedReason: false, consumerInfoTimestamp: false });
  });
});

describe("captureStreamConfig", () => {
  it("is a limits stream on file, oldest dropped first, with the default limits", () => {
    expect(captureStreamConfig({ name: "REDRIVE_DLQ_ADVISORIES" })).toMatchObject({
      name: "REDRIVE_DLQ_ADVISORIES",
      subjects: ["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.>", "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.>"],
      retention: "limits",
      storage: "file",
      discard: "old",
      max_age: 30 * 24 * 3_600_000 * 1_000_000,
      max_msgs: 1_000_000,
      max_bytes: 256 * 1024 * 1024,
    });
    expect(captureStreamConfig({ name: "X", streams: ["S"], limits: { maxMessages: 10 } })).toMatchObject({ subjects: ["$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.S.*", "$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.S.*"], max_msgs: 10 });
  });
});

describe("replayHeaders", () => {
  it("keeps the application's headers, drops what the server would act on, and names the origin", () => {
    const h = replayHeaders({ "Trace-Id": ["t1"], Multi: ["a", "b"], "Nats-Msg-Id": ["orig"], "Nats-Expected-Last-Sequence": ["4"], "Nats-Rollup": ["sub"], "Redrive-Replayed-From": ["old:1"] }, "ORDERS:5");
    expect(h.get("Trace-Id")).toBe("t1");
    expect(h.values("Multi")).toEqual(["a", "b"]);
    expect(h.has("Nats-Msg-Id")).toBe(false);
    expect(h.has("Nats-Expected-Last-Sequence")).toBe(false);
    expect(h.has("Nats-Rollup")).toBe(false);
    expect(h.values("Redrive-Replayed-From")).toEqual(["ORDERS:5"]);
  });
});
