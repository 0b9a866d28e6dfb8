import { headerText, type FailureDecoder } from "./types";

/**
 * x-first-death-reason/-queue/-exchange: set once, at the first dead-lettering, and never changed. They
 * survive where x-death was stripped (some clients and shovels drop tables) and name the first death
 * exactly even when x-death holds several queues.
 */
export const xFirstDeathDecoder: FailureDecoder = {
  name: "x-first-death",
  canDecode: (headers) => headerText(headers["x-first-death-queue"]) !== null || headerText(headers["x-first-death-reason"]) !== null,
  decode(headers) {
    return {
      sourceQueue: headerText(headers["x-first-death-queue"]),
      deathReason: headerText(headers["x-first-death-reason"]),
      originalExchange: headerText(headers["x-first-death-exchange"]),
    };
  },
};
