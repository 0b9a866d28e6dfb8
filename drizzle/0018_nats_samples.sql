CREATE TABLE "nats_consumer_samples" (
	"connection" text NOT NULL,
	"stream" text NOT NULL,
	"consumer" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"consumer_kind" text NOT NULL,
	"durable" boolean NOT NULL,
	"filter_subjects" text[] NOT NULL,
	"pending" bigint NOT NULL,
	"ack_pending" bigint NOT NULL,
	"redelivered" bigint NOT NULL,
	"waiting" integer NOT NULL,
	"delivered_seq" bigint NOT NULL,
	"ack_floor_seq" bigint NOT NULL,
	"stream_last_seq" bigint NOT NULL,
	"last_activity" timestamp with time zone,
	"max_deliver" integer,
	"lag_seconds" double precision,
	"active" boolean NOT NULL,
	"status" text NOT NULL,
	"dead_letters" bigint
);
--> statement-breakpoint
CREATE TABLE "nats_stream_samples" (
	"connection" text NOT NULL,
	"stream" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"subjects" text[] NOT NULL,
	"retention" text NOT NULL,
	"messages" bigint NOT NULL,
	"bytes" bigint NOT NULL,
	"first_seq" bigint NOT NULL,
	"last_seq" bigint NOT NULL,
	"consumer_count" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "nats_consumer_samples_latest_idx" ON "nats_consumer_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "nats_consumer_samples_consumer_idx" ON "nats_consumer_samples" USING btree ("connection","stream","consumer","sampled_at");--> statement-breakpoint
CREATE INDEX "nats_stream_samples_latest_idx" ON "nats_stream_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "nats_stream_samples_stream_idx" ON "nats_stream_samples" USING btree ("connection","stream","sampled_at");