import { globToRegExp } from "./kafka-lag";
import type { LagTrend } from "./lag-words";

/**
 * What the Overview's "Needs attention" lists first: what a person should act on now, not the biggest
 * number. A live consumer ten minutes behind outranks a member-less test group that stopped a day ago.
 *
 * Tiers, most urgent first (then by lag in time, then by messages):
 *   0. members present and falling behind, stalled, rewound or warned about: consumers are running and losing;
 *   1. no members while messages keep arriving: a consumer is down and the backlog grows;
 *   2. members present and behind, but catching up or keeping pace;
 *   3. no members and nothing arriving: left behind, idle (often a test or retired group).
 * Caught-up OK groups and groups matching the connection's `ignoreGroups` patterns are not listed.
 */

export interface AttentionGroup {
  connection: string;
  groupId: string;
  status: string;
  members: number;
  totalLag: number;
  maxLagSeconds: number | null;
  trend: LagTrend;
}

export function attentionTier(group: AttentionGroup): number {
  const live = group.members > 0;
  if (live && (group.status === "WARN" || group.status === "STALL" || group.status === "REWIND" || group.trend.kind === "falling-behind")) return 0;
  if (!live && (group.trend.producingPerSecond ?? 0) > 0) return 1;
  if (live) return 2;
  return 3;
}

export function needsHuman(group: AttentionGroup): boolean {
  return group.status !== "OK" || group.totalLag > 0;
}

/** A matcher for the glob patterns ('*' = any characters) of groups nobody needs to be told about. */
export function ignoredGroups(patterns: readonly string[]): (groupId: string) => boolean {
  const regexps = patterns.map(globToRegExp);
  return (groupId) => regexps.some((r) => r.test(groupId));
}

export function rankForAttention<T extends AttentionGroup>(groups: readonly T[], isIgnored: (group: T) => boolean, limit: number): (T & { tier: number })[] {
  return groups
    .filter((g) => needsHuman(g) && !isIgnored(g))
    .map((g) => ({ ...g, tier: attentionTier(g) }))
    .sort(
      (a, b) =>
        a.tier - b.tier ||
        (b.maxLagSeconds ?? -1) - (a.maxLagSeconds ?? -1) ||
        b.totalLag - a.totalLag ||
        a.groupId.localeCompare(b.groupId),
    )
    .slice(0, limit);
}
