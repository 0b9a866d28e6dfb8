/** Seconds as "42 s", "7 min", "3.2 h", "2.1 d". */
export function ageText(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 120) return `${Math.round(seconds)} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172_800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86_400).toFixed(1)} d`;
}

export function since(date: Date | null | undefined, now = Date.now()): string {
  return date ? `${ageText((now - date.getTime()) / 1000)} ago` : "—";
}

export function timeText(date: Date | null | undefined): string {
  return date ? date.toLocaleString(undefined, { hour12: false }) : "—";
}

export const statusColours: Record<string, string> = {
  running: "bg-sky-100 text-sky-800",
  compensating: "bg-amber-100 text-amber-800",
  completed: "bg-green-100 text-green-800",
  // "failed" ends a saga whose completed steps were all compensated: a rollback that worked, not an alarm.
  failed: "bg-teal-100 text-teal-800",
  compensation_failed: "bg-red-100 text-red-800",
};

export function sagaHref(database: string, id: string): string {
  return `/sagas/${encodeURIComponent(database)}/${encodeURIComponent(id)}`;
}

/** Status words: "failed" is said as what it is, a saga rolled back by its compensations. */
export const statusLabels: Record<string, string> = {
  failed: "compensated",
  compensation_failed: "compensation failed",
};

export const statusTitles: Record<string, string> = {
  failed: "Failed, and every completed step was compensated (rolled back): nothing is left to do.",
  compensation_failed: "A compensation failed: the saga is half rolled back and needs a human.",
};

export function statusLabel(status: string): string {
  return statusLabels[status] ?? status.replace("_", " ");
}
