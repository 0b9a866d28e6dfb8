import type { ReplayAudience } from "~/server/brokers/types";
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

// Redrive's own control store. Application databases (sagas, outbox) are never described here.

/** The built-in roles (presets); redrive.yaml's auth.roles adds others (server/auth/permissions.ts). */
export const roles = ["viewer", "operator", "admin"] as const;
export type PresetRole = (typeof roles)[number];
/** A role name: a preset or one from auth.roles. */
export type Role = string;

export const users = pgTable(
  "users",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    username: text("username").notNull(),
    passwordHash: text("password_hash").notNull(),
    role: text("role").notNull(),
    disabled: boolean("disabled").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastSignInAt: timestamp("last_sign_in_at", { withTimezone: true }),
    /** Set when an admin reset the password: the user's sessions can only change it until they do. */
    mustChangePassword: boolean("must_change_password").notNull().default(false),
    /** Accounts made by single sign-on: the provider's issuer and subject ("sub"); they have no usable password. */
    externalIssuer: text("external_issuer"),
    externalSubject: text("external_subject"),
  },
  (table) => [
    uniqueIndex("users_username_key").on(sql`lower(${table.username})`),
    uniqueIndex("users_external_key").on(table.externalIssuer, table.externalSubject),
  ],
);

/** Session ids are SHA-256 hashes of the cookie token, so a leaked table cannot be replayed as cookies. */
export const sessions = pgTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    userAgent: text("user_agent"),
    /** Moved forward as the session is used (at most once a minute): the idle timeout counts from here. */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }).notNull().defaultNow(),
    remoteAddress: text("remote_address"),
    /** A short, non-secret handle to list and revoke the session by (the id is the hash of the cookie). */
    handle: text("handle").notNull().default(sql`substr(md5(random()::text), 1, 16)`),
  },
  (table) => [index("sessions_user_id_idx").on(table.userId), uniqueIndex("sessions_handle_key").on(table.handle)],
);

/**
 * Failed sign-ins per key ("user:<name>" or "address:<ip>"): after a few free failures each further one
 * blocks the key for twice as long as the one before (server/auth/throttle.ts).
 */
export const signInThrottle = pgTable("sign_in_throttle", {
  key: text("key").primaryKey(),
  failures: integer("failures").notNull().default(0),
  lastFailureAt: timestamp("last_failure_at", { withTimezone: true }).notNull().defaultNow(),
  blockedUntil: timestamp("blocked_until", { withTimezone: true }),
});

export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    tokenHash: text("token_hash").notNull(),
    // The first characters of the token, shown in the UI so a token can be recognised without revealing it.
    prefix: text("prefix").notNull(),
    role: text("role").notNull(),
    createdBy: uuid("created_by").references(() => users.id, { onDelete: "set null" }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
  },
  (table) => [uniqueIndex("api_tokens_token_hash_key").on(table.tokenHash)],
);

/** Append-only: a trigger in the migrations rejects UPDATE and DELETE. */
export const auditLog = pgTable(
  "audit_log",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    actorKind: text("actor_kind", { enum: ["user", "token", "anonymous", "system"] }).notNull(),
    actorId: text("actor_id"),
    actorName: text("actor_name").notNull(),
    procedure: text("procedure").notNull(),
    parameters: jsonb("parameters"),
    outcome: text("outcome", { enum: ["ok", "error"] }).notNull(),
    error: text("error"),
    remoteAddress: text("remote_address"),
    /** Tamper evidence (server/audit/chain.ts): sha256 over the previous row's hash and this row's canonical form. */
    prevHash: text("prev_hash"),
    hash: text("hash"),
  },
  (table) => [index("audit_log_at_idx").on(table.at), index("audit_log_procedure_idx").on(table.procedure)],
);

// ---- Samples written by the collector (server/jobs/collector.ts) -------------------------------------
// Raw samples are kept for 24 h, then averaged into 1-minute rows (resolution_seconds = 60) kept for 7 days.

/** One row per collection attempt and connection: the age and error of the last snapshot come from here. */
export const collectorRuns = pgTable(
  "collector_runs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    connectionKind: text("connection_kind", { enum: ["kafka", "sqs", "rabbitmq", "nats"] }).notNull(),
    connection: text("connection").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }).notNull(),
    ok: boolean("ok").notNull(),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (table) => [index("collector_runs_connection_idx").on(table.connectionKind, table.connection, table.startedAt)],
);

export const kafkaPartitionSamples = pgTable(
  "kafka_partition_samples",
  {
    connection: text("connection").notNull(),
    topic: text("topic").notNull(),
    partition: integer("partition").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    logStartOffset: bigint("log_start_offset", { mode: "number" }).notNull(),
    logEndOffset: bigint("log_end_offset", { mode: "number" }).notNull(),
  },
  (table) => [
    index("kafka_partition_samples_time_idx").on(table.connection, table.sampledAt),
    // Lag in seconds looks up when the log end crossed a committed offset (log end only grows).
    index("kafka_partition_samples_offset_idx").on(table.connection, table.topic, table.partition, table.logEndOffset),
  ],
);

export const kafkaLagSamples = pgTable(
  "kafka_lag_samples",
  {
    connection: text("connection").notNull(),
    groupId: text("group_id").notNull(),
    topic: text("topic").notNull(),
    partition: integer("partition").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    committedOffset: bigint("committed_offset", { mode: "number" }),
    logStartOffset: bigint("log_start_offset", { mode: "number" }).notNull(),
    logEndOffset: bigint("log_end_offset", { mode: "number" }).notNull(),
    lag: bigint("lag", { mode: "number" }),
    lagSeconds: doublePrecision("lag_seconds"),
    lagSecondsKind: text("lag_seconds_kind", { enum: ["exact", "estimated", "moreThan", "unknown"] }),
    ownerMember: text("owner_member"),
    status: text("status").notNull(),
  },
  (table) => [
    index("kafka_lag_samples_group_idx").on(table.connection, table.groupId, table.sampledAt),
    index("kafka_lag_samples_time_idx").on(table.sampledAt),
  ],
);

/** One member of a group as sampled: what the group page lists (assignment sorted by topic). */
export interface GroupMemberSample {
  memberId: string;
  clientId: string;
  host: string;
  /** Consumer-protocol (KIP-848) groups only. */
  memberEpoch: number | null;
  assignments: { topic: string; partitions: number[] }[];
}

export const kafkaGroupSamples = pgTable(
  "kafka_group_samples",
  {
    connection: text("connection").notNull(),
    groupId: text("group_id").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    state: text("state").notNull(),
    /** "classic" or "consumer" (KIP-848's consumer protocol). */
    groupType: text("group_type").notNull().default("classic"),
    protocolType: text("protocol_type").notNull(),
    protocol: text("protocol").notNull(),
    members: integer("members").notNull(),
    /** Consumer-protocol (KIP-848) groups only: the group epoch. */
    epoch: integer("epoch"),
    /** The members with their assignment, raw samples only (roll-ups keep the count). */
    memberDetails: jsonb("member_details").$type<GroupMemberSample[]>(),
    topics: text("topics").array().notNull(),
    totalLag: bigint("total_lag", { mode: "number" }).notNull(),
    maxLag: bigint("max_lag", { mode: "number" }).notNull(),
    maxLagSeconds: doublePrecision("max_lag_seconds"),
    maxLagSecondsKind: text("max_lag_seconds_kind", { enum: ["exact", "estimated", "moreThan", "unknown"] }),
    /** Committed offsets below log start: messages that expired before they were consumed. */
    expiredPartitions: integer("expired_partitions").notNull().default(0),
    status: text("status").notNull(),
  },
  (table) => [
    index("kafka_group_samples_latest_idx").on(table.connection, table.sampledAt),
    index("kafka_group_samples_group_idx").on(table.connection, table.groupId, table.sampledAt),
  ],
);

/** SQS queue depth per sample. */
export const sqsQueueSamples = pgTable(
  "sqs_queue_samples",
  {
    connection: text("connection").notNull(),
    queue: text("queue").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    visible: bigint("visible", { mode: "number" }).notNull(),
    inFlight: bigint("in_flight", { mode: "number" }).notNull(),
    delayed: bigint("delayed", { mode: "number" }).notNull(),
    isDeadLetterQueue: boolean("is_dead_letter_queue").notNull(),
    sourceQueues: text("source_queues").array().notNull(),
    /** SNS subscriptions (their ARNs) whose RedrivePolicy names this queue: a subscription DLQ. */
    sourceSubscriptions: text("source_subscriptions").array().notNull().default(sql`'{}'::text[]`),
    oldestMessageAgeSeconds: doublePrecision("oldest_message_age_seconds"),
  },
  (table) => [
    index("sqs_queue_samples_latest_idx").on(table.connection, table.sampledAt),
    index("sqs_queue_samples_queue_idx").on(table.connection, table.queue, table.sampledAt),
  ],
);

/** RabbitMQ queue state per sample (management API); DLQs carry the queues that dead-letter into them. */
export const rabbitmqQueueSamples = pgTable(
  "rabbitmq_queue_samples",
  {
    connection: text("connection").notNull(),
    queue: text("queue").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    ready: bigint("ready", { mode: "number" }).notNull(),
    unacked: bigint("unacked", { mode: "number" }).notNull(),
    consumers: integer("consumers").notNull(),
    /** 0..1; null when the broker does not report it. */
    consumerUtilisation: doublePrecision("consumer_utilisation"),
    /** Messages per second over the management sampling window; null before any was seen. */
    publishRate: doublePrecision("publish_rate"),
    deliverRate: doublePrecision("deliver_rate"),
    isDeadLetterQueue: boolean("is_dead_letter_queue").notNull(),
    sourceQueues: text("source_queues").array().notNull(),
    /** DLQs: seconds since the head message was dead-lettered (x-death time), or by its publisher timestamp where that is all there is. */
    headDeadLetteredAgeSeconds: doublePrecision("head_dead_lettered_age_seconds"),
  },
  (table) => [
    index("rabbitmq_queue_samples_latest_idx").on(table.connection, table.sampledAt),
    index("rabbitmq_queue_samples_queue_idx").on(table.connection, table.queue, table.sampledAt),
  ],
);

/**
 * NATS JetStream streams per sample (the log: sequence = offset): subjects, retention, counts, first/last sequence.
 * The consumers on each are in nats_consumer_samples.
 */
export const natsStreamSamples = pgTable(
  "nats_stream_samples",
  {
    connection: text("connection").notNull(),
    stream: text("stream").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    subjects: text("subjects").array().notNull(),
    retention: text("retention").notNull(),
    messages: bigint("messages", { mode: "number" }).notNull(),
    bytes: bigint("bytes", { mode: "number" }).notNull(),
    firstSeq: bigint("first_seq", { mode: "number" }).notNull(),
    lastSeq: bigint("last_seq", { mode: "number" }).notNull(),
    consumerCount: integer("consumer_count").notNull(),
  },
  (table) => [
    index("nats_stream_samples_latest_idx").on(table.connection, table.sampledAt),
    index("nats_stream_samples_stream_idx").on(table.connection, table.stream, table.sampledAt),
  ],
);

/**
 * NATS JetStream consumers per sample, in the log model: the stream sequence is the offset, the ack floor the
 * committed position, num_pending the lag. Dead letters are the advisories captured for the consumer.
 */
export const natsConsumerSamples = pgTable(
  "nats_consumer_samples",
  {
    connection: text("connection").notNull(),
    stream: text("stream").notNull(),
    consumer: text("consumer").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    /** "pull" or "push". */
    consumerKind: text("consumer_kind").notNull(),
    durable: boolean("durable").notNull(),
    filterSubjects: text("filter_subjects").array().notNull(),
    /** num_pending: messages not yet delivered (the lag). */
    pending: bigint("pending", { mode: "number" }).notNull(),
    ackPending: bigint("ack_pending", { mode: "number" }).notNull(),
    redelivered: bigint("redelivered", { mode: "number" }).notNull(),
    waiting: integer("waiting").notNull(),
    deliveredSeq: bigint("delivered_seq", { mode: "number" }).notNull(),
    ackFloorSeq: bigint("ack_floor_seq", { mode: "number" }).notNull(),
    /** The stream's last sequence at the sample (the log end). */
    streamLastSeq: bigint("stream_last_seq", { mode: "number" }).notNull(),
    lastActivity: timestamp("last_activity", { withTimezone: true }),
    /** null: unlimited. */
    maxDeliver: integer("max_deliver"),
    /** Age of the oldest unacknowledged message (s); null when it could not be read. */
    lagSeconds: doublePrecision("lag_seconds"),
    /** Whether a client is attached now (push bound, pull requests waiting, or active within the sample window). */
    active: boolean("active").notNull(),
    /** The health verdict (server/lag/health-rules.ts statuses). */
    status: text("status").notNull(),
    /** Advisories captured for this consumer; null without a capture stream. */
    deadLetters: bigint("dead_letters", { mode: "number" }),
  },
  (table) => [
    index("nats_consumer_samples_latest_idx").on(table.connection, table.sampledAt),
    index("nats_consumer_samples_consumer_idx").on(table.connection, table.stream, table.consumer, table.sampledAt),
  ],
);

/** Kafka DLQ topics (by name pattern or explicit mapping) with their retained message count. */
export const kafkaDlqSamples = pgTable(
  "kafka_dlq_samples",
  {
    connection: text("connection").notNull(),
    topic: text("topic").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    resolutionSeconds: integer("resolution_seconds").notNull().default(0),
    retainedMessages: bigint("retained_messages", { mode: "number" }).notNull(),
    sourceTopic: text("source_topic"),
    /** Record timestamps of the oldest and newest retained message (across partitions). */
    oldestMessageAt: timestamp("oldest_message_at", { withTimezone: true }),
    newestMessageAt: timestamp("newest_message_at", { withTimezone: true }),
  },
  (table) => [
    index("kafka_dlq_samples_latest_idx").on(table.connection, table.sampledAt),
    index("kafka_dlq_samples_topic_idx").on(table.connection, table.topic, table.sampledAt),
  ],
);

// ---- DLQ browser -------------------------------------------------------------------------------------

/**
 * SQS has no peek: a snapshot receives a DLQ's messages with a short visibility timeout, stores them
 * here and releases them at once, so browsing and searching never touch the queue again.
 */
export const sqsSnapshots = pgTable(
  "sqs_snapshots",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    connection: text("connection").notNull(),
    queue: text("queue").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    /** ApproximateNumberOfMessages when the snapshot started: completeness is captured / this. */
    approximateTotal: integer("approximate_total").notNull(),
    captured: integer("captured").notNull().default(0),
    status: text("status", { enum: ["running", "complete", "partial", "failed"] }).notNull(),
    error: text("error"),
    takenBy: text("taken_by").notNull(),
  },
  (table) => [index("sqs_snapshots_queue_idx").on(table.connection, table.queue, table.startedAt)],
);

export const sqsSnapshotMessages = pgTable(
  "sqs_snapshot_messages",
  {
    snapshotId: uuid("snapshot_id")
      .notNull()
      .references(() => sqsSnapshots.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    messageId: text("message_id").notNull(),
    body: text("body").notNull(),
    attributes: jsonb("attributes").$type<Record<string, string>>().notNull(),
    messageAttributes: jsonb("message_attributes").$type<Record<string, { dataType: string; value: string }>>().notNull(),
    sentTimestamp: timestamp("sent_timestamp", { withTimezone: true }),
    receiveCount: integer("receive_count"),
    sourceArn: text("source_arn"),
    exceptionClass: text("exception_class"),
    errorMessage: text("error_message"),
    fingerprint: text("fingerprint"),
  },
  (table) => [
    uniqueIndex("sqs_snapshot_messages_key").on(table.snapshotId, table.messageId),
    index("sqs_snapshot_messages_seq_idx").on(table.snapshotId, table.seq),
  ],
);

/** Named CEL filters, shared by everyone. */
export const savedFilters = pgTable(
  "saved_filters",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    expression: text("expression").notNull(),
    description: text("description"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("saved_filters_name_key").on(sql`lower(${table.name})`)],
);

// ---- Replays -----------------------------------------------------------------------------------------

/**
 * Every replayed dead letter: which message (Kafka "partition:offset" or SQS MessageId), where it went,
 * by whom, and the replay id carried in its headers so a message that dies again can be linked back.
 */
export const replayLedger = pgTable(
  "replay_ledger",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    replayId: uuid("replay_id").notNull(),
    kind: text("kind", { enum: ["kafka", "sqs", "rabbitmq", "nats"] }).notNull(),
    connection: text("connection").notNull(),
    dlq: text("dlq").notNull(),
    messageId: text("message_id").notNull(),
    /** "replay": a copy was sent; "edit": an edited copy was sent; "discard": resolved without a copy. */
    action: text("action", { enum: ["replay", "edit", "discard"] }).notNull().default("replay"),
    /** Null for a discard. */
    target: text("target"),
    /** Where the copy landed: Kafka "partition:offset", SQS the new MessageId. */
    targetPosition: text("target_position"),
    replayCount: integer("replay_count").notNull(),
    replayedBy: text("replayed_by").notNull(),
    jobId: uuid("job_id"),
    /** Why it was discarded, or the operator's note on an edit. */
    reason: text("reason"),
    /** A discarded SQS message's body and attributes, kept because the DLQ no longer has them. */
    archived: jsonb("archived").$type<{ body: string; attributes: Record<string, string>; messageAttributes: Record<string, { dataType: string; value: string }> }>(),
    /** Set when the copy died again and reached a DLQ (found through its replay id). */
    cameBackAt: timestamp("came_back_at", { withTimezone: true }),
    /** Where it came back: "dlq/partition:offset" (Kafka) or "dlq/MessageId" (SQS). */
    cameBackAs: text("came_back_as"),
    replayedAt: timestamp("replayed_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    index("replay_ledger_message_idx").on(table.kind, table.connection, table.dlq, table.messageId),
    uniqueIndex("replay_ledger_replay_id_key").on(table.replayId),
    index("replay_ledger_job_idx").on(table.jobId),
  ],
);

export const replayJobStates = ["draft", "queued", "running", "waiting", "paused", "cancelled", "completed", "failed"] as const;
export type ReplayJobState = (typeof replayJobStates)[number];

export interface ReplayJobOptions {
  /** Messages per second at most; null for as fast as the broker allows. */
  ratePerSecond: number | null;
  batchSize: number;
  /** Replay this many first, wait, and go on only if few of them died again. 0 turns the canary off. */
  canarySize: number;
  canaryWaitSeconds: number;
  /** Pause when this share (0..1) of the replayed messages fails again. */
  maxFailShare: number;
  keepErrorHeaders: boolean;
  overrideLoopGuard: boolean;
  /** Replay messages the ledger already marks as replayed or discarded. */
  includeResolved: boolean;
}

export interface ReplayJobSelection {
  source: "selection" | "filter" | "group" | "all";
  expression?: string;
  fingerprint?: string;
  ids?: string[];
  /** SQS: the snapshot the dry run read. */
  snapshotId?: string;
}

export interface ReplayCanary {
  state: "off" | "pending" | "watching" | "passed" | "failed";
  size: number;
  /** When the watch after the first N ends (ISO time). */
  watchUntil: string | null;
  decidedAt: string | null;
  /** Counts at the last resume: the fail-share guard only looks at what was replayed since. */
  baseDone: number;
  baseBad: number;
}

export interface ReplayDryRun {
  scanned: number;
  matched: number;
  /** Left out of the job: already replayed or discarded (unless includeResolved). */
  resolved: number;
  /** Left out of the job: replayed DEFAULT_REPLAY_LIMIT times already (unless overrideLoopGuard). */
  quarantined: number;
  /** Left out of the job: no origin recorded and no destination chosen. */
  noTarget: number;
  byGroup: { fingerprint: string; origin: string; exceptionClass: string; pattern: string; count: number }[];
  byTarget: { target: string; count: number }[];
  sample: { id: string; timestampMs: number; target: string | null; error: string | null; preview: string | null }[];
  /** Who receives the copies, per target (the consumer groups of a topic, or a queue's counts). */
  audiences?: ReplayAudience[];
}

/**
 * A bulk replay (or bulk discard) of dead letters: the exact messages are snapshotted into
 * replay_job_items by the dry run, then a pg-boss job works through them from its checkpoint.
 */
export const replayJobs = pgTable(
  "replay_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: text("kind", { enum: ["kafka", "sqs", "rabbitmq", "nats"] }).notNull(),
    /** "replay" sends copies; "discard" resolves without a copy; "move" is SQS's own StartMessageMoveTask. */
    action: text("action", { enum: ["replay", "discard", "move"] }).notNull(),
    connection: text("connection").notNull(),
    dlq: text("dlq").notNull(),
    /** Null: each message goes back to its origin. */
    target: text("target"),
    selection: jsonb("selection").$type<ReplayJobSelection>().notNull(),
    options: jsonb("options").$type<ReplayJobOptions>().notNull(),
    reason: text("reason"),
    state: text("state", { enum: replayJobStates }).notNull(),
    /** Why it is paused, waiting or failed, in words. */
    stateReason: text("state_reason"),
    dryRun: jsonb("dry_run").$type<ReplayDryRun>(),
    total: integer("total").notNull().default(0),
    done: integer("done").notNull().default(0),
    skipped: integer("skipped").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Copies sent a second time after a crash (Kafka: verified against the target; SQS, RabbitMQ: at most, shown "up to N"). */
    duplicates: integer("duplicates").notNull().default(0),
    /** Replayed copies that died again and reached a DLQ. */
    cameBack: integer("came_back").notNull().default(0),
    /** Times the job was picked up again after its worker died. */
    recoveries: integer("recoveries").notNull().default(0),
    /** Messages per second over the last batches. */
    rate: doublePrecision("rate"),
    /** Kafka: the DLQ's end offsets when the job started, to find copies that died again. */
    watchFrom: jsonb("watch_from").$type<Record<string, number>>(),
    /**
     * The items sent but not yet recorded as done (seq range) and, per target topic and partition, an offset
     * at or below where their copies landed: after a crash they are looked for there by replay id.
     */
    inFlight: jsonb("in_flight").$type<{ fromSeq: number; toSeq: number; offsets: Record<string, Record<string, number>> }>(),
    /** The canary's verdict: replay the first N, wait, and go on only if few of them died again. */
    canary: jsonb("canary").$type<ReplayCanary>(),
    /** SQS StartMessageMoveTask's handle and last reported progress. */
    moveTask: jsonb("move_task").$type<{ taskHandle: string; status: string; moved: number; toMove: number | null; failureReason: string | null }>(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("replay_jobs_created_idx").on(table.createdAt), index("replay_jobs_state_idx").on(table.state)],
);

export const replayItemStates = ["pending", "sending", "sent", "done", "skipped", "failed"] as const;
export type ReplayItemState = (typeof replayItemStates)[number];

/** One snapshotted message of a job and its outcome. */
export const replayJobItems = pgTable(
  "replay_job_items",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => replayJobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    /** Kafka "partition:offset", SQS MessageId. */
    messageId: text("message_id").notNull(),
    partition: integer("partition"),
    offset: bigint("offset", { mode: "number" }),
    fingerprint: text("fingerprint"),
    /** Where this message goes (its origin, or the job's target). */
    target: text("target"),
    state: text("state", { enum: replayItemStates }).notNull().default("pending"),
    replayId: uuid("replay_id"),
    targetPosition: text("target_position"),
    outcome: text("outcome"),
    attempts: integer("attempts").notNull().default(0),
    cameBackAt: timestamp("came_back_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }),
  },
  (table) => [
    uniqueIndex("replay_job_items_key").on(table.jobId, table.seq),
    index("replay_job_items_state_idx").on(table.jobId, table.state, table.seq),
    index("replay_job_items_replay_id_idx").on(table.replayId),
  ],
);

// ---- Application databases (sagas, outbox) -------------------------------------------------------------

/** The outbox backlog of each application database, sampled by the collector. */
export const outboxSamples = pgTable(
  "outbox_samples",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    database: text("database").notNull(),
    sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
    unpublished: integer("unpublished").notNull(),
    oldestUnpublishedAt: timestamp("oldest_unpublished_at", { withTimezone: true }),
    /** Rows published in the minute before the sample (null where the layout cannot tell). */
    publishedLastMinute: integer("published_last_minute"),
    failing: integer("failing").notNull().default(0),
  },
  (table) => [index("outbox_samples_database_time_idx").on(table.database, table.sampledAt)],
);

export const sagaBulkJobStates = ["draft", "queued", "running", "verifying", "paused", "cancelled", "completed", "failed"] as const;
export type SagaBulkJobState = (typeof sagaBulkJobStates)[number];

export interface SagaBulkSelection {
  /** The list filter the sagas were chosen with (the Sagas page's filters). */
  filter?: { types?: string[]; statuses?: ("running" | "compensating" | "completed" | "failed" | "compensation_failed")[]; idleForSeconds?: number; correlationId?: string; errorText?: string; stuck?: boolean };
  /** A Stuck-view group key (type + status + diagnosis + error fingerprint). */
  group?: string;
  groupHeadline?: string;
}

export interface SagaBulkDryRun {
  matched: number;
  /** Left out: the command does not apply to their status. */
  notApplicable: number;
  byTypeStatus: { sagaType: string; status: string; count: number }[];
  sample: { id: string; sagaType: string; status: string; correlationId: string; lastError: string | null }[];
}

/**
 * A bulk saga action (retry, compensate or resolve) as a durable job: the dry run snapshots the exact saga
 * ids with the version each was seen at; the job issues one saga_commands row per saga, waits for the
 * orchestrator's outcomes, then re-checks the sagas after a delay (terminal or stuck again).
 */
export const sagaBulkJobs = pgTable(
  "saga_bulk_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    database: text("database").notNull(),
    command: text("command", { enum: ["retry", "compensate", "resolve"] }).notNull(),
    reason: text("reason").notNull(),
    selection: jsonb("selection").$type<SagaBulkSelection>().notNull(),
    dryRun: jsonb("dry_run").$type<SagaBulkDryRun>(),
    ratePerSecond: doublePrecision("rate_per_second"),
    verifyAfterSeconds: integer("verify_after_seconds").notNull().default(30),
    state: text("state", { enum: sagaBulkJobStates }).notNull(),
    stateReason: text("state_reason"),
    total: integer("total").notNull().default(0),
    /** Commands written to saga_commands. */
    requested: integer("requested").notNull().default(0),
    /** Refused before reaching the orchestrator (the saga moved on, a command was pending, ...). */
    refused: integer("refused").notNull().default(0),
    applied: integer("applied").notNull().default(0),
    rejected: integer("rejected").notNull().default(0),
    /** At verification: sagas in a terminal status, and sagas stuck again. */
    terminal: integer("terminal").notNull().default(0),
    stuckAgain: integer("stuck_again").notNull().default(0),
    verifyAt: timestamp("verify_at", { withTimezone: true }),
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("saga_bulk_jobs_created_idx").on(table.createdAt)],
);

export const sagaBulkItemStates = ["pending", "requested", "refused", "applied", "rejected"] as const;

export const sagaBulkItems = pgTable(
  "saga_bulk_items",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => sagaBulkJobs.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    sagaId: text("saga_id").notNull(),
    sagaType: text("saga_type").notNull(),
    /** The version the dry run saw: a saga that moved on since is not acted on. */
    version: integer("version"),
    statusBefore: text("status_before").notNull(),
    state: text("state", { enum: sagaBulkItemStates }).notNull().default("pending"),
    commandId: text("command_id"),
    outcome: text("outcome"),
    /** At verification. */
    statusAfter: text("status_after"),
    stuckAgain: boolean("stuck_again"),
    updatedAt: timestamp("updated_at", { withTimezone: true }),
  },
  (table) => [uniqueIndex("saga_bulk_items_key").on(table.jobId, table.seq), index("saga_bulk_items_state_idx").on(table.jobId, table.state, table.seq)],
);

// ---- Alerts (server/alerts) ----------------------------------------------------------------------------

/** Alert rules: one evaluation per collector round; one instance per matching object. */
export const alertRules = pgTable(
  "alert_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** The rule as validated by server/alerts/types.ts ruleSpecSchema (signal, scope, condition, timing, ...). */
    spec: jsonb("spec").$type<Record<string, unknown>>().notNull(),
    /** "ui": edited in the browser; "file": declared in redrive.yaml (read-only); "default": the first-run pack. */
    source: text("source", { enum: ["ui", "file", "default"] }).notNull().default("ui"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("alert_rules_name_key").on(sql`lower(${table.name})`)],
);

/** Instances that are not plainly Normal (a Normal instance without history has no row). */
export const alertInstances = pgTable(
  "alert_instances",
  {
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    objectKey: text("object_key").notNull(),
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    path: text("path").notNull(),
    state: text("state", { enum: ["normal", "pending", "firing", "resolved"] }).notNull(),
    /** The evaluator's full state (server/alerts/evaluate.ts InstanceState). */
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    value: text("value"),
    summary: text("summary").notNull(),
    activeSince: timestamp("active_since", { withTimezone: true }),
    firingSince: timestamp("firing_since", { withTimezone: true }),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
    evaluatedAt: timestamp("evaluated_at", { withTimezone: true }).notNull(),
  },
  (table) => [uniqueIndex("alert_instances_key").on(table.ruleId, table.objectKey), index("alert_instances_state_idx").on(table.state)],
);

/** Every state change of every instance. */
export const alertHistory = pgTable(
  "alert_history",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    ruleId: uuid("rule_id").notNull(),
    ruleName: text("rule_name").notNull(),
    objectKey: text("object_key").notNull(),
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    fromState: text("from_state").notNull(),
    toState: text("to_state").notNull(),
    value: text("value"),
    summary: text("summary").notNull(),
    silenced: boolean("silenced").notNull().default(false),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (table) => [index("alert_history_at_idx").on(table.at), index("alert_history_rule_idx").on(table.ruleId, table.at)],
);

export interface SilenceMatcher {
  label: string;
  /** "=" exact, "=~" a `*` pattern. */
  op: "=" | "=~";
  value: string;
}

export const alertSilences = pgTable(
  "alert_silences",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    matchers: jsonb("matchers").$type<SilenceMatcher[]>().notNull(),
    startsAt: timestamp("starts_at", { withTimezone: true }).notNull(),
    endsAt: timestamp("ends_at", { withTimezone: true }).notNull(),
    comment: text("comment").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiredBy: text("expired_by"),
  },
  (table) => [index("alert_silences_ends_idx").on(table.endsAt)],
);

export const alertChannelKinds = ["webhook", "slack", "email", "alertmanager", "pagerduty"] as const;

export const alertChannels = pgTable(
  "alert_channels",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull(),
    kind: text("kind", { enum: alertChannelKinds }).notNull(),
    enabled: boolean("enabled").notNull().default(true),
    /** Settings that may be shown (SMTP host, recipients, grouping). */
    settings: jsonb("settings").$type<Record<string, unknown>>().notNull(),
    /** Write-only: webhook URLs, signing keys, SMTP passwords, routing keys. Never sent to the browser. */
    secrets: jsonb("secrets").$type<Record<string, string>>().notNull(),
    source: text("source", { enum: ["ui", "file"] }).notNull().default("ui"),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [uniqueIndex("alert_channels_name_key").on(sql`lower(${table.name})`)],
);

/** One row per delivery attempt of a notification (or test) to a channel. */
export const alertDeliveries = pgTable(
  "alert_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    channelId: uuid("channel_id").notNull(),
    channelName: text("channel_name").notNull(),
    /** The notification (a pg-boss job's payload id): attempts of one notification share it. */
    notificationId: uuid("notification_id").notNull(),
    kind: text("kind", { enum: ["firing", "resolved", "test"] }).notNull(),
    groupKey: text("group_key").notNull(),
    alerts: integer("alerts").notNull(),
    attempt: integer("attempt").notNull(),
    status: text("status", { enum: ["sent", "failed"] }).notNull(),
    responseCode: integer("response_code"),
    latencyMs: integer("latency_ms").notNull(),
    error: text("error"),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [index("alert_deliveries_at_idx").on(table.at), index("alert_deliveries_channel_idx").on(table.channelId, table.at)],
);

/** Small alerting facts kept across restarts ("the default pack was installed"). */
export const alertSettings = pgTable("alert_settings", {
  key: text("key").primaryKey(),
  value: jsonb("value").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Notification groups (as Alertmanager groups alerts): per channel and rule (and the channel's group-by
 * labels), what was last sent, so a flush sends only news, resolutions, or a due repeat.
 */
export const alertNotifyGroups = pgTable(
  "alert_notify_groups",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    channelId: uuid("channel_id")
      .notNull()
      .references(() => alertChannels.id, { onDelete: "cascade" }),
    ruleId: uuid("rule_id")
      .notNull()
      .references(() => alertRules.id, { onDelete: "cascade" }),
    groupKey: text("group_key").notNull(),
    /** The group-by labels' values: an instance belongs to the group when its labels include these. */
    labels: jsonb("labels").$type<Record<string, string>>().notNull(),
    /** Instance keys that were firing in the last notification. */
    lastFiring: text("last_firing").array().notNull().default(sql`'{}'::text[]`),
    lastSentAt: timestamp("last_sent_at", { withTimezone: true }),
    nextFlushAt: timestamp("next_flush_at", { withTimezone: true }),
  },
  (table) => [uniqueIndex("alert_notify_groups_key").on(table.channelId, table.groupKey)],
);
/**
 * The heavy reads of each application database, computed once per collector round (server/sagas/snapshot.ts)
 * so pages and /api/metrics read one row instead of scanning the saga table per viewer and per scrape.
 * Values are superjson-encoded (dates survive the trip).
 */
export const appDatabaseSnapshots = pgTable("app_database_snapshots", {
  database: text("database").primaryKey(),
  sampledAt: timestamp("sampled_at", { withTimezone: true }).notNull(),
  /** { statusCounts, stuckCounts, stuckView, outbox } or null where the round failed (see error). */
  value: jsonb("value"),
  error: text("error"),
});

/**
 * DLQ scans (server/dlq/scans.ts): state, progress and matches, so whichever replica answers can follow a scan
 * and cancel it. The scan runs in the replica that started it; it writes progress and a heartbeat about twice
 * a second and reads cancelRequested. Finished scans are deleted after 15 minutes.
 */
export const dlqScans = pgTable(
  "dlq_scans",
  {
    id: uuid("id").primaryKey(),
    ownerId: text("owner_id").notNull(),
    /** { kind, connection, dlq, snapshotId? } */
    ref: jsonb("ref").notNull(),
    expression: text("expression").notNull(),
    matchLimit: integer("match_limit").notNull(),
    status: text("status", { enum: ["running", "done", "limit", "cancelled", "failed"] }).notNull(),
    total: integer("total"),
    scanned: integer("scanned").notNull().default(0),
    matched: integer("matched").notNull().default(0),
    firstMatchMs: integer("first_match_ms"),
    error: text("error"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }).notNull(),
  },
  (table) => [index("dlq_scans_finished_idx").on(table.finishedAt)],
);

/** A scan's matches in order (seq from 0), so a poll reads only those after the ones it has. */
export const dlqScanMatches = pgTable(
  "dlq_scan_matches",
  {
    scanId: uuid("scan_id")
      .notNull()
      .references(() => dlqScans.id, { onDelete: "cascade" }),
    seq: integer("seq").notNull(),
    /** A DlqMessageSummary (masked as the scan's owner may see it). */
    summary: jsonb("summary").notNull(),
  },
  (table) => [uniqueIndex("dlq_scan_matches_key").on(table.scanId, table.seq)],
);
