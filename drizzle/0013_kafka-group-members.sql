ALTER TABLE "kafka_group_samples" ADD COLUMN "epoch" integer;--> statement-breakpoint
ALTER TABLE "kafka_group_samples" ADD COLUMN "member_details" jsonb;