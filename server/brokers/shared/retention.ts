/** How many dead letters retention removes soon, from what each broker can tell. Pure, so it is tested apart. */

/**
 * Kafka: records older than (now - retention + within) are past retention within `within`; per partition, those
 * from the log start up to the first offset at that time. Kafka deletes whole segments, so this is when they
 * become eligible: the earliest they can go.
 */
export function expiringFromOffsets(partitions: { logStartOffset: number; cutoffOffset: number }[]): { count: number } {
  return { count: partitions.reduce((sum, p) => sum + Math.max(0, p.cutoffOffset - p.logStartOffset), 0) };
}

/** SQS: each message goes at its original enqueue time plus the queue's retention (a DLQ keeps that time). */
export function expiringFromEnqueueTimes(retentionMs: number, withinMs: number, enqueuedAtMs: number[], now: number): { count: number; firstAtMs: number | null } {
  const horizon = now + withinMs;
  let count = 0;
  let firstAtMs: number | null = null;
  for (const enqueued of enqueuedAtMs) {
    if (!(enqueued > 0)) continue;
    const at = enqueued + retentionMs;
    if (at > horizon) continue;
    count += 1;
    firstAtMs = firstAtMs === null ? at : Math.min(firstAtMs, at);
  }
  return { count, firstAtMs };
}
