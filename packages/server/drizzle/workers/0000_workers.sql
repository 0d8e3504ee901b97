CREATE TABLE "workers" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"site_id" text NOT NULL,
	"owner_tenant_id" text,
	"credential_hash" text NOT NULL,
	"enrolled_by" text NOT NULL,
	"enrolled_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rotated_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"last_seen_at" timestamp with time zone,
	CONSTRAINT "workers_credential_hash_unique" UNIQUE("credential_hash")
);
--> statement-breakpoint
CREATE INDEX "workers_site" ON "workers" USING btree ("site_id");
--> statement-breakpoint
CREATE UNIQUE INDEX "workers_active_name" ON "workers" ("site_id", "name") WHERE "revoked_at" IS NULL;
