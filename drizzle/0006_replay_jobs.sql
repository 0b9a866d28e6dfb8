CREATE TABLE "outbox_samples" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"database" text NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"unpublished" integer NOT NULL,
	"oldest_unpublished_at" timestamp with time zone,
	"published_last_minute" integer,
	"failing" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "replay_job_items" (
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"message_id" text NOT NULL,
	"partition" integer,
	"offset" bigint,
	"fingerprint" text,
	"target" text,
	"state" text DEFAULT 'pending' NOT NULL,
	"replay_id" uuid,
	"target_position" text,
	"outcome" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"came_back_at" timestamp with time zone,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "replay_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"action" text NOT NULL,
	"connection" text NOT NULL,
	"dlq" text NOT NULL,
	"target" text,
	"selection" jsonb NOT NULL,
	"options" jsonb NOT NULL,
	"reason" text,
	"state" text NOT NULL,
	"state_reason" text,
	"dry_run" jsonb,
	"total" integer DEFAULT 0 NOT NULL,
	"done" integer DEFAULT 0 NOT NULL,
	"skipped" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"duplicates" integer DEFAULT 0 NOT NULL,
	"came_back" integer DEFAULT 0 NOT NULL,
	"recoveries" integer DEFAULT 0 NOT NULL,
	"rate" double precision,
	"watch_from" jsonb,
	"in_flight" jsonb,
	"move_task" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "replay_ledger" ALTER COLUMN "target" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "replay_ledger" ADD COLUMN "action" text DEFAULT 'replay' NOT NULL;--> statement-breakpoint
ALTER TABLE "replay_ledger" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "replay_ledger" ADD COLUMN "archived" jsonb;--> statement-breakpoint
ALTER TABLE "replay_ledger" ADD COLUMN "came_back_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "replay_ledger" ADD COLUMN "came_back_as" text;--> statement-breakpoint
ALTER TABLE "replay_job_items" ADD CONSTRAINT "replay_job_items_job_id_replay_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."replay_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "outbox_samples_database_time_idx" ON "outbox_samples" USING btree ("database","sampled_at");--> statement-breakpoint
CREATE UNIQUE INDEX "replay_job_items_key" ON "replay_job_items" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "replay_job_items_state_idx" ON "replay_job_items" USING btree ("job_id","state","seq");--> statement-breakpoint
CREATE INDEX "replay_job_items_replay_id_idx" ON "replay_job_items" USING btree ("replay_id");--> statement-breakpoint
CREATE INDEX "replay_jobs_created_idx" ON "replay_jobs" USING btree ("created_at");--> statement-breakpoint
CREATE INDEX "replay_jobs_state_idx" ON "replay_jobs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "replay_ledger_job_idx" ON "replay_ledger" USING btree ("job_id");