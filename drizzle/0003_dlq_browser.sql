CREATE TABLE "saved_filters" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"expression" text NOT NULL,
	"description" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sqs_snapshot_messages" (
	"snapshot_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"message_id" text NOT NULL,
	"body" text NOT NULL,
	"attributes" jsonb NOT NULL,
	"message_attributes" jsonb NOT NULL,
	"sent_timestamp" timestamp with time zone,
	"receive_count" integer,
	"source_arn" text,
	"exception_class" text,
	"error_message" text,
	"fingerprint" text
);
--> statement-breakpoint
CREATE TABLE "sqs_snapshots" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"connection" text NOT NULL,
	"queue" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"approximate_total" integer NOT NULL,
	"captured" integer DEFAULT 0 NOT NULL,
	"status" text NOT NULL,
	"error" text,
	"taken_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sqs_snapshot_messages" ADD CONSTRAINT "sqs_snapshot_messages_snapshot_id_sqs_snapshots_id_fk" FOREIGN KEY ("snapshot_id") REFERENCES "public"."sqs_snapshots"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "saved_filters_name_key" ON "saved_filters" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "sqs_snapshot_messages_key" ON "sqs_snapshot_messages" USING btree ("snapshot_id","message_id");--> statement-breakpoint
CREATE INDEX "sqs_snapshot_messages_seq_idx" ON "sqs_snapshot_messages" USING btree ("snapshot_id","seq");--> statement-breakpoint
CREATE INDEX "sqs_snapshots_queue_idx" ON "sqs_snapshots" USING btree ("connection","queue","started_at");