/**
 * Message ids as the UI and the API carry them. A log broker (Kafka) names a record by where it sits,
 * `partition:offset`; this is the one parser and formatter of that form, so every reader agrees on it.
 */
export interface LogPosition {
  partition: number;
  offset: number;
}

/** How a broker's message ids read and write; `shape` words the expected form in refusals. */
export interface MessageIdCodec<T> {
  readonly shape: string;
  parse(id: string): T | null;
  format(position: T): string;
}

const LOG_POSITION = /^(\d+):(\d+)$/;

export const logPositionIds: MessageIdCodec<LogPosition> = {
  shape: "partition:offset",
  parse(id) {
    const match = LOG_POSITION.exec(id);
    return match ? { partition: Number(match[1]), offset: Number(match[2]) } : null;
  },
  format: (position) => formatLogPosition(position),
};

/** A queue broker (SQS) names a message by an opaque id the broker gave it; any non-empty string is one. */
export const opaqueIds: MessageIdCodec<string> = {
  shape: "message id",
  parse: (id) => (id.length > 0 ? id : null),
  format: (id) => id,
};

export const parseLogPosition = (id: string): LogPosition | null => logPositionIds.parse(id);
/** Also takes an offset as a client hands it over (bigint or decimal string), written as is. */
export const formatLogPosition = ({ partition, offset }: { partition: number; offset: number | bigint | string }): string => `${partition}:${offset}`;
