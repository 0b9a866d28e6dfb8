/**
 * Consumer health without lag thresholds, after LinkedIn Burrow's evaluation rules
 * (https://github.com/linkedin/Burrow/wiki/Consumer-Lag-Evaluation-Rules).
 *
 * A partition is judged from a window of samples (oldest -> newest) plus the group's state
 * right now. Where these rules differ from Burrow, the reason is given next to the rule.
 * Burrow decides STOP from how old the last commit is; we have the group state from the
 * broker, which is both faster (one sample) and not fooled by a consumer that is idle
 * because there is nothing to read.
 */

export const partitionStatuses = ["OK", "WARN", "REWIND", "STALL", "STOP"] as const; // ascending severity
export type PartitionStatus = (typeof partitionStatuses)[number];

export interface PartitionSample {
  at: number; // sample time, ms since epoch
  committedOffset: number | null; // null = the group has no committed offset for this partition
  logEndOffset: number;
  lag: number | null; // logEnd - committed (null when committed is null)
}

export interface GroupState {
  // Kafka group state now: classic "Stable" | "Empty" | "PreparingRebalance" | "CompletingRebalance" | "Dead";
  // consumer protocol (KIP-848) "Stable" | "Empty" | "Assigning" | "Reconciling" | "Dead" | ...
  state: string;
  memberCount: number; // members now
}

/** Samples per window; Burrow's default number of intervals. The caller trims the window. */
export const DEFAULT_WINDOW_SIZE = 10;

/** A trend needs this many points, so a single uptick between two samples is not a warning. */
const MIN_SAMPLES_FOR_WARN = 3;
/** "Not moving" needs at least two observations of the same offset. */
const MIN_SAMPLES_FOR_STALL = 2;

export function severity(status: PartitionStatus): number {
  return partitionStatuses.indexOf(status);
}

export function worstStatus(statuses: Iterable<PartitionStatus>): PartitionStatus {
  let worst: PartitionStatus = "OK";
  for (const status of statuses) {
    if (severity(status) > severity(worst)) worst = status;
  }
  return worst;
}

/** Nobody is consuming and nobody can commit: Empty has no members, Dead is being deleted. */
function isStopped(group: GroupState): boolean {
  return group.memberCount === 0 && (group.state === "Empty" || group.state === "Dead");
}

/**
 * Membership is in flux; commits pause while partitions are reassigned, so a frozen offset
 * or a missing member says nothing about health yet. Zero members outside Empty/Dead is a
 * group between generations, not a stopped one.
 */
// KIP-848 groups rebalance incrementally: "Assigning" (new target assignment) and "Reconciling"
// (members moving to it) are their counterparts of the classic rebalance states.
const REBALANCING_STATES = new Set(["PreparingRebalance", "CompletingRebalance", "Assigning", "Reconciling"]);

function isRebalancing(group: GroupState): boolean {
  if (REBALANCING_STATES.has(group.state)) return true;
  return group.memberCount === 0 && !isStopped(group);
}

/** Trust the sampled lag; derive it from offsets only if the sampler left it out. */
function lagOf(sample: PartitionSample): number | null {
  if (sample.lag !== null) return sample.lag;
  return sample.committedOffset === null ? null : sample.logEndOffset - sample.committedOffset;
}

function hasRewound(window: PartitionSample[]): boolean {
  for (let i = 1; i < window.length; i++) {
    const previous = window[i - 1]?.committedOffset ?? null;
    const current = window[i]?.committedOffset ?? null;
    // A commit disappearing (null) is offset expiry, not a reset; only a lower offset counts.
    if (previous !== null && current !== null && current < previous) return true;
  }
  return false;
}

function committedNeverMoved(window: PartitionSample[]): boolean {
  const first = window[0]?.committedOffset ?? null;
  return first !== null && window.every((sample) => sample.committedOffset === first);
}

/** Lags of the newest samples back to the last unknown one: a trend only counts since offsets were known. */
function trailingKnownLags(window: PartitionSample[]): number[] {
  const lags: number[] = [];
  for (let i = window.length - 1; i >= 0; i--) {
    const sample = window[i];
    const lag = sample === undefined ? null : lagOf(sample);
    if (lag === null) break;
    lags.unshift(lag);
  }
  return lags;
}

/** Each lag >= the one before and the last above the first: falling behind, not just steady. */
function isGrowing(lags: number[]): boolean {
  const first = lags[0];
  const last = lags[lags.length - 1];
  if (first === undefined || last === undefined || last <= first) return false;
  return lags.every((lag, i) => i === 0 || lag >= (lags[i - 1] ?? lag));
}

/**
 * Rules, checked in this order (the first that matches wins):
 *
 * 0. Empty window -> OK: no evidence of a problem.
 * 1. No committed offset at the latest sample -> STOP if the group is stopped (Empty/Dead,
 *    no members) and the partition has messages (logEnd > 0): nothing consumed, nothing
 *    consuming. Otherwise OK: a member may simply not have committed yet, and without a
 *    committed offset there is no lag to trend.
 * 2. STOP: group stopped and latest lag > 0. Decided from the current group state, so one
 *    sample is enough (Burrow instead waits until the last commit is older than the window,
 *    which takes a whole window and misfires on idle consumers).
 * 3. REWIND: the committed offset went backwards between two consecutive samples (offsets
 *    were reset). Beats lag 0 and WARN so a reset is never hidden by a consumer that has
 *    since caught up. (Burrow reports this as a warning-level status too.)
 * 4. Latest lag <= 0 -> OK. Burrow says OK if *any* lag in the window is zero; STALL and
 *    WARN below keep that by requiring lag > 0 throughout, so the only difference is that an
 *    earlier zero does not hide a STOP or REWIND, which are facts about now, not trends.
 * 5. STALL: members present (not rebalancing), at least 2 samples, the same committed offset
 *    across the whole window, and lag > 0 in every sample. Lag > 0 throughout (Burrow's
 *    "never zero") matters: consumers that are idle do not commit, so an idle group that
 *    just received a message would otherwise stall instantly.
 * 6. WARN: at least 3 samples with known lag at the end of the window, every lag > 0, each
 *    lag >= the previous and the last > the first. Burrow also warns on a fixed lag; we do
 *    not, because a consumer holding a constant lag is keeping up, not falling behind.
 * 7. Otherwise OK.
 *
 * While the group is rebalancing (PreparingRebalance/CompletingRebalance, or no members
 * without being Empty/Dead), rules 2 and 5 are skipped: commits pause during a rebalance,
 * and a routine rebalance must not flip a healthy group to an error.
 * A single sample can only yield STOP or OK, since every trend rule needs 2+ points.
 */
export function evaluatePartition(window: PartitionSample[], group: GroupState): PartitionStatus {
  const latest = window[window.length - 1];
  if (latest === undefined) return "OK";

  const stopped = isStopped(group);
  const latestLag = lagOf(latest);
  if (latest.committedOffset === null || latestLag === null) {
    return stopped && latest.logEndOffset > 0 ? "STOP" : "OK";
  }

  if (stopped && latestLag > 0) return "STOP";
  if (hasRewound(window)) return "REWIND";
  if (latestLag <= 0) return "OK";

  const membersConsuming = group.memberCount > 0 && !isRebalancing(group);
  const laggingThroughout = window.every((sample) => (lagOf(sample) ?? 0) > 0);
  if (membersConsuming && window.length >= MIN_SAMPLES_FOR_STALL && committedNeverMoved(window) && laggingThroughout) {
    return "STALL";
  }

  const lags = trailingKnownLags(window);
  if (lags.length >= MIN_SAMPLES_FOR_WARN && lags.every((lag) => lag > 0) && isGrowing(lags)) return "WARN";

  return "OK";
}

/** Share of ordered sample pairs that must rise for a noisy series to count as rising (Kendall's tau). */
const MIN_RISING_TAU = 0.5;
/** A noisy trend needs more points than a clean one. */
const MIN_SAMPLES_FOR_GROUP_WARN = 4;

/**
 * Rising steadily despite noise: over every ordered pair of samples, rises outnumber falls by at least
 * MIN_RISING_TAU of the pairs (Kendall's tau), and the newest is above the oldest.
 */
export function isRisingSteadily(values: readonly number[]): boolean {
  const first = values[0];
  const last = values[values.length - 1];
  if (first === undefined || last === undefined || last <= first) return false;
  let score = 0;
  for (let i = 0; i < values.length; i++) {
    for (let j = i + 1; j < values.length; j++) score += Math.sign(values[j]! - values[i]!);
  }
  const pairs = (values.length * (values.length - 1)) / 2;
  return score / pairs >= MIN_RISING_TAU;
}

/**
 * The group's own trend, on top of its partitions': WARN when the lag summed over the group's partitions
 * is above zero throughout and rising steadily over at least 4 samples. A consumer that commits in batches
 * gives every partition a sawtooth, which the per-partition rule (each lag >= the one before) reads as OK
 * while the total climbs for minutes; Burrow's rule is that a rising lag is a WARN.
 */
export function evaluateGroupTrend(totals: readonly number[], group: GroupState): PartitionStatus {
  if (isStopped(group) || totals.length < MIN_SAMPLES_FOR_GROUP_WARN) return "OK";
  if (!totals.every((lag) => lag > 0)) return "OK";
  return isRisingSteadily(totals) ? "WARN" : "OK";
}

/** The group is as healthy as its worst partition; no partitions is OK. */
export function evaluateGroup(
  partitions: { window: PartitionSample[] }[],
  group: GroupState,
): { status: PartitionStatus; partitionStatuses: PartitionStatus[] } {
  const statuses = partitions.map((partition) => evaluatePartition(partition.window, group));
  return { status: worstStatus(statuses), partitionStatuses: statuses };
}
