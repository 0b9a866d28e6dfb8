CREATE TABLE "rabbitmq_queue_samples" (
	"connection" text NOT NULL,
	"queue" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"resolution_seconds" integer DEFAULT 0 NOT NULL,
	"ready" bigint NOT NULL,
	"unacked" bigint NOT NULL,
	"consumers" integer NOT NULL,
	"consumer_utilisation" double precision,
	"publish_rate" double precision,
	"deliver_rate" double precision,
	"is_dead_letter_queue" boolean NOT NULL,
	"source_queues" text[] NOT NULL,
	"head_dead_lettered_age_seconds" double precision
);
--> statement-breakpoint
CREATE INDEX "rabbitmq_queue_samples_latest_idx" ON "rabbitmq_queue_samples" USING btree ("connection","sampled_at");--> statement-breakpoint
CREATE INDEX "rabbitmq_queue_samples_queue_idx" ON "rabbitmq_queue_samples" USING btree ("connection","queue","sampled_at");