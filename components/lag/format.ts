import { partitionStatuses, type PartitionStatus } from "~/server/lag/health-rules";
import { formatLagSeconds, type LagSeconds } from "~/server/lag/lag-seconds";

export { partitionStatuses, type PartitionStatus };

export type LagSecondsKind = LagSeconds["kind"];

/** Rebuilds the server's LagSeconds union from the two stored columns. */
export function toLagSeconds(seconds: number | null, kind: LagSecondsKind | null): LagSeconds {
  if (seconds === null || kind === null || kind === "unknown") return { kind: "unknown" };
  return { kind, seconds };
}

/** "12 s", "~3 min 4 s" (estimated), "> 2 h" (lower bound), or "unknown". */
export function lagSecondsText(seconds: number | null, kind: LagSecondsKind | null): string {
  return formatLagSeconds(toLagSeconds(seconds, kind));
}

/** A plain duration, for ages of snapshots. */
export function durationText(seconds: number): string {
  return formatLagSeconds({ kind: "exact", seconds: Math.max(0, Math.round(seconds)) });
}

export function formatNumber(value: number | null | undefined): string {
  return value === null || value === undefined ? "—" : value.toLocaleString();
}

/** +N / −N (a real minus sign), 0, or — when there is no sample an hour back. */
export function formatGrowth(value: number | null): string {
  if (value === null) return "—";
  const rounded = Math.round(value);
  if (rounded > 0) return `+${rounded.toLocaleString()}`;
  if (rounded < 0) return `−${Math.abs(rounded).toLocaleString()}`;
  return "0";
}

export function isPartitionStatus(value: string): value is PartitionStatus {
  return (partitionStatuses as readonly string[]).includes(value);
}

/** Path of a group page; both segments are encoded, so any group id is a valid URL. */
export function groupHref(connection: string, groupId: string): string {
  return `/lag/${encodeURIComponent(connection)}/${encodeURIComponent(groupId)}`;
}

/** Path of a JetStream consumer's page ("<stream>.<consumer>"); a route of its own, so names never clash with Kafka groups. */
export function streamConsumerHref(connection: string, consumer: string): string {
  return `/jetstream/${encodeURIComponent(connection)}/${encodeURIComponent(consumer)}`;
}

/** Seconds measured from a message time (JetStream lag in seconds is exact or unknown, never estimated). */
export function secondsText(seconds: number | null): string {
  return seconds === null ? "unknown" : lagSecondsText(seconds, "exact");
}
