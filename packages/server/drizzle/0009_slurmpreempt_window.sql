-- Preemption for a cheaper window (issue 15, item 6): when the paused run resumes and what the pause saves.
ALTER TABLE "runs" ADD COLUMN "window_resume_at" timestamp with time zone;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "window_save_fen" double precision;
--> statement-breakpoint
ALTER TABLE "runs" ADD COLUMN "window_save_kg" double precision;
