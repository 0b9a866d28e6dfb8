import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Admin as PlatformaticAdmin } from "@platformatic/kafka";
import { Kafka, logLevel, type Admin } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KafkaOverview } from "~/server/brokers/types";
import { kafkaConnectionError, securityContext } from "~/server/brokers/kafka/kafka-errors";
import { kafkaConnectionOptions } from "~/server/brokers/kafka/kafka-security";
import { configSchema, type RedriveConfigInput } from "~/server/config/schema";
import type { ConnectionHealth } from "~/server/jobs/health-monitor";
import { ApiHarness } from "./helpers/api";
import { KAFKA_BROKER, uniqueName } from "./helpers/environment";
import { waitUntilHosted } from "../fixtures/kafka";

// The local stack's secured listeners (scripts/stack.mjs, scripts/stack-tls.mjs): SSL requiring a client
// certificate, and SASL_SSL with SCRAM-SHA-512. Certificates live under .stack/tls of the repo that started it.
const HOST = KAFKA_BROKER.split(":")[0] ?? "127.0.0.1";
const SSL_BROKER = `${HOST}:${process.env.KAFKA_SSL_PORT || "9094"}`;
const SASL_BROKER = `${HOST}:${process.env.KAFKA_SASL_PORT || "9095"}`;
const TLS_DIR = process.env.KAFKA_TLS_DIR || path.resolve(import.meta.dirname, "../../.stack/tls");
const SCRAM_USER = process.env.KAFKA_SASL_USERNAME || "redrive";
const SCRAM_PASSWORD = process.env.KAFKA_SASL_PASSWORD || "redrive-local-secret";
const caFile = path.join(TLS_DIR, "ca.pem");
const certFile = path.join(TLS_DIR, "client.pem");
const keyFile = path.join(TLS_DIR, "client.key");

type Health = ConnectionHealth & { target: string; security: string | null };
type Outcome<T> = { ok: true; data: T } | { ok: false; error: string };

// Named like a DLQ (the default `*.dlq` pattern): reading other topics is a permission of its own.
const topic = `${uniqueName("sec-orders")}.dlq`;
const plain = new Kafka({ clientId: "security-test", brokers: [KAFKA_BROKER], logLevel: logLevel.NOTHING });
let admin: Admin;
let otherCa: { dir: string; file: string };
let api: ApiHarness;
let viewer: string;
let configs: ReturnType<typeof configSchema.parse>["kafka"];

/** A CA that did not sign the broker's certificate. */
function makeOtherCa(): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "redrive-other-ca-"));
  const res = spawnSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Some other CA"], { cwd: dir, encoding: "utf8" });
  if (res.status !== 0) throw new Error(`openssl failed: ${res.stderr}`);
  return { dir, file: path.join(dir, "ca.pem") };
}

const base = { clientId: "redrive-test", sampleIntervalSeconds: 15 } as const;

beforeAll(async () => {
  if (!existsSync(caFile)) throw new Error(`no stack certificates at ${TLS_DIR}: run "npm run stack:up" (or set KAFKA_TLS_DIR)`);
  admin = plain.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await waitUntilHosted([topic]);
  const producer = plain.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: "order-1", value: JSON.stringify({ id: 1 }) }] });
  await producer.disconnect();
  otherCa = makeOtherCa();

  const config: RedriveConfigInput = {
    kafka: [
      { ...base, name: "mtls", brokers: [SSL_BROKER], ssl: { caFile, certFile, keyFile } },
      { ...base, name: "scram", brokers: [SASL_BROKER], ssl: { caFile }, sasl: { mechanism: "scram-sha-512", username: SCRAM_USER, password: SCRAM_PASSWORD } },
      { ...base, name: "wrong-ca", brokers: [SSL_BROKER], ssl: { caFile: otherCa.file, certFile, keyFile } },
      { ...base, name: "no-client-cert", brokers: [SSL_BROKER], ssl: { caFile } },
      { ...base, name: "wrong-password", brokers: [SASL_BROKER], ssl: { caFile }, sasl: { mechanism: "scram-sha-512", username: SCRAM_USER, password: "not-the-password" } },
    ],
    sqs: [],
    databases: [],
  };
  configs = configSchema.parse(config).kafka;
  api = await ApiHarness.start(config);
  viewer = await api.tokenFor("viewer");
});

afterAll(async () => {
  await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin?.disconnect();
  if (otherCa) rmSync(otherCa.dir, { recursive: true, force: true });
  await api?.close();
});

const headers = () => ({ authorization: `Bearer ${viewer}` });

async function health(): Promise<Record<string, Health>> {
  const list = await api.data<Health[]>("connections.list", { kind: "query", input: { refresh: true }, headers: headers() });
  return Object.fromEntries(list.map((h) => [h.name, h]));
}

describe("Redrive over the local Kafka's secured listeners", () => {
  it("connects over mTLS and over SASL_SSL SCRAM-SHA-512, and Settings names the mechanism, not the secret", async () => {
    const state = await health();
    expect(state.mtls).toMatchObject({ reachable: true, lastError: null });
    expect(state.scram).toMatchObject({ reachable: true, lastError: null });
    expect(state.mtls!.security).toBe("SSL / mTLS client certificate, private CA");
    expect(state.scram!.security).toBe(`SASL_SSL / SCRAM-SHA-512 as user ${SCRAM_USER}, private CA`);
    expect(JSON.stringify(Object.values(state))).not.toContain(SCRAM_PASSWORD);
    expect(JSON.stringify(Object.values(state))).not.toContain("PRIVATE KEY");
  });

  it("lists topics and reads a DLQ record through each secured connection", async () => {
    const expected = (await admin.listTopics()).filter((name) => !name.startsWith("__")).length;
    const overview = await api.data<{ kafka: { connection: string; result: Outcome<KafkaOverview> }[] }>("overview.get", { kind: "query", headers: headers() });
    for (const connection of ["mtls", "scram"]) {
      const result = overview.kafka.find((k) => k.connection === connection)!.result;
      if (!result.ok) throw new Error(`${connection}: ${result.error}`);
      // Other test files may create topics meanwhile: at least what the plaintext listener saw before.
      expect(result.data.topicCount).toBeGreaterThanOrEqual(expected);
      const page = await api.data<{ messages: { keyPreview: string | null }[] }>("dlq.kafkaMessages", {
        kind: "query",
        input: { connection, topic },
        headers: headers(),
      });
      expect(page.messages.map((m) => m.keyPreview)).toEqual(["order-1"]);
    }
  });

  it("says which connection failed and why: a wrong CA, a missing client certificate, a wrong password", async () => {
    const state = await health();
    expect(state["wrong-ca"]).toMatchObject({ reachable: false });
    expect(state["wrong-ca"]!.lastError).toMatch(/^Kafka connection "wrong-ca": TLS: the broker's certificate is not signed by a CA Redrive trusts/);
    expect(state["no-client-cert"]).toMatchObject({ reachable: false });
    expect(state["no-client-cert"]!.lastError).toMatch(/^Kafka connection "no-client-cert": TLS: .*requires a client certificate/);
    expect(state["wrong-password"]).toMatchObject({ reachable: false });
    expect(state["wrong-password"]!.lastError).toMatch(/^Kafka connection "wrong-password": SASL authentication failed/);
    expect(state["wrong-password"]!.lastError).not.toContain("not-the-password");
  });
});

// The contract with the @platformatic/kafka client the server moves to: the same options connect its Admin.
describe("kafkaConnectionOptions with @platformatic/kafka", () => {
  async function listTopics(name: string): Promise<string[]> {
    const config = configs.find((c) => c.name === name)!;
    const admin = new PlatformaticAdmin({ clientId: "redrive-test", bootstrapBrokers: config.brokers, retries: 0, connectTimeout: 3_000, ...kafkaConnectionOptions(config) });
    try {
      return await admin.listTopics();
    } finally {
      await admin.close().catch(() => undefined);
    }
  }

  it("lists topics over mTLS and over SASL_SSL SCRAM-SHA-512", async () => {
    expect(await listTopics("mtls")).toContain(topic);
    expect(await listTopics("scram")).toContain(topic);
  });

  it("reads its failures as the same causes", async () => {
    const failure = async (name: string) => {
      const error = await listTopics(name).then(() => null, (e: unknown) => e);
      const config = configs.find((c) => c.name === name)!;
      return kafkaConnectionError(name, error, securityContext(config)).message;
    };
    expect(await failure("wrong-ca")).toMatch(/not signed by a CA Redrive trusts/);
    expect(await failure("no-client-cert")).toMatch(/requires a client certificate/);
    expect(await failure("wrong-password")).toMatch(/SASL authentication failed/);
  });
});
