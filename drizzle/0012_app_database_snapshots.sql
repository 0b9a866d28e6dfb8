CREATE TABLE "app_database_snapshots" (
	"database" text PRIMARY KEY NOT NULL,
	"sampled_at" timestamp with time zone NOT NULL,
	"value" jsonb,
	"error" text
);
