import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { likePattern } from "~/server/auth/readable-sql";
import type { Connections } from "~/server/connections/registry";
import type { ControlDb } from "~/server/db/control-store";
import type { Point, Scope, Series, SignalId } from "../types";

export interface SignalContext {
  db: ControlDb;
  connections: Connections;
}

export interface SignalQuery {
  /** Points from `since` to `until` (ms since epoch). */
  since: number;
  until: number;
  /** Growth signals: the window the change is measured over. */
  windowSeconds: number;
  /** Narrows what is read (matched again in memory: SQL LIKE is only a prefilter). */
  scope: Scope;
}

export type ObjectKind = "group" | "dlq" | "database" | "saga_type" | "replay_job" | "connection";

export interface SignalDef {
  id: SignalId;
  title: string;
  description: string;
  object: ObjectKind;
  unit: "count" | "seconds" | "per_second" | "status" | "flag";
  /** The values a status signal takes. */
  statuses?: readonly string[];
  /** False: read live from the application or job tables, which keep no history, so no backtest. */
  history: boolean;
  defaultWindowSeconds?: number;
  read(ctx: SignalContext, query: SignalQuery): Promise<Series[]>;
}

/** `*` globs as a LIKE prefilter (true when there are none). */
export function likeAny(column: AnyColumn | SQL, patterns: string[]): SQL {
  if (patterns.length === 0) return sql`true`;
  const likes = patterns.map((p) => sql`${column} like ${likePattern(p)}`);
  return sql`(${sql.join(likes, sql` or `)})`;
}

/** Groups rows into series by key, in the rows' order (callers sort by time). */
export function toSeries<R>(rows: R[], describe: (row: R) => Omit<Series, "points">, point: (row: R) => Point): Series[] {
  const byKey = new Map<string, Series>();
  for (const row of rows) {
    const meta = describe(row);
    let series = byKey.get(meta.key);
    if (!series) {
      series = { ...meta, points: [] };
      byKey.set(meta.key, series);
    }
    series.points.push(point(row));
  }
  return [...byKey.values()];
}

/**
 * Change over a trailing window: at each point, the value minus the value at the first point at or after
 * `at - window` (the earliest available at the start of the data). Points before `since` only serve as
 * the base and are dropped. `perSecond` divides by the time actually spanned.
 */
export function windowedChange(points: Point[], windowMs: number, since: number, perSecond: boolean): Point[] {
  const out: Point[] = [];
  let base = 0;
  for (let i = 0; i < points.length; i++) {
    const point = points[i]!;
    while (base < i && points[base]!.at < point.at - windowMs) base++;
    if (point.at < since) continue;
    const first = points[base]!;
    if (typeof point.value !== "number" || typeof first.value !== "number") {
      out.push({ at: point.at, value: null });
      continue;
    }
    const change = point.value - first.value;
    const seconds = (point.at - first.at) / 1000;
    out.push({ at: point.at, value: perSecond ? (seconds > 0 ? change / seconds : 0) : change });
  }
  return out;
}

export const enc = encodeURIComponent;
export const toMs = (value: Date | string) => (value instanceof Date ? value.getTime() : new Date(value).getTime());
