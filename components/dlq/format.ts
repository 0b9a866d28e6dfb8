import type { BrokerKind } from "~/server/brokers/registry";

/**
 * How people name each broker and its parts, as its plugin does (label, resourceNoun; the plugins are server-only,
 * tests/unit/broker-registry.test.ts holds these to them). Typed over every registered kind, so a new broker does
 * not compile until it is named here.
 */
export const BROKER_TERMS: {
  [K in BrokerKind]: { label: string; resourceNoun: "topic" | "queue" | "consumer"; target: "topic" | "queue" | "subject"; headers: string; header: string };
} = {
  kafka: { label: "Kafka", resourceNoun: "topic", target: "topic", headers: "Headers", header: "header" },
  sqs: { label: "SQS", resourceNoun: "queue", target: "queue", headers: "Message attributes", header: "attribute" },
  rabbitmq: { label: "RabbitMQ", resourceNoun: "queue", target: "queue", headers: "Headers", header: "header" },
  // A NATS DLQ is one consumer's dead letters ("<stream>.<consumer>"); a replay publishes to a subject.
  nats: { label: "NATS JetStream", resourceNoun: "consumer", target: "subject", headers: "Headers", header: "header" },
};

/** Whether a route segment names a registered broker kind. */
export function isDlqKind(kind: string): kind is BrokerKind {
  return Object.hasOwn(BROKER_TERMS, kind);
}

/** Path of a DLQ page (a NATS one is a consumer's dead-letter set, "<stream>.<consumer>"); every segment is encoded, so any queue or topic name is a valid URL. */
export function dlqHref(kind: BrokerKind, connection: string, name: string): string {
  return `/dlqs/${encodeURIComponent(kind)}/${encodeURIComponent(connection)}/${encodeURIComponent(name)}`;
}

/** How people name a broker kind (as its plugin's label). */
export function brokerLabel(kind: BrokerKind): string {
  return BROKER_TERMS[kind].label;
}

/** Where a dead letter's origin is, in words: what a replay "to its origin" sends the copy to. */
export function originNoun(kind: BrokerKind): string {
  return { kafka: "original topic", sqs: "source queue", rabbitmq: "original exchange and routing key", nats: "original subject" }[kind];
}

/** What the bulk dialog's "another destination" field takes (RabbitMQ: a queue, or an exchange and routing key). */
export function destinationHint(kind: BrokerKind): string {
  return { kafka: "topic name", sqs: "queue name", rabbitmq: "queue, or exchange / routing key", nats: "subject" }[kind];
}

/** "java.lang.NullPointerException" -> "NullPointerException". */
export function shortClass(className: string): string {
  const parts = className.split(/[.$]/);
  return parts.at(-1) || className;
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${size.toLocaleString()} B`;
  if (size < 1024 * 1024) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / (1024 * 1024)).toFixed(1)} MiB`;
}

export function formatDateTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return "—";
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

/** A table cell's time: the clock time today, the date and minute otherwise (the full time is the cell's title). */
export function formatCompactTime(ms: number | null | undefined, now: Date = new Date()): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms <= 0) return "—";
  const date = new Date(ms);
  if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(undefined, { hour12: false });
  return date.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
}

/** A coarse duration: "45 s", "12 min", "3 h 5 min", "4 d 2 h". */
export function formatDuration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return `${days} d ${hours % 24} h`;
}

/** Hex as lines of 16 space-separated bytes, for a <pre>. */
export function hexLines(hex: string): string {
  const lines: string[] = [];
  for (let i = 0; i < hex.length; i += 32) {
    const chunk = hex.slice(i, i + 32);
    lines.push(`${(i / 2).toString(16).padStart(8, "0")}  ${chunk.match(/.{1,2}/g)?.join(" ") ?? ""}`);
  }
  return lines.join("\n");
}

/** Link to the exact bytes of a message's value or key (served as an attachment). */
export function downloadHref(input: { kind: BrokerKind; connection: string; dlq: string; id: string; snapshotId?: string; part: "value" | "key" }): string {
  const params: [string, string][] = [
    ["kind", input.kind],
    ["connection", input.connection],
    ["dlq", input.dlq],
    ["id", input.id],
  ];
  if (input.snapshotId) params.push(["snapshotId", input.snapshotId]);
  params.push(["part", input.part]);
  return `/api/dlq/download?${params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}`;
}

/** What a DLQ is called on this broker (NATS: a consumer's dead letters). */
export function resourceNoun(kind: BrokerKind): "topic" | "queue" | "consumer" {
  return BROKER_TERMS[kind].resourceNoun;
}

/** What a replay is sent to on this broker (NATS: a subject). */
export function targetNoun(kind: BrokerKind): "topic" | "queue" | "subject" {
  return BROKER_TERMS[kind].target;
}
