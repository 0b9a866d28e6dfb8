CREATE TABLE "dlq_scan_matches" (
	"scan_id" uuid NOT NULL,
	"seq" integer NOT NULL,
	"summary" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "dlq_scans" (
	"id" uuid PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"ref" jsonb NOT NULL,
	"expression" text NOT NULL,
	"match_limit" integer NOT NULL,
	"status" text NOT NULL,
	"total" integer,
	"scanned" integer DEFAULT 0 NOT NULL,
	"matched" integer DEFAULT 0 NOT NULL,
	"first_match_ms" integer,
	"error" text,
	"cancel_requested" boolean DEFAULT false NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"finished_at" timestamp with time zone,
	"heartbeat_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "dlq_scan_matches" ADD CONSTRAINT "dlq_scan_matches_scan_id_dlq_scans_id_fk" FOREIGN KEY ("scan_id") REFERENCES "public"."dlq_scans"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dlq_scan_matches_key" ON "dlq_scan_matches" USING btree ("scan_id","seq");--> statement-breakpoint
CREATE INDEX "dlq_scans_finished_idx" ON "dlq_scans" USING btree ("finished_at");