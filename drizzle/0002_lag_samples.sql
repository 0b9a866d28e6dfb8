CREATE TABLE "collector_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"connection_kind" text NOT NULL,
	"connection" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone NOT NULL,
	"ok" boolean NOT NULL,
	"error" text,
	"duration_ms" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kafka_dlq_samples" (
	"connection" text NOT NULL,
	"topic" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"retained_messages" bigint NOT NULL,
	"source_topic" text
);
--> statement-breakpoint
CREATE TABLE "kafka_group_samples" (
	"connection" text NOT NULL,
	"group_id" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"state" text NOT NULL,
	"protocol_type" text NOT NULL,
	"protocol" text NOT NULL,
	"members" integer NOT NULL,
	"topics" text[] NOT NULL,
	"total_lag" bigint NOT NULL,
	"max_lag" bigint NOT NULL,
	"max_lag_seconds" double precision,
	"max_lag_seconds_kind" text,
	"expired_partitions" integer DEFAULT 0 NOT NULL,
	"status" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kafka_lag_samples" (
	"connection" text NOT NULL,
	"group_id" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"committed_offset" bigint,
	"log_start_offset" bigint NOT NULL,
	"log_end_offset" bigint NOT NULL,
	"lag" bigint,
	"lag_seconds" double precision,
	"lag_seconds_kind" text,
	"owner_member" text,
	"status" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kafka_partition_samples" (
	"connection" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"log_start_offset" bigint NOT NULL,
	"log_end_offset" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sqs_queue_samples" (
	"connection" text NOT NULL,
	"queue" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"visible" bigint NOT NULL,
	"in_flight" bigint NOT NULL,
	"delayed" bigint NOT NULL,
	"is_dead_letter_queue" boolean NOT NULL,
	"source_queues" text[] NOT NULL,
	"oldest_message_age_seconds" double precision
);
--> statement-breakpoint
CREATE INDEX "collector_runs_connection_idx" ON "collector_runs" USING btree ("connection_kind","connection","started_at");--> statement-breakpoint
CREATE INDEX "kafka_dlq_samples_latest_idx" ON "kafka_dlq_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_dlq_samples_topic_idx" ON "kafka_dlq_samples" USING btree ("connection","topic","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_group_samples_latest_idx" ON "kafka_group_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_group_samples_group_idx" ON "kafka_group_samples" USING btree ("connection","group_id","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_lag_samples_group_idx" ON "kafka_lag_samples" USING btree ("connection","group_id","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_lag_samples_time_idx" ON "kafka_lag_samples" USING btree ("sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_partition_samples_time_idx" ON "kafka_partition_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "kafka_partition_samples_offset_idx" ON "kafka_partition_samples" USING btree ("connection","topic","partition","log_end_offset");--> statement-breakpoint
CREATE INDEX "sqs_queue_samples_latest_idx" ON "sqs_queue_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "sqs_queue_samples_queue_idx" ON "sqs_queue_samples" USING btree ("connection","queue","sampled_at");