CREATE TABLE "sign_in_throttle" (
	"key" text PRIMARY KEY NOT NULL,
	"failures" integer DEFAULT 0 NOT NULL,
	"last_failure_at" timestamp with time zone DEFAULT now() NOT NULL,
	"blocked_until" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "last_seen_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "remote_address" text;--> statement-breakpoint
ALTER TABLE "sessions" ADD COLUMN "handle" text DEFAULT substr(md5(random()::text), 1, 16) NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "must_change_password" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "external_issuer" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "external_subject" text;--> statement-breakpoint
CREATE UNIQUE INDEX "sessions_handle_key" ON "sessions" USING btree ("handle");--> statement-breakpoint
CREATE UNIQUE INDEX "users_external_key" ON "users" USING btree ("external_issuer","external_subject");