import { COMPATIBILITY, SchemaRegistry, SchemaType } from "@kafkajs/confluent-schema-registry";
import type { DemoConfig } from "../config";
import { topicName } from "../kafka/topics";
import { AVRO_TOPICS, BREAKING_TOPIC, breakingSchema } from "./payment-schemas";

// The demo's Kafka serde for its Avro topics, on the registry's own client library (@kafkajs/confluent-schema-registry,
// a different implementation from Redrive's decoder). Producers write v1 (the schema id is registered once per
// subject and cached); consumers read with the subject's latest version, refreshed every readerRefreshMs, as a
// consumer with `use.latest.version` does. That is what makes a breaking change visible: once v2 requires a field
// v1 data lacks, every v1 record fails to resolve and is dead-lettered.

export type AvroConfig = NonNullable<DemoConfig["avro"]>;

const CONTENT_TYPE = { "content-type": "application/vnd.schemaregistry.v1+json" };

export class AvroSerde {
  private readonly registry: SchemaRegistry;
  private readonly writerIds = new Map<string, Promise<number>>();
  private readonly readers = new Map<string, { at: number; id: Promise<number> }>();

  constructor(
    private readonly avro: AvroConfig,
    private readonly config: Pick<DemoConfig, "topicPrefix">,
  ) {
    this.registry = new SchemaRegistry({ host: avro.registryUrl, retry: { retries: 1 } });
  }

  /** Registers the writer schemas of every Avro topic (the demo starts encoding only once the registry answered). */
  async ready(signal: AbortSignal): Promise<void> {
    const done = Promise.all(this.avro.topics.filter((t) => this.encodes(t)).map((t) => this.writerId(t)));
    done.catch(() => undefined); // still settles after an abort
    const aborted = new Promise<never>((_, reject) => signal.addEventListener("abort", () => reject(new Error("no answer in time")), { once: true }));
    await Promise.race([done, aborted]);
  }

  get breakingSubject(): string {
    return this.subject(BREAKING_TOPIC);
  }

  /** True when the relay writes this logical topic in Avro. */
  encodes(logicalTopic: string): boolean {
    return this.avro.topics.includes(logicalTopic) && logicalTopic in AVRO_TOPICS;
  }

  subject(logicalTopic: string): string {
    return `${topicName(this.config, logicalTopic)}-value`;
  }

  /** The record in the Confluent wire format, written with v1. Throws while the registry is unreachable (the outbox row waits). */
  async encode(logicalTopic: string, payload: Record<string, unknown>, createdAt: Date): Promise<Buffer> {
    const topic = AVRO_TOPICS[logicalTopic];
    if (!topic) throw new Error(`no Avro schema for ${logicalTopic}`);
    return this.registry.encode(await this.writerId(logicalTopic), topic.toRecord(payload, createdAt));
  }

  /** The handler's payload from a Confluent-framed record, read with the subject's latest version. */
  async decode(logicalTopic: string, value: Buffer): Promise<Record<string, unknown>> {
    const topic = AVRO_TOPICS[logicalTopic];
    if (!topic) throw new Error(`no Avro schema for ${logicalTopic}`);
    const reader = await this.registry.getSchema(await this.readerId(logicalTopic));
    const record = (await this.registry.decode(value, { [SchemaType.AVRO]: { readerSchema: reader } })) as Record<string, unknown>;
    return topic.fromRecord(record);
  }

  /**
   * The fault knob. On: registers v2 of the payment commands' subject, which requires merchantId without a default,
   * under compatibility NONE (as a careless deploy would), then holds the subject to BACKWARD again, so the
   * registry's verdict on v1 -> v2 is the one a guarded subject gives. Off: rolls back, deleting that version.
   */
  async setBreakingChange(on: boolean): Promise<void> {
    const subject = this.breakingSubject;
    await this.writerId(BREAKING_TOPIC);
    const breaking = JSON.stringify(breakingSchema(BREAKING_TOPIC));
    if (on) {
      await this.http("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "NONE" });
      await this.http("POST", `/subjects/${encodeURIComponent(subject)}/versions`, { schema: breaking });
      await this.http("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
    } else {
      const found = await this.http<{ version: number }>("POST", `/subjects/${encodeURIComponent(subject)}`, { schema: breaking }).catch(() => undefined);
      if (found) await this.http("DELETE", `/subjects/${encodeURIComponent(subject)}/versions/${found.version}`);
    }
    this.readers.delete(BREAKING_TOPIC);
  }

  private writerId(logicalTopic: string): Promise<number> {
    let id = this.writerIds.get(logicalTopic);
    if (!id) {
      id = (async () => {
        const subject = this.subject(logicalTopic);
        // Apicurio's ccompat default is NONE and the client refuses a subject whose level differs from the one it
        // is asked for: say BACKWARD first, as a team that guards its payment events would.
        await this.http("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: "BACKWARD" });
        const schema = JSON.stringify(AVRO_TOPICS[logicalTopic]!.schema);
        return (await this.registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: COMPATIBILITY.BACKWARD })).id;
      })();
      id.catch(() => this.writerIds.delete(logicalTopic));
      this.writerIds.set(logicalTopic, id);
    }
    return id;
  }

  private readerId(logicalTopic: string): Promise<number> {
    const cached = this.readers.get(logicalTopic);
    if (cached && Date.now() - cached.at < this.avro.readerRefreshMs) return cached.id;
    const id = this.registry.getLatestSchemaId(this.subject(logicalTopic));
    id.catch(() => this.readers.delete(logicalTopic));
    this.readers.set(logicalTopic, { at: Date.now(), id });
    return id;
  }

  private async http<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.avro.registryUrl}${path}`, {
      method,
      headers: CONTENT_TYPE,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`schema registry ${method} ${path}: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  }

  /** Deletes the demo's subjects (tests; the subjects carry the topic prefix). */
  async deleteSubjects(): Promise<void> {
    for (const logical of Object.keys(AVRO_TOPICS)) {
      const subject = encodeURIComponent(this.subject(logical));
      await this.http("DELETE", `/subjects/${subject}`).catch(() => undefined);
      await this.http("DELETE", `/subjects/${subject}?permanent=true`).catch(() => undefined);
    }
  }
}
