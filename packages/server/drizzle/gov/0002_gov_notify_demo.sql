CREATE TABLE "gov_contacts" (
	"subject_id" text PRIMARY KEY NOT NULL,
	"email" text,
	"phone" text,
	"lang" text DEFAULT 'zh' NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_demo_users" (
	"user_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_outbox" (
	"id" text PRIMARY KEY NOT NULL,
	"notification_id" text NOT NULL,
	"channel" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_at" timestamp with time zone NOT NULL,
	"claimed_by" text,
	"claimed_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone NOT NULL,
	"sent_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "gov_applications" ADD COLUMN "demo" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "gov_notifications" ADD COLUMN "read_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "gov_outbox_once" ON "gov_outbox" USING btree ("notification_id","channel");--> statement-breakpoint
CREATE INDEX "gov_outbox_due" ON "gov_outbox" USING btree ("status","next_at");