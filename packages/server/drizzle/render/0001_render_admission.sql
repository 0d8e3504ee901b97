-- Why a queued render job is held back from the dispatcher (billing admission refused it); null once admitted.
ALTER TABLE "render_jobs" ADD COLUMN "admission_wait" text;
