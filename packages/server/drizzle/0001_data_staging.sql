ALTER TABLE "jobs" ADD COLUMN "transfer_gb" double precision DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "transfer_fen" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "transfer_from" text;--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "transfer_to" text;--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "ready_at" timestamp with time zone;