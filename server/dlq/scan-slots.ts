import { DomainError } from "~/server/lib/errors";
/**
 * A per-user cap on concurrent filtered reads (searches, filtered exports, filtered dry runs), so one user
 * cannot hold every filter worker. Per process: each replica counts the scans it runs itself.
 */
export const MAX_SCANS_PER_USER = 2;

export class TooManyScans extends DomainError {
  readonly refusal = "rate-limited";
  constructor(limit: number) {
    super(`You already have ${limit} filtered scans running (searches, exports or dry runs); wait for one to finish or cancel it.`);
    this.name = "TooManyScans";
  }
}

const holder = globalThis as unknown as { __redriveScanSlots?: Map<string, number> };
const running = (holder.__redriveScanSlots ??= new Map());

/** Takes one of the user's slots or throws TooManyScans; the returned function gives it back (once). */
export function takeScanSlot(owner: string, limit = MAX_SCANS_PER_USER): () => void {
  const now = running.get(owner) ?? 0;
  if (now >= limit) throw new TooManyScans(limit);
  running.set(owner, now + 1);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (running.get(owner) ?? 1) - 1;
    if (left <= 0) running.delete(owner);
    else running.set(owner, left);
  };
}
