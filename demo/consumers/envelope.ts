import type { KafkaMessage } from "kafkajs";
import type { AvroSerde } from "../avro/serde";
import { SCHEMA_VERSION } from "../outbox/outbox";

// Decoding of the demo's message envelope: UTF-8 JSON object with `schemaVersion: 1`, at most 256 KiB.
// Anything else is a poison message: it throws, is retried, then dead-lettered. The payment topics are Avro in
// the Confluent wire format (demo/avro/), read through the registry by decodeAvroMessage.

export const MAX_PAYLOAD_BYTES = 256 * 1024;

export class MalformedMessageError extends Error {
  override name = "MalformedMessageError";
}
export class UnknownSchemaVersionError extends Error {
  override name = "UnknownSchemaVersionError";
}
/** Named as the Kafka serdes name theirs: a Confluent-framed record the consumer's reader schema cannot read. */
export class SerializationException extends Error {
  override name = "SerializationException";
}
export class PayloadTooLargeError extends Error {
  override name = "PayloadTooLargeError";
}

export interface DecodedEvent {
  eventId: string;
  eventType: string;
  key: string | null;
  payload: Record<string, unknown>;
}

export function headerString(message: Pick<KafkaMessage, "headers">, name: string): string | undefined {
  const v = message.headers?.[name];
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Takes a Kafka record, or any message shaped like one (the RabbitMQ consumers adapt theirs). */
export function decodeMessage(message: Pick<KafkaMessage, "value" | "key" | "headers">, fallbackId: string): DecodedEvent {
  const value = message.value;
  if (!value || value.length === 0) throw new MalformedMessageError("empty message value");
  if (value.length > MAX_PAYLOAD_BYTES) {
    throw new PayloadTooLargeError(`payload is ${value.length} bytes, over the ${MAX_PAYLOAD_BYTES}-byte limit`);
  }
  // Avro in the Confluent wire format reaches here only when this consumer has no registry (decodeAvroMessage).
  if (isConfluentFramed(value)) {
    throw new SerializationException(`Error deserializing Avro message for id ${value.readInt32BE(1)}: this consumer has no schema registry`);
  }
  let text: string;
  try {
    text = utf8.decode(value);
  } catch (err) {
    throw new MalformedMessageError("payload is not valid UTF-8 (binary bytes)", { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MalformedMessageError(`payload is not JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new MalformedMessageError("payload is not a JSON object");
  }
  const payload = parsed as Record<string, unknown>;
  if (payload.schemaVersion !== SCHEMA_VERSION) {
    throw new UnknownSchemaVersionError(`unknown schemaVersion ${JSON.stringify(payload.schemaVersion)}`);
  }
  return {
    eventId: headerString(message, "event-id") ?? fallbackId,
    eventType: headerString(message, "event-type") ?? "unknown",
    key: message.key ? message.key.toString() : null,
    payload,
  };
}

/** A zero magic byte and a positive 4-byte schema id: the Confluent wire format. */
export function isConfluentFramed(value: Buffer | null): value is Buffer {
  return value !== null && value.length > 5 && value[0] === 0 && value.readInt32BE(1) > 0;
}

/**
 * A Confluent-framed Avro record, read with the subject's latest version through the registry. Any failure
 * (unknown id, a reader schema that cannot resolve the writer's, a registry that is down) is a
 * SerializationException, named and worded as the Kafka serdes word theirs, so the dead letter says what broke.
 */
export async function decodeAvroMessage(
  avro: AvroSerde,
  logicalTopic: string,
  message: Pick<KafkaMessage, "value" | "key" | "headers">,
  fallbackId: string,
): Promise<DecodedEvent> {
  const value = message.value!;
  let payload: Record<string, unknown>;
  try {
    payload = await avro.decode(logicalTopic, value);
  } catch (err) {
    throw new SerializationException(`Error deserializing Avro message for id ${value.readInt32BE(1)}: ${(err as Error).message}`, { cause: err });
  }
  return {
    eventId: headerString(message, "event-id") ?? fallbackId,
    eventType: headerString(message, "event-type") ?? "unknown",
    key: message.key ? message.key.toString() : null,
    payload,
  };
}
