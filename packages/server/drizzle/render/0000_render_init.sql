CREATE TABLE "render_frames" (
	"job_id" text NOT NULL,
	"frame" integer NOT NULL,
	"node_id" text,
	"attempt" integer,
	"bytes" integer NOT NULL,
	"has_thumb" integer DEFAULT 0 NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "render_frames_job_id_frame_pk" PRIMARY KEY("job_id","frame")
);
--> statement-breakpoint
CREATE TABLE "render_jobs" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"spec" jsonb NOT NULL,
	"renderer" text NOT NULL,
	"frame_count" integer NOT NULL,
	"task_count" integer NOT NULL,
	"seq" integer NOT NULL,
	"priority" integer NOT NULL,
	"tags" jsonb NOT NULL,
	"state" text NOT NULL,
	"failure_message" text,
	"blocklist" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"node_failures" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"node_ms" bigint DEFAULT 0 NOT NULL,
	"usage" jsonb,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "render_nodes" (
	"id" text PRIMARY KEY NOT NULL,
	"site_id" text NOT NULL,
	"tags" jsonb NOT NULL,
	"slots" integer NOT NULL,
	"last_seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "render_task_logs" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"job_id" text NOT NULL,
	"idx" integer NOT NULL,
	"attempt" integer NOT NULL,
	"node_id" text,
	"stream" text NOT NULL,
	"text" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "render_tasks" (
	"job_id" text NOT NULL,
	"idx" integer NOT NULL,
	"state" text NOT NULL,
	"attempt" integer NOT NULL,
	"node_id" text,
	"lease_expires_at" bigint,
	"failed_on" jsonb NOT NULL,
	"progress" real,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "render_tasks_job_id_idx_pk" PRIMARY KEY("job_id","idx")
);
--> statement-breakpoint
CREATE INDEX "render_jobs_tenant_created" ON "render_jobs" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "render_jobs_state" ON "render_jobs" USING btree ("state");--> statement-breakpoint
CREATE INDEX "render_task_logs_job_idx" ON "render_task_logs" USING btree ("job_id","idx","seq");