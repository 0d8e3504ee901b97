-- Foreign keys added by hand-written migrations (0004-0010) took PostgreSQL's default names; the Drizzle
-- schema names them as drizzle-kit does. Renamed so the database and the schema's snapshot agree and a
-- later generated migration can drop or alter them by name.
ALTER TABLE "fair_shares" RENAME CONSTRAINT "fair_shares_tenant_id_fkey" TO "fair_shares_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "job_checkpoints" RENAME CONSTRAINT "job_checkpoints_job_id_fkey" TO "job_checkpoints_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "job_checkpoints" RENAME CONSTRAINT "job_checkpoints_task_id_fkey" TO "job_checkpoints_task_id_tasks_id_fk";
--> statement-breakpoint
ALTER TABLE "job_checkpoints" RENAME CONSTRAINT "job_checkpoints_tenant_id_fkey" TO "job_checkpoints_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "job_dependencies" RENAME CONSTRAINT "job_dependencies_job_id_fkey" TO "job_dependencies_job_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "job_dependencies" RENAME CONSTRAINT "job_dependencies_parent_id_fkey" TO "job_dependencies_parent_id_jobs_id_fk";
--> statement-breakpoint
ALTER TABLE "quotas" RENAME CONSTRAINT "quotas_tenant_id_fkey" TO "quotas_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "run_suspensions" RENAME CONSTRAINT "run_suspensions_run_id_fkey" TO "run_suspensions_run_id_runs_id_fk";
--> statement-breakpoint
ALTER TABLE "sites" RENAME CONSTRAINT "sites_owner_tenant_id_fkey" TO "sites_owner_tenant_id_tenants_id_fk";
--> statement-breakpoint
ALTER TABLE "workflows" RENAME CONSTRAINT "workflows_tenant_id_fkey" TO "workflows_tenant_id_tenants_id_fk";
