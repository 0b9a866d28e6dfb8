// The RabbitMQ broker plugin's public surface, for the broker registry to wire.
export { rabbitMqConnectionSchema, type RabbitMqConnectionConfig } from "./config";
export { RabbitMqAdapter, type RabbitMqOverview, type RabbitReplayAudience } from "./adapter";
export {
  ManagementClient,
  ManagementApiError,
  type ManagementOptions,
  type QueueType,
  type RabbitQueue,
  type RabbitPolicy,
  type RabbitExchange,
  type RabbitBinding,
  type RabbitOverview,
  type ShovelDefinition,
  type ShovelStatus,
} from "./management";
export { deadLetterTopology, route, topicMatches, type DeadLetterRoute, type DeadLetterTopology, type RabbitDeadLetterQueue, type DeliveryLimitOnly, type TopologyQueue } from "./topology";
export { browseSafety, type BrowseSafety, type BrowsableQueue } from "./browse-safety";
export { browseQueue, messageKey, BrowseRefusedError, type BrowsePage, type BrowsedMessage } from "./reader";
export { replayOne, originOf, type ReplayDestination, type ReplayOneOptions, type ReplayOneResult } from "./replay";
export { decodeRabbitFailure, RABBIT_FAILURE_DECODERS, type FailureDecoder, type RabbitFailure, type RabbitHeaders, type XDeathEntry, type DeathReason } from "./decoders";
export {
  batchReplay,
  type BatchCandidate,
  type BatchReplayOptions,
  type BatchReplayProgress,
  type BatchReplayRecord,
  type BatchReplayResult,
  type BatchStop,
} from "./batch-replay";
export { scanDeadLetters, bulkReplayEffects, type ScanResult } from "./scan";
