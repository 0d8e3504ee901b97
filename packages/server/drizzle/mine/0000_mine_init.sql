CREATE TABLE "mine_alarms" (
	"id" text PRIMARY KEY NOT NULL,
	"face_id" text NOT NULL,
	"code" text NOT NULL,
	"source" text NOT NULL,
	"severity" integer NOT NULL,
	"message" text NOT NULL,
	"active" boolean NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"cleared_at" timestamp with time zone,
	"silenced_at" timestamp with time zone,
	"acknowledged_by" text,
	"acknowledged_at" timestamp with time zone,
	"comment" text
);
--> statement-breakpoint
CREATE TABLE "mine_audit" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"face_id" text,
	"user_id" text,
	"username" text NOT NULL,
	"role" text,
	"origin" text,
	"action" text NOT NULL,
	"target" text NOT NULL,
	"result" text NOT NULL,
	"code" text,
	"reason" text,
	"comment" text,
	"old_value" jsonb,
	"new_value" jsonb
);
--> statement-breakpoint
CREATE TABLE "mine_faces" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"mine_id" text NOT NULL,
	"endpoint" text NOT NULL,
	"config" jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "mine_history" (
	"face_id" text NOT NULL,
	"tag" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"value" double precision NOT NULL
);
--> statement-breakpoint
CREATE INDEX "mine_alarms_face_raised" ON "mine_alarms" USING btree ("face_id","raised_at");--> statement-breakpoint
CREATE INDEX "mine_alarms_ack_by" ON "mine_alarms" USING btree ("acknowledged_by");--> statement-breakpoint
CREATE INDEX "mine_audit_face_at" ON "mine_audit" USING btree ("face_id","at");--> statement-breakpoint
CREATE INDEX "mine_audit_user" ON "mine_audit" USING btree ("username");--> statement-breakpoint
CREATE INDEX "mine_history_face_tag_at" ON "mine_history" USING btree ("face_id","tag","at");