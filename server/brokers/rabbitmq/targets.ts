import type { ReplayDestination } from "./replay";

/**
 * A replay target as one string, for the broker-neutral replay API (a Kafka topic, an SQS queue): RabbitMQ
 * publishes to an exchange with a routing key, written "exchange / routing key" ("(default)" is the default
 * exchange). A bare name is a queue, reached through the default exchange (routing key = queue name).
 */
const SEPARATOR = " / ";
const DEFAULT_EXCHANGE = "(default)";

export function parseRabbitTarget(target: string): ReplayDestination {
  const at = target.indexOf(SEPARATOR);
  if (at < 0) return { exchange: "", routingKey: target };
  const exchange = target.slice(0, at);
  return { exchange: exchange === DEFAULT_EXCHANGE ? "" : exchange, routingKey: target.slice(at + SEPARATOR.length) };
}

export function formatRabbitTarget({ exchange, routingKey }: ReplayDestination): string {
  return `${exchange || DEFAULT_EXCHANGE}${SEPARATOR}${routingKey}`;
}
