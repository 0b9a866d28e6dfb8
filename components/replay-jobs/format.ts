import type { ReplayItemState, ReplayJobState } from "~/server/db/schema";
import { originNoun, shortClass } from "../dlq/format";
import type { ReplayJob } from "./types";

/** Kept here (not imported from the schema) so the client bundle does not pull in drizzle. */
export const JOB_STATES: readonly ReplayJobState[] = ["draft", "queued", "running", "waiting", "paused", "cancelled", "completed", "failed"];
export const ITEM_STATES: readonly ReplayItemState[] = ["pending", "sending", "sent", "done", "skipped", "failed"];

const TERMINAL: ReadonlySet<ReplayJobState> = new Set<ReplayJobState>(["cancelled", "completed", "failed"]);

/** A job that will not change any more (the draft changes only when started). */
export function isTerminal(state: ReplayJobState): boolean {
  return TERMINAL.has(state);
}

export const STATE_STYLE: Record<ReplayJobState, string> = {
  draft: "bg-slate-100 text-slate-700 border-slate-300",
  queued: "bg-sky-50 text-sky-800 border-sky-200",
  running: "bg-sky-100 text-sky-900 border-sky-300",
  waiting: "bg-amber-50 text-amber-900 border-amber-300",
  paused: "bg-amber-100 text-amber-900 border-amber-300",
  cancelled: "bg-slate-100 text-slate-600 border-slate-300",
  completed: "bg-emerald-50 text-emerald-800 border-emerald-300",
  failed: "bg-red-50 text-red-800 border-red-300",
};

export const ITEM_STATE_STYLE: Record<ReplayItemState, string> = {
  pending: "text-slate-500",
  sending: "text-sky-700",
  sent: "text-sky-800",
  done: "text-emerald-700",
  skipped: "text-amber-700",
  failed: "text-red-700",
};

export function actionLabel(action: ReplayJob["action"]): string {
  if (action === "discard") return "Bulk discard";
  if (action === "move") return "SQS move task";
  return "Bulk replay";
}

/** "filter: record.x == 1", "failure group NullPointerException", "12 selected messages", "the whole DLQ". */
export function selectionSummary(job: Pick<ReplayJob, "selection" | "dryRun" | "action">): string {
  const selection = job.selection;
  if (job.action === "move") return "the whole DLQ (SQS move task)";
  switch (selection.source) {
    case "filter":
      return `filter: ${selection.expression ?? ""}`;
    case "group": {
      const group = job.dryRun?.byGroup.find((g) => g.fingerprint === selection.fingerprint);
      return group ? `failure group ${shortClass(group.exceptionClass)}${group.pattern ? `: ${group.pattern}` : ""}` : `failure group ${selection.fingerprint ?? "?"}`;
    }
    case "selection": {
      const n = selection.ids?.length ?? 0;
      return `${n.toLocaleString()} selected message${n === 1 ? "" : "s"}`;
    }
    default:
      return "the whole DLQ";
  }
}

/** Where the job sends its copies. */
export function targetSummary(job: Pick<ReplayJob, "target" | "action" | "kind" | "dryRun">): string {
  if (job.action === "discard") return "none (discarded)";
  if (job.action === "move") return job.target ?? "each message's source queue";
  if (job.target) return job.target;
  const targets = job.dryRun?.byTarget.map((t) => t.target) ?? [];
  const noun = originNoun(job.kind);
  if (targets.length === 0) return `each message's ${noun}`;
  const shown = targets.slice(0, 3).join(", ");
  return `${noun}${targets.length === 1 ? "" : "s"}: ${shown}${targets.length > 3 ? ` +${targets.length - 3}` : ""}`;
}

/** Seconds as "45 s", "12 min 3 s", "3 h 5 min". */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return "—";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min${s % 60 ? ` ${s % 60} s` : ""}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatRate(rate: number | null | undefined): string {
  if (rate === null || rate === undefined || !Number.isFinite(rate)) return "—";
  const shown = Number.isInteger(rate) || rate >= 100 ? Math.round(rate).toLocaleString() : rate.toFixed(rate >= 10 ? 0 : 1);
  return `${shown} msg/s`;
}

/** How long a job ran (or has been running). */
export function jobDurationSeconds(job: Pick<ReplayJob, "startedAt" | "finishedAt">, now: number): number | null {
  if (!job.startedAt) return null;
  const end = job.finishedAt ? job.finishedAt.getTime() : now;
  return Math.max(0, (end - job.startedAt.getTime()) / 1000);
}

export function jobHref(id: string): string {
  return `/replays/${encodeURIComponent(id)}`;
}

/** What a job came to, in words, for the Replays list: delivered, came back, failed, or still under way. */
export function jobOutcome(job: Pick<ReplayJob, "state" | "action" | "total" | "done" | "skipped" | "failed" | "cameBack" | "stateReason">): { text: string; tone: "good" | "bad" | "neutral" } {
  const copies = job.action === "discard" ? "discarded" : job.action === "move" ? "moved" : "delivered";
  if (job.state === "draft") return { text: "dry run only: nothing sent", tone: "neutral" };
  if (!isTerminal(job.state)) return { text: `${job.state}: ${job.done.toLocaleString()} of ${job.total.toLocaleString()} ${copies} so far`, tone: "neutral" };
  const parts = [`${job.done.toLocaleString()} of ${job.total.toLocaleString()} ${copies}`];
  if (job.failed > 0) parts.push(`${job.failed.toLocaleString()} failed`);
  if (job.skipped > 0) parts.push(`${job.skipped.toLocaleString()} skipped`);
  if (job.action === "replay") parts.push(job.cameBack > 0 ? `${job.cameBack.toLocaleString()} came back to a DLQ` : "none came back");
  const bad = job.state === "failed" || job.failed > 0 || job.cameBack > 0;
  const prefix = job.state === "completed" ? "" : `${job.state}: `;
  return { text: prefix + parts.join(", "), tone: bad ? "bad" : job.state === "completed" ? "good" : "neutral" };
}

export const OUTCOME_TONE = { good: "text-emerald-700", bad: "text-red-700", neutral: "text-slate-600" } as const;
