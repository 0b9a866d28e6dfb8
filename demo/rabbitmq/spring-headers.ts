import { ERROR_ROUTING_KEY_PREFIX } from "./topology";

// Headers of Spring AMQP's RepublishMessageRecoverer, the common Spring way to dead-letter on RabbitMQ:
// after the retries, the failed message is republished (original body, properties and headers) to an
// error exchange with these four headers added, and the original is acked.

export const SPRING_REPUBLISH_HEADERS = {
  exceptionStacktrace: "x-exception-stacktrace",
  exceptionMessage: "x-exception-message",
  originalExchange: "x-original-exchange",
  originalRoutingKey: "x-original-routingKey",
} as const;

/**
 * Spring caps the stack trace at frame_max minus a 20000-byte headroom. amqplib encodes a headers table in
 * 64 KiB at most (2.3.1 throws a RangeError beyond), and a UTF-8 char takes up to 3 bytes: 16000 chars is safe.
 */
export const MAX_STACKTRACE_CHARS = 16_000;

export interface RepublishInput {
  /** Headers of the failed message (kept, as Spring keeps them). */
  headers: Record<string, unknown> | undefined;
  error: Error;
  /** Exchange and routing key the failed message was received with. */
  exchange: string;
  routingKey: string;
  maxStacktraceChars?: number;
}

/** Spring reports the cause's message when there is a cause (ListenerExecutionFailedException wraps it). */
export function exceptionMessage(error: Error): string {
  return error.cause instanceof Error ? error.cause.message : error.message;
}

export function buildRepublishHeaders(input: RepublishInput): Record<string, unknown> {
  const max = input.maxStacktraceChars ?? MAX_STACKTRACE_CHARS;
  const message = exceptionMessage(input.error);
  let stack = input.error.stack ?? `${input.error.name}: ${input.error.message}`;
  // As Spring does: the stack trace gives way so that trace + message fit the budget.
  if (stack.length + message.length > max) stack = stack.slice(0, Math.max(0, max - message.length));
  return {
    ...(input.headers ?? {}),
    [SPRING_REPUBLISH_HEADERS.exceptionStacktrace]: stack,
    [SPRING_REPUBLISH_HEADERS.exceptionMessage]: message,
    [SPRING_REPUBLISH_HEADERS.originalExchange]: input.exchange,
    [SPRING_REPUBLISH_HEADERS.originalRoutingKey]: input.routingKey,
  };
}

/** Spring's default when no error routing key is configured: the prefix plus the received routing key. */
export function errorRoutingKey(receivedRoutingKey: string): string {
  return `${ERROR_ROUTING_KEY_PREFIX}${receivedRoutingKey}`;
}
