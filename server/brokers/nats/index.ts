// The NATS JetStream broker plugin's public surface, for the broker registry to wire.
export { natsConnectionSchema, natsAuthSchema, natsTlsSchema, type NatsConnectionConfig, type NatsAuth } from "./config";
export { openNats, connectionOptions, type NatsSession } from "./connection";
export { parseServerVersion, serverFeatures, type ServerVersion, type ServerFeatures } from "./version";
export {
  listStreams,
  listConsumers,
  streamInfo,
  consumerInfo,
  consumerLag,
  readFrom,
  readExact,
  toStream,
  toConsumer,
  type NatsStream,
  type NatsConsumer,
  type SequencePair,
  type ConsumerLag,
  type ReadVia,
  type Retention,
} from "./jetstream";
export { decodeAdvisory, advisorySubjects, MAX_DELIVERIES_PREFIX, MSG_TERMINATED_PREFIX, type DeadLetterAdvisory, type DeadLetterKind, type DecodeResult } from "./advisory";
export {
  captureStreamConfig,
  createCaptureStream,
  captureStatus,
  readDeadLetters,
  readDeadLetter,
  headerRecord,
  subjectsIntersect,
  CaptureConsentError,
  CaptureOverlapError,
  DEFAULT_CAPTURE_LIMITS,
  type CaptureLimits,
  type CapturePlan,
  type CaptureConsent,
  type CaptureStatus,
  type DeadLetter,
  type DeadLetterPage,
  type OriginalMessage,
  type ReadDeadLettersOptions,
} from "./capture";
export { replayOne, replayHeaders, REPLAYED_FROM_HEADER, type ReplayOneOptions, type ReplayOneResult, type PubAckSummary } from "./replay";
export { NatsAdapter, type NatsOverview, type NatsSnapshot, type NatsConsumerSnapshot, type NatsReplayAudience } from "./adapter";
export { deadLetterSetName, parseDeadLetterSet, captureSeqIds, type DeadLetterSet } from "./names";
export { natsPlugin } from "./plugin";
