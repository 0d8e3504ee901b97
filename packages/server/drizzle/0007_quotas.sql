-- Quotas, fair share and accelerator asks (issue 15, items 5 and 7).
ALTER TABLE "jobs" ADD COLUMN "project" text;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "accelerator" text;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "min_mem_gb" double precision;
--> statement-breakpoint
ALTER TABLE "jobs" ADD COLUMN "one_group" boolean DEFAULT false NOT NULL;
--> statement-breakpoint
CREATE TABLE "quotas" (
	"tenant_id" text NOT NULL REFERENCES "tenants"("id"),
	"project" text DEFAULT '' NOT NULL,
	"type" text NOT NULL,
	"nominal" integer NOT NULL,
	"cohort" text,
	"borrowing_limit" integer,
	"lending_limit" integer,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "quotas_tenant_id_project_type_pk" PRIMARY KEY("tenant_id","project","type")
);
--> statement-breakpoint
CREATE TABLE "fair_shares" (
	"tenant_id" text PRIMARY KEY NOT NULL REFERENCES "tenants"("id"),
	"shares" integer NOT NULL
);
