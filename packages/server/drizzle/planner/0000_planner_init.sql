CREATE TABLE "planner_plans" (
	"id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"policy" text NOT NULL,
	"start_at" timestamp with time zone NOT NULL,
	"plan" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "planner_settings" (
	"id" text PRIMARY KEY NOT NULL,
	"carbon_price_fen_per_kg" double precision NOT NULL,
	"green_share_target" double precision,
	"policy" text NOT NULL,
	"cadence_sec" integer NOT NULL,
	"default_slack_hours" integer NOT NULL,
	"horizon_hours" integer NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
