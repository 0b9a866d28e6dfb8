CREATE TABLE "saga_bulk_items" (
	"job_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"saga_id" text NOT NULL,
	"saga_type" text NOT NULL,
	"version" integer,
	"status_before" text NOT NULL,
	"state" text DEFAULT 'pending' NOT NULL,
	"command_id" text,
	"outcome" text,
	"status_after" text,
	"stuck_again" boolean,
	"updated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "saga_bulk_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"database" text NOT NULL,
	"command" text NOT NULL,
	"reason" text NOT NULL,
	"selection" jsonb NOT NULL,
	"dry_run" jsonb,
	"rate_per_second" double precision,
	"verify_after_seconds" integer DEFAULT 30 NOT NULL,
	"state" text NOT NULL,
	"state_reason" text,
	"total" integer DEFAULT 0 NOT NULL,
	"requested" integer DEFAULT 0 NOT NULL,
	"refused" integer DEFAULT 0 NOT NULL,
	"applied" integer DEFAULT 0 NOT NULL,
	"rejected" integer DEFAULT 0 NOT NULL,
	"terminal" integer DEFAULT 0 NOT NULL,
	"stuck_again" integer DEFAULT 0 NOT NULL,
	"verify_at" timestamp with time zone,
	"verified_at" timestamp with time zone,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "saga_bulk_items" ADD CONSTRAINT "saga_bulk_items_job_id_saga_bulk_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "public"."saga_bulk_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "saga_bulk_items_key" ON "saga_bulk_items" USING btree ("job_id","seq");--> statement-breakpoint
CREATE INDEX "saga_bulk_items_state_idx" ON "saga_bulk_items" USING btree ("job_id","state","seq");--> statement-breakpoint
CREATE INDEX "saga_bulk_jobs_created_idx" ON "saga_bulk_jobs" USING btree ("created_at");