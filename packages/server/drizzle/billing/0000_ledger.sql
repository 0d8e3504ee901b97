CREATE TABLE "billing_applications" (
	"id" text PRIMARY KEY NOT NULL,
	"programme_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"requested_fen" bigint NOT NULL,
	"purpose" text NOT NULL,
	"status" text NOT NULL,
	"reason" text,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"voucher_id" text,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_budgets" (
	"tenant_id" text PRIMARY KEY NOT NULL,
	"monthly_cap_fen" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_charges" (
	"run_id" text PRIMARY KEY NOT NULL,
	"txn_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"job_id" text NOT NULL,
	"site_id" text NOT NULL,
	"region" text NOT NULL,
	"resource_type" text NOT NULL,
	"run_status" text NOT NULL,
	"unit_hours" double precision NOT NULL,
	"energy_kwh" double precision NOT NULL,
	"green_kwh" double precision NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone NOT NULL,
	"price_note" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"voucher_fen" bigint NOT NULL,
	"wallet_fen" bigint NOT NULL,
	"platform_fee_fen" bigint NOT NULL,
	"month" text NOT NULL,
	"billed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"txn_id" text NOT NULL,
	"account" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_prices" (
	"site_id" text NOT NULL,
	"resource_type" text NOT NULL,
	"fen_per_unit_hour" double precision NOT NULL,
	"tou_fen_per_unit_hour" jsonb,
	"updated_by" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_prices_site_id_resource_type_pk" PRIMARY KEY("site_id","resource_type")
);
--> statement-breakpoint
CREATE TABLE "billing_programme_admins" (
	"user_id" text PRIMARY KEY NOT NULL,
	"programme_id" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_programmes" (
	"id" text PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"issuer" text NOT NULL,
	"illustrative" boolean DEFAULT false NOT NULL,
	"tenant_kinds" jsonb NOT NULL,
	"site_ids" jsonb NOT NULL,
	"regions" jsonb NOT NULL,
	"rates_bp" jsonb NOT NULL,
	"cap_per_tenant_fen" bigint NOT NULL,
	"voucher_days" integer NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_to" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_redemptions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"txn_id" text NOT NULL,
	"run_id" text NOT NULL,
	"voucher_id" text NOT NULL,
	"programme_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"fen" bigint NOT NULL,
	"energy_kwh" double precision NOT NULL,
	"green_kwh" double precision NOT NULL,
	"month" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_transactions" (
	"id" text PRIMARY KEY NOT NULL,
	"idem_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"kind" text NOT NULL,
	"tenant_id" text,
	"programme_id" text,
	"site_id" text,
	"memo" text DEFAULT '' NOT NULL,
	"month" text NOT NULL,
	"actor" text,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "billing_vouchers" (
	"id" text PRIMARY KEY NOT NULL,
	"programme_id" text NOT NULL,
	"tenant_id" text NOT NULL,
	"application_id" text,
	"face_fen" bigint NOT NULL,
	"valid_from" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"status" text NOT NULL,
	"issued_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "billing_applications_programme" ON "billing_applications" USING btree ("programme_id","status");--> statement-breakpoint
CREATE INDEX "billing_applications_tenant" ON "billing_applications" USING btree ("tenant_id");--> statement-breakpoint
CREATE INDEX "billing_charges_tenant_month" ON "billing_charges" USING btree ("tenant_id","month");--> statement-breakpoint
CREATE INDEX "billing_charges_site_month" ON "billing_charges" USING btree ("site_id","month");--> statement-breakpoint
CREATE INDEX "billing_entries_account" ON "billing_entries" USING btree ("account");--> statement-breakpoint
CREATE INDEX "billing_entries_txn" ON "billing_entries" USING btree ("txn_id");--> statement-breakpoint
CREATE INDEX "billing_redemptions_programme" ON "billing_redemptions" USING btree ("programme_id");--> statement-breakpoint
CREATE INDEX "billing_redemptions_tenant" ON "billing_redemptions" USING btree ("tenant_id","programme_id");--> statement-breakpoint
CREATE UNIQUE INDEX "billing_transactions_key" ON "billing_transactions" USING btree ("idem_key");--> statement-breakpoint
CREATE INDEX "billing_transactions_tenant" ON "billing_transactions" USING btree ("tenant_id","month");--> statement-breakpoint
CREATE INDEX "billing_vouchers_tenant" ON "billing_vouchers" USING btree ("tenant_id","status");--> statement-breakpoint
CREATE INDEX "billing_vouchers_programme" ON "billing_vouchers" USING btree ("programme_id");