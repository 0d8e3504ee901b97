-- Preemption and checkpoints (issue 15, item 6).
ALTER TABLE "jobs" ADD COLUMN "checkpoint" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "preempt_grace_s" integer DEFAULT 30 NOT NULL;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "preemptions" integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "preempt_reason" text;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "checkpoint_bytes" integer;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "billable" boolean DEFAULT true NOT NULL;
--> statement-breakpoint
CREATE TABLE "job_checkpoints" (
	"task_id" text PRIMARY KEY NOT NULL REFERENCES "tasks"("id"),
	"job_id" text NOT NULL REFERENCES "jobs"("id"),
	"tenant_id" text NOT NULL REFERENCES "tenants"("id"),
	"attempt" integer NOT NULL,
	"sha256" text NOT NULL,
	"bytes" integer NOT NULL,
	"saved_at" timestamp with time zone DEFAULT now() NOT NULL
);
