/** What one batch did: how many items it settled, and whether none were left to take. */
export interface BatchOutcome {
  processed: number;
  finished: boolean;
}

/** The broker-specific half of a replay job; the runner does state, pacing, the canary and the guard. */
export interface ReplayExecutor {
  /** Once per slice, before anything else (e.g. note where the DLQ ends, to watch for copies that die again). */
  prepare(): Promise<void>;
  /** Settles a batch a dead worker left in flight; returns how many items it had. */
  recover(): Promise<number>;
  /** Replays (or discards) up to `limit` more items. */
  runBatch(limit: number): Promise<BatchOutcome>;
  /**
   * Links copies that died again to their items; returns how many were new. `thorough`: look at the DLQ on
   * purpose even where that costs (SQS: receive and release), as the canary's watch does.
   */
  checkCameBack(thorough: boolean): Promise<number>;
  /** Called when the slice ends, also on failure (e.g. make held SQS messages visible again). */
  close(): Promise<void>;
}
