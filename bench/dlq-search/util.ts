/** Small helpers of the DLQ search benchmark (shared ones in ../common). */
import { logger } from "../common/stats";

export const log = logger("bench:search");

export const rate = (count: number, ms: number) => Math.round(count / (ms / 1000));
export const fmtRate = (perSecond: number) => `${perSecond.toLocaleString("en")} msg/s`;
