-- Job dependencies (Slurm's afterok/afterany/afternotok), job arrays (one record, tasks made lazily) and
-- workflows (a DAG of jobs submitted as one).
ALTER TABLE "jobs" ADD COLUMN "on_parent_failure" text DEFAULT 'cancel' NOT NULL;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "held" text;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "array_spec" text;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "array_size" integer;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "array_cap" integer;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "workflow_id" text;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "workflow_step" text;
--> statement-breakpoint
ALTER TABLE "tasks" ADD COLUMN "array_index" integer;
--> statement-breakpoint
CREATE UNIQUE INDEX "tasks_job_array_index" ON "tasks" USING btree ("job_id","array_index");
--> statement-breakpoint
CREATE TABLE "job_dependencies" (
	"job_id" text NOT NULL REFERENCES "jobs"("id"),
	"parent_id" text NOT NULL REFERENCES "jobs"("id"),
	"kind" text NOT NULL,
	CONSTRAINT "job_dependencies_job_id_parent_id_pk" PRIMARY KEY("job_id","parent_id")
);
--> statement-breakpoint
CREATE INDEX "job_dependencies_parent" ON "job_dependencies" USING btree ("parent_id");
--> statement-breakpoint
CREATE TABLE "workflows" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL REFERENCES "tenants"("id"),
	"name" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "workflows_tenant_created" ON "workflows" USING btree ("tenant_id","created_at");
