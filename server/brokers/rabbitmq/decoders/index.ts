import { springAmqpDecoder } from "./spring-amqp";
import type { FailureDecoder, RabbitFailure, RabbitHeaders } from "./types";
import { xDeathDecoder } from "./x-death";
import { xFirstDeathDecoder } from "./x-first-death";

export type { DeathReason, FailureDecoder, RabbitFailure, RabbitHeaders, XDeathEntry } from "./types";
export { xDeathEntries, amqpTimestampMs } from "./x-death";

/**
 * Most specific first: Spring names the listener's exchange and key (the message's real origin when the
 * application republished it); x-first-death is exact about the first death; x-death adds counts and times.
 */
export const RABBIT_FAILURE_DECODERS: readonly FailureDecoder[] = [springAmqpDecoder, xFirstDeathDecoder, xDeathDecoder];

const EMPTY: RabbitFailure = {
  conventions: [],
  exceptionClass: null,
  causeClass: null,
  message: null,
  stacktrace: null,
  originalExchange: null,
  originalRoutingKey: null,
  sourceQueue: null,
  deathReason: null,
  deathCount: null,
  deathTimeMs: null,
  deaths: [],
};

/** Every decoder that recognises the headers, merged: a field keeps the first (most specific) value found. */
export function decodeRabbitFailure(headers: RabbitHeaders | undefined): RabbitFailure | null {
  if (!headers) return null;
  const found = RABBIT_FAILURE_DECODERS.filter((d) => d.canDecode(headers));
  if (found.length === 0) return null;
  const result: RabbitFailure = { ...EMPTY, conventions: found.map((d) => d.name) };
  const fields = result as unknown as Record<string, unknown>;
  for (const decoder of found) {
    for (const [key, value] of Object.entries(decoder.decode(headers))) {
      if (key === "deaths") result.deaths = value as RabbitFailure["deaths"];
      else if (fields[key] === null && value !== null && value !== undefined) fields[key] = value;
    }
  }
  // x-first-death names the first death's queue and reason exactly: take that entry's count and time.
  const firstDeath = result.deaths.find((d) => d.queue === result.sourceQueue && d.reason === result.deathReason);
  if (firstDeath) {
    result.deathCount = firstDeath.count;
    result.deathTimeMs = firstDeath.timeMs;
    if (!found.includes(springAmqpDecoder)) result.originalRoutingKey = firstDeath.routingKeys[0] ?? result.originalRoutingKey;
  }
  return result;
}
