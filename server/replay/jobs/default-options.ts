import type { ReplayJobOptions } from "~/server/db/schema";

/** A job's options when the operator leaves them as they are (the bulk dialog shows these too). */
export const DEFAULT_JOB_OPTIONS: ReplayJobOptions = {
  ratePerSecond: null,
  batchSize: 500,
  canarySize: 10,
  canaryWaitSeconds: 30,
  maxFailShare: 0.2,
  keepErrorHeaders: false,
  overrideLoopGuard: false,
  includeResolved: false,
};
