import { describe, expect, it } from "vitest";
import { BROKER_TERMS } from "~/components/dlq/format";
import { BROKER_CAPABILITIES } from "~/server/brokers/capabilities";
import { BROKER_KINDS, brokerPlugins, can, capabilitiesOf, isBrokerKind } from "~/server/brokers/registry";
import { configSchema } from "~/server/config/schema";
import { buildConnections, connectionRefs } from "~/server/connections/registry";
import { dlqSources } from "~/server/dlq/sources";
import { samplers } from "~/server/jobs/samplers";
import { depthSeries } from "~/server/lag/queries";
import { replayExecutors } from "~/server/replay/jobs/executors";
import { oneMessageActions } from "~/server/replay/one-message";
import { replayJobsRouter } from "~/server/api/routers/replay-jobs";

describe("broker registry", () => {
  it("registers each plugin under its own kind, with known capabilities only", () => {
    expect(BROKER_KINDS).toEqual(["kafka", "sqs", "rabbitmq", "nats"]);
    for (const kind of BROKER_KINDS) {
      expect(brokerPlugins[kind].kind).toBe(kind);
      for (const capability of brokerPlugins[kind].capabilities) expect(BROKER_CAPABILITIES).toContain(capability);
    }
  });

  it("answers capability questions as the kind switches did", () => {
    expect(can("kafka", "log-with-offsets")).toBe(true);
    expect(can("kafka", "consumer-groups")).toBe(true);
    expect(can("kafka", "snapshot-browsing")).toBe(false);
    expect(can("sqs", "snapshot-browsing")).toBe(true);
    expect(can("sqs", "native-move")).toBe(true);
    expect(can("sqs", "consumer-groups")).toBe(false);
    expect(can("rabbitmq", "log-with-offsets")).toBe(false);
    expect(can("rabbitmq", "native-move")).toBe(true);
    // Reading a RabbitMQ queue takes and returns messages: live browsing, not a snapshot.
    expect(can("rabbitmq", "live-browsing")).toBe(true);
    expect(can("rabbitmq", "snapshot-browsing")).toBe(false);
    expect(can("kafka", "discard")).toBe(true);
    expect(can("sqs", "discard")).toBe(true);
    expect(can("rabbitmq", "discard")).toBe(false);
    // Kafka's jobs verify their duplicates against the target; SQS's and RabbitMQ's count an upper bound ("up to N").
    expect(can("kafka", "exact-duplicate-count")).toBe(true);
    expect(can("sqs", "exact-duplicate-count")).toBe(false);
    expect(can("rabbitmq", "exact-duplicate-count")).toBe(false);
    expect(isBrokerKind("kafka")).toBe(true);
    expect(isBrokerKind("rabbitmq")).toBe(true);
    expect(can("nats", "stream-consumers")).toBe(true);
    expect(can("nats", "consumer-groups")).toBe(false);
    expect(can("nats", "snapshot-browsing")).toBe(false);
    expect(can("kafka", "stream-consumers")).toBe(false);
    expect(isBrokerKind("nats")).toBe(true);
    expect(isBrokerKind("database")).toBe(false);
    expect(isBrokerKind("toString")).toBe(false);
  });

  it("answers, for each kind, exactly the capabilities its plugin declares", () => {
    const declared = {
      kafka: ["log-with-offsets", "edit", "edit-key", "repeated-headers", "discard", "bulk-replay", "consumer-groups", "exact-duplicate-count", "schema-registry"],
      sqs: ["snapshot-browsing", "native-move", "edit", "discard", "bulk-replay"],
      rabbitmq: ["live-browsing", "native-move", "bulk-replay"],
      nats: ["stream-consumers", "bulk-replay"],
    };
    expect(Object.keys(declared).sort()).toEqual([...BROKER_KINDS].sort());
    for (const kind of BROKER_KINDS) {
      expect([...capabilitiesOf(kind)].sort()).toEqual([...declared[kind]].sort());
      expect([...capabilitiesOf(kind)]).toEqual([...brokerPlugins[kind].capabilities]);
      for (const capability of BROKER_CAPABILITIES) expect(can(kind, capability), `${kind} ${capability}`).toBe(declared[kind].includes(capability));
      // A DLQ is browsed one way: by offsets, from a snapshot, or live; a NATS consumer's dead letters are advisory
      // records read back by capture sequence (no offsets to seek or retention to count, nothing taken), so none.
      expect(["log-with-offsets", "snapshot-browsing", "live-browsing"].filter((c) => declared[kind].includes(c)), kind).toHaveLength(kind === "nats" ? 0 : 1);
    }
  });

  it("has an entry for every registered kind in each per-kind map, and edit and discard exactly where declared", () => {
    const maps: Record<string, object> = { dlqSources, oneMessageActions, samplers, replayExecutors, depthSeries, BROKER_TERMS };
    for (const [name, map] of Object.entries(maps)) expect(Object.keys(map).sort(), name).toEqual([...BROKER_KINDS].sort());
    for (const kind of BROKER_KINDS) {
      expect(oneMessageActions[kind].edit !== null, `${kind} edit`).toBe(can(kind, "edit"));
      expect(oneMessageActions[kind].discard !== null, `${kind} discard`).toBe(can(kind, "discard"));
      // The browser names each broker as its plugin does.
      expect(BROKER_TERMS[kind].label).toBe(brokerPlugins[kind].label);
      expect(BROKER_TERMS[kind].resourceNoun).toBe(brokerPlugins[kind].resourceNoun);
    }
  });

  it("offers bulk replay (the bulk-replay capability) exactly for the kinds the job procedures take", () => {
    const input = (replayJobsRouter._def.procedures.dryRun as unknown as { _def: { inputs: { safeParse(v: unknown): { error?: { issues: { path: PropertyKey[] }[] } } }[] } })._def.inputs[0]!;
    for (const kind of BROKER_KINDS) {
      const result = input.safeParse({ kind, connection: "c", dlq: "d", selection: { source: "all" } });
      const kindRefused = result.error?.issues.some((issue) => issue.path[0] === "kind") ?? false;
      expect(!kindRefused, kind).toBe(can(kind, "bulk-replay"));
    }
  });

  it("validates each kind's connection list with its plugin's schema", () => {
    const config = configSchema.parse({ kafka: [{ name: "k", brokers: ["localhost:9092"] }], sqs: [{ name: "q" }] });
    expect(config.kafka[0]).toMatchObject({ name: "k", clientId: "redrive", replay: { compression: "none" } });
    expect(config.sqs[0]).toMatchObject({ name: "q", region: "us-east-1", replay: { allowEdit: false } });
    expect(() => configSchema.parse({ kafka: [{ name: "k", brokers: ["no-port"] }] })).toThrow(/host:port/);
    expect(() => configSchema.parse({ sqs: [{ name: "q", externalId: "x" }] })).toThrow(/externalId needs roleArn/);
    expect(() => configSchema.parse({ sqs: [{ name: "q" }, { name: "q" }] })).toThrow(/duplicate connection name/);
    const rabbit = configSchema.parse({ rabbitmq: [{ name: "r", url: "amqp://127.0.0.1:5672", managementUrl: "http://127.0.0.1:15672" }] });
    expect(rabbit.rabbitmq[0]).toMatchObject({ name: "r", vhost: "/", username: "guest", sampleIntervalSeconds: 15, replay: { allowEdit: false } });
    expect(() => configSchema.parse({ rabbitmq: [{ name: "r", url: "amqp://127.0.0.1:5672" }] })).toThrow(/managementUrl/);
  });

  it("describes a RabbitMQ connection without its credentials", () => {
    const plugin = brokerPlugins.rabbitmq;
    const config = plugin.configSchema.parse({ name: "r", url: "amqps://alice:s3cret@rabbit.example:5671", managementUrl: "https://admin:hunter2@rabbit.example:15671", username: "alice", password: "s3cret" });
    const described = `${plugin.describeTarget(config)} ${plugin.describeSecurity(config)}`;
    expect(described).toContain("rabbit.example:5671");
    expect(described).toContain("AMQPS");
    expect(described).not.toMatch(/s3cret|hunter2|admin/);
    expect(plugin.ids.parse("sha256:abc")).toBe("sha256:abc");
    expect(plugin.ids.parse("")).toBeNull();
  });

  it("describes a NATS connection without its credentials, and names dead letters by capture sequence", () => {
    const plugin = brokerPlugins.nats;
    const config = plugin.configSchema.parse({ name: "n", servers: ["nats://alice:s3cret@nats.example:4222", "tls://b.example:4222"], auth: { type: "token", token: "hunter2" }, advisoryCapture: { create: true } });
    const described = `${plugin.describeTarget(config)} ${plugin.describeSecurity(config)}`;
    expect(described).toContain("nats://nats.example:4222, tls://b.example:4222");
    expect(described).toContain("REDRIVE_DLQ_ADVISORIES (created by Redrive)");
    expect(described).toContain("TLS · token");
    expect(described).not.toMatch(/s3cret|hunter2|alice/);
    expect(plugin.ids.parse("42")).toBe(42);
    expect(plugin.ids.parse("0")).toBeNull();
    expect(plugin.ids.parse("1:2")).toBeNull();
    expect(plugin.ids.format(7)).toBe("7");
  });

  it("builds one adapter per configured connection through the plugins", () => {
    const all = buildConnections(
      configSchema.parse({
        kafka: [{ name: "k", brokers: ["localhost:9092"] }],
        sqs: [{ name: "q", endpoint: "http://localhost:9324" }],
        rabbitmq: [{ name: "r", url: "amqp://127.0.0.1:5672", managementUrl: "http://127.0.0.1:15672" }],
        nats: [{ name: "n", servers: "127.0.0.1:4222" }],
      }),
    );
    expect(all.nats.get("n")?.kind).toBe("nats");
    expect(all.kafka.get("k")?.kind).toBe("kafka");
    expect(all.sqs.get("q")?.kind).toBe("sqs");
    expect(all.rabbitmq.get("r")?.kind).toBe("rabbitmq");
    expect(connectionRefs(all)).toEqual([
      { kind: "kafka", name: "k" },
      { kind: "sqs", name: "q" },
      { kind: "rabbitmq", name: "r" },
      { kind: "nats", name: "n" },
    ]);
  });
});
