-- Render sleep schedules (nodes and pools) and the time each node slept, with the energy it saved.
CREATE TABLE "render_sleep_policies" (
	"target" text PRIMARY KEY NOT NULL,
	"windows" jsonb NOT NULL,
	"idle_minutes" integer,
	"idle_watts" real,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "render_node_sleep" (
	"node_id" text PRIMARY KEY NOT NULL,
	"slept_ms" bigint DEFAULT 0 NOT NULL,
	"saved_wh" real DEFAULT 0 NOT NULL,
	"saved_fen" real DEFAULT 0 NOT NULL,
	"asleep_since" bigint
);
