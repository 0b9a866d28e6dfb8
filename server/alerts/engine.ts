import type { RedriveConfig } from "~/server/config/schema";
import { OUTBOX_SAMPLE_INTERVAL_MS } from "~/server/jobs/outbox-sampler";
import { latestPoints, planRule, type RoundPlan, type RoundTransition } from "./round";
import { listRules } from "./rules";
import { signals, windowOf, type SignalContext } from "./signals";
import { activeSilences, loadInstances, saveRound } from "./state";
import type { Rule, Series } from "./types";

/**
 * A sample older than this many of its collector's intervals counts as no data. The "samples_stale" signal
 * is what pages about a collector that stopped; here staleness only keeps old values from firing.
 */
export function staleAfterMs(config: RedriveConfig): number {
  const intervals = [...config.kafka.map((k) => k.sampleIntervalSeconds * 1000), ...config.sqs.map((s) => s.sampleIntervalSeconds * 1000), OUTBOX_SAMPLE_INTERVAL_MS];
  return Math.max(60_000, 3 * Math.max(...intervals));
}

export interface RoundResult {
  rules: number;
  transitions: RoundTransition[];
  durationMs: number;
  /** Where the round's time went: reading the signals, stepping the rules, writing instances and history. */
  phasesMs: { read: number; plan: number; save: number };
}

/**
 * One evaluation of every enabled rule over the stored samples. Rules that share a signal and window read it
 * once. Called by the collector's lease holder after each round, so nothing evaluates twice with replicas.
 */
export async function evaluateRound(ctx: SignalContext, options: { now?: number; staleAfterMs: number }): Promise<RoundResult> {
  const started = performance.now();
  const now = options.now ?? Date.now();
  const rules = (await listRules(ctx.db)).filter((r) => r.enabled);
  // A round steps each object's newest point only, and one older than staleAfterMs counts as no data: so it
  // reads no further back than that (growth signals add their window themselves).
  const since = now - options.staleAfterMs;
  const reads = new Map<string, Promise<Series[] | null>>();
  const keyOf = (rule: Rule) => `${rule.signal}/${windowOf(rule)}`;
  for (const rule of rules) {
    const key = keyOf(rule);
    if (reads.has(key)) continue;
    const scope = { connections: [], names: [], exclude: [] };
    // A signal that cannot be read (an application database down) leaves its rules as they were this round.
    reads.set(key, signals[rule.signal].read(ctx, { since, until: now, windowSeconds: windowOf(rule), scope }).catch(() => null));
  }
  const [known, silences, read] = await Promise.all([
    loadInstances(ctx.db, rules.map((r) => r.id)),
    activeSilences(ctx.db, new Date(now)),
    Promise.all([...reads].map(async ([key, series]) => [key, await series] as const)).then((all) => new Map(all)),
  ]);
  const planned = performance.now();
  const plan: RoundPlan = { save: [], remove: [], transitions: [] };
  const latestByRead = new Map<string, ReturnType<typeof latestPoints>>();
  for (const rule of rules) {
    const key = keyOf(rule);
    const series = read.get(key);
    if (!series) continue;
    if (!latestByRead.has(key)) latestByRead.set(key, latestPoints(series, now, options.staleAfterMs));
    const part = planRule(rule, signals[rule.signal].unit, latestByRead.get(key)!, known.get(rule.id) ?? new Map(), silences, now);
    plan.save.push(...part.save);
    plan.remove.push(...part.remove);
    plan.transitions.push(...part.transitions);
  }
  const saving = performance.now();
  await saveRound(ctx.db, plan);
  const ended = performance.now();
  return { rules: rules.length, transitions: plan.transitions, durationMs: ended - started, phasesMs: { read: planned - started, plan: saving - planned, save: ended - saving } };
}

/** Serialises rounds: a round asked for while one runs is run once after it (rounds never overlap). */
export class AlertEngine {
  private running: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly ctx: SignalContext,
    private readonly options: { staleAfterMs: number; onRound?: (result: RoundResult) => Promise<void> },
  ) {}

  evaluate(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        const result = await evaluateRound(this.ctx, { staleAfterMs: this.options.staleAfterMs });
        await this.options.onRound?.(result);
      } while (this.again);
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
