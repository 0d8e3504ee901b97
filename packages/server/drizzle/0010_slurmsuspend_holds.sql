-- Suspend in place and pauses that survive a restart (issue 15, item 6): the intervals a run was suspended
-- (Slurm's scontrol suspend) for a cheaper window, with when it is to resume; and the Slurm jobs held after
-- a requeue, which the task's next attempt at that site releases.
CREATE TABLE "run_suspensions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"run_id" text NOT NULL REFERENCES "runs"("id"),
	"task_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"from_at" timestamp with time zone NOT NULL,
	"until_at" timestamp with time zone NOT NULL,
	"resumed_at" timestamp with time zone,
	"save_fen" double precision NOT NULL,
	"save_kg" double precision NOT NULL
);
--> statement-breakpoint
CREATE INDEX "run_suspensions_task" ON "run_suspensions" ("task_id", "attempt");
--> statement-breakpoint
CREATE INDEX "run_suspensions_run" ON "run_suspensions" ("run_id");
--> statement-breakpoint
CREATE TABLE "slurm_held_jobs" (
	"site_id" text NOT NULL,
	"task_id" text NOT NULL,
	"slurm_job_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"job_dir" text NOT NULL,
	"held_at" timestamp with time zone NOT NULL,
	CONSTRAINT "slurm_held_jobs_pk" PRIMARY KEY ("site_id", "task_id")
);
