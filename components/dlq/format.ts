/** Path of a DLQ page (a NATS one is a consumer's dead-letter set, "<stream>.<consumer>"); every segment is encoded, so any queue or topic name is a valid URL. */
export function dlqHref(kind: BrokerKindName, connection: string, name: string): string {
  return `/dlqs/${encodeURIComponent(kind)}/${encodeURIComponent(connection)}/${encodeURIComponent(name)}`;
}

/** How people name a broker kind (as its plugin's label; the plugins themselves are server-only). */
export function brokerLabel(kind: BrokerKindName): string {
  return BROKER_LABELS[kind];
}

/** Every broker kind a component may be handed (the registry's kinds; the registry itself is server-only). */
export type BrokerKindName = "kafka" | "sqs" | "rabbitmq" | "nats";
const BROKER_LABELS: Record<BrokerKindName, string> = { kafka: "Kafka", sqs: "SQS", rabbitmq: "RabbitMQ", nats: "NATS JetStream" };

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
export function downloadHref(input: { kind: BrokerKindName; connection: string; dlq: string; id: string; snapshotId?: string; part: "value" | "key" }): string {
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
export function resourceNoun(kind: BrokerKindName): string {
  return RESOURCE_NOUNS[kind];
}
const RESOURCE_NOUNS: Record<BrokerKindName, string> = { kafka: "topic", sqs: "queue", rabbitmq: "queue", nats: "consumer" };

/** What a replay is sent to on this broker. */
export function targetNoun(kind: BrokerKindName): string {
  return TARGET_NOUNS[kind];
}
const TARGET_NOUNS: Record<BrokerKindName, string> = { kafka: "topic", sqs: "queue", rabbitmq: "queue", nats: "subject" };
