-- Named render limits: licence counts and tenant caps (holders are the open leases, not stored).
CREATE TABLE "render_limits" (
	"name" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"tenant_id" text,
	"capacity" integer,
	"own_capacity" integer,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
