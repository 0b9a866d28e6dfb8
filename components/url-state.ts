"use client";

import { parseAsArrayOf, parseAsBoolean, parseAsInteger, parseAsString, parseAsStringLiteral, useQueryState } from "nuqs";
import { chartRanges, type ChartRange } from "./charts/ranges";

/**
 * View state that lives in the URL (nuqs), so a reload, back/forward or a link pasted into an incident
 * channel opens the same view. Steps a person takes (a tab, an opened message, a started search, a
 * range) push a history entry; typing and sorting replace the current one, so back is not a keystroke log.
 */

export const dlqTabs = ["messages", "groups", "search"] as const;
export type DlqTab = (typeof dlqTabs)[number];

export const useDlqTab = () => useQueryState("tab", parseAsStringLiteral(dlqTabs).withDefault("messages").withOptions({ history: "push" }));
/** The CEL filter text as typed. */
export const useFilterText = () => useQueryState("q", parseAsString.withDefault("").withOptions({ history: "replace" }));
/** The search whose results are shown (kept 15 minutes on the server). */
export const useScanId = () => useQueryState("scan", parseAsString.withOptions({ history: "push" }));
/** The message open beside a table: `msg` on the Messages tab, `match` among search results. */
export const useOpenMessage = (key: "msg" | "match") => useQueryState(key, parseAsString.withOptions({ history: "push" }));

/** Kafka DLQ browser: list records of aborted transactions too (hidden by default, as read_committed consumers see the topic). */
export const useShowAborted = () => useQueryState("aborted", parseAsBoolean.withDefault(false).withOptions({ history: "replace" }));

export function useChartRange(fallback: ChartRange) {
  return useQueryState("range", parseAsStringLiteral(chartRanges).withDefault(fallback).withOptions({ history: "push" }));
}

export const useTextParam = (key: string) => useQueryState(key, parseAsString.withDefault("").withOptions({ history: "replace" }));
export const usePageParam = () => useQueryState("page", parseAsInteger.withDefault(0).withOptions({ history: "replace" }));
export function useListParam<T extends string>(key: string, values: readonly T[]) {
  return useQueryState(key, parseAsArrayOf(parseAsStringLiteral(values)).withDefault([]).withOptions({ history: "replace" }));
}
export function useLiteralParam<T extends string>(key: string, values: readonly T[], fallback: T) {
  return useQueryState(key, parseAsStringLiteral(values).withDefault(fallback).withOptions({ history: "replace" }));
}
