CREATE TABLE "gov_access_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"owner_id" text NOT NULL,
	"record_id" text NOT NULL,
	"registry" text NOT NULL,
	"source" text NOT NULL,
	"actor_user_id" text,
	"actor_name" text NOT NULL,
	"actor_role" text NOT NULL,
	"department_id" text,
	"application_id" text,
	"purpose" text NOT NULL,
	"allowed" boolean DEFAULT true NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_applications" (
	"id" text PRIMARY KEY NOT NULL,
	"item_id" text NOT NULL,
	"item_version" integer NOT NULL,
	"subject_id" text NOT NULL,
	"applicant_user_id" text,
	"filed_by" text,
	"channel" text NOT NULL,
	"ticket_id" text,
	"idempotency_key" text NOT NULL,
	"status" text NOT NULL,
	"state" jsonb NOT NULL,
	"form" jsonb NOT NULL,
	"submitted_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL,
	"closed_at" timestamp with time zone,
	"steps" integer,
	"materials" integer,
	"trips" integer,
	"working_days" integer,
	"before_steps" integer,
	"before_materials" integer,
	"before_trips" integer,
	"before_working_days" integer,
	"sla_met" boolean
);
--> statement-breakpoint
CREATE TABLE "gov_certificate_types" (
	"id" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"application_id" text NOT NULL,
	"service_id" text NOT NULL,
	"type" text NOT NULL,
	"holder_id" text NOT NULL,
	"text" text NOT NULL,
	"status" text NOT NULL,
	"issued_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_reason" text
);
--> statement-breakpoint
CREATE TABLE "gov_departments" (
	"id" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_enterprises" (
	"credit_code" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_grants" (
	"id" text PRIMARY KEY NOT NULL,
	"rule_id" text NOT NULL,
	"event_id" text NOT NULL,
	"beneficiary_id" text NOT NULL,
	"family_id" text NOT NULL,
	"department_id" text NOT NULL,
	"benefit" jsonb NOT NULL,
	"granted_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_households" (
	"id" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_items" (
	"id" text NOT NULL,
	"version" integer NOT NULL,
	"data" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "gov_items_id_version_pk" PRIMARY KEY("id","version")
);
--> statement-breakpoint
CREATE TABLE "gov_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"public_key_pem" text NOT NULL,
	"private_key_pem" text NOT NULL,
	"active" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_library" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"holder_id" text NOT NULL,
	"status" text NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_marriages" (
	"id" text PRIMARY KEY NOT NULL,
	"party_a" text NOT NULL,
	"party_b" text NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient_id" text NOT NULL,
	"application_id" text,
	"kind" text NOT NULL,
	"message" jsonb NOT NULL,
	"at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_people" (
	"resident_id" text PRIMARY KEY NOT NULL,
	"household_id" text NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_serials" (
	"issuer_code" text PRIMARY KEY NOT NULL,
	"next" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_services" (
	"id" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_social_insurance" (
	"resident_id" text PRIMARY KEY NOT NULL,
	"data" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "gov_tasks" (
	"application_id" text NOT NULL,
	"service_id" text NOT NULL,
	"department_id" text NOT NULL,
	"state" text NOT NULL,
	"ready_at" timestamp with time zone,
	"due_at" timestamp with time zone,
	"escalation" text DEFAULT 'none' NOT NULL,
	"supplement" jsonb,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "gov_tasks_application_id_service_id_pk" PRIMARY KEY("application_id","service_id")
);
--> statement-breakpoint
CREATE TABLE "gov_tickets" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"status" text NOT NULL,
	"window_user_id" text,
	"application_id" text,
	"created_at" timestamp with time zone NOT NULL,
	"called_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "gov_user_links" (
	"user_id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"resident_id" text NOT NULL,
	"credit_code" text
);
--> statement-breakpoint
CREATE INDEX "gov_access_owner" ON "gov_access_log" USING btree ("owner_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "gov_applications_idem" ON "gov_applications" USING btree ("idempotency_key");--> statement-breakpoint
CREATE INDEX "gov_applications_subject" ON "gov_applications" USING btree ("subject_id");--> statement-breakpoint
CREATE INDEX "gov_applications_item" ON "gov_applications" USING btree ("item_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "gov_certificates_once" ON "gov_certificates" USING btree ("application_id","service_id","type");--> statement-breakpoint
CREATE INDEX "gov_certificates_holder" ON "gov_certificates" USING btree ("holder_id");--> statement-breakpoint
CREATE INDEX "gov_library_holder" ON "gov_library" USING btree ("holder_id");--> statement-breakpoint
CREATE INDEX "gov_marriages_a" ON "gov_marriages" USING btree ("party_a");--> statement-breakpoint
CREATE INDEX "gov_marriages_b" ON "gov_marriages" USING btree ("party_b");--> statement-breakpoint
CREATE INDEX "gov_notifications_recipient" ON "gov_notifications" USING btree ("recipient_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "gov_notifications_once" ON "gov_notifications" USING btree ("application_id","kind");--> statement-breakpoint
CREATE INDEX "gov_people_household" ON "gov_people" USING btree ("household_id");--> statement-breakpoint
CREATE INDEX "gov_tasks_queue" ON "gov_tasks" USING btree ("department_id","state");