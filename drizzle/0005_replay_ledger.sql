CREATE TABLE "replay_ledger" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"replay_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"connection" text NOT NULL,
	"dlq" text NOT NULL,
	"message_id" text NOT NULL,
	"target" text NOT NULL,
	"target_position" text,
	"replay_count" integer NOT NULL,
	"replayed_by" text NOT NULL,
	"job_id" uuid,
	"replayed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "replay_ledger_message_idx" ON "replay_ledger" USING btree ("kind","connection","dlq","message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "replay_ledger_replay_id_key" ON "replay_ledger" USING btree ("replay_id");