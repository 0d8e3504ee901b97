CREATE TABLE "data_budgets" (
	"product_id" text NOT NULL,
	"consumer_tenant_id" text NOT NULL,
	"budget" double precision NOT NULL,
	"spent" double precision DEFAULT 0 NOT NULL,
	CONSTRAINT "data_budgets_product_id_consumer_tenant_id_pk" PRIMARY KEY("product_id","consumer_tenant_id"),
	CONSTRAINT "data_budgets_within" CHECK ("data_budgets"."spent" <= "data_budgets"."budget" + 1e-9)
);
--> statement-breakpoint
CREATE TABLE "data_contracts" (
	"id" text PRIMARY KEY NOT NULL,
	"product_id" text NOT NULL,
	"provider_tenant_id" text NOT NULL,
	"consumer_tenant_id" text NOT NULL,
	"consumer_region" text,
	"purpose" text NOT NULL,
	"actions" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"state" text NOT NULL,
	"reasons" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"terms" jsonb,
	"proof" jsonb,
	"uses" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"decided_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "data_keys" (
	"key_id" text PRIMARY KEY NOT NULL,
	"public_key_pem" text NOT NULL,
	"private_key_pem" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_products" (
	"id" text PRIMARY KEY NOT NULL,
	"provider_tenant_id" text NOT NULL,
	"title" jsonb NOT NULL,
	"description" jsonb NOT NULL,
	"domain" text NOT NULL,
	"site_id" text NOT NULL,
	"region_id" text NOT NULL,
	"schema" jsonb NOT NULL,
	"synthetic" boolean NOT NULL,
	"source" text NOT NULL,
	"quality" text DEFAULT '' NOT NULL,
	"licence" text NOT NULL,
	"fee_fen_per_use" integer NOT NULL,
	"policy" jsonb NOT NULL,
	"state" text NOT NULL,
	"rows" integer,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_scenarios" (
	"id" text PRIMARY KEY NOT NULL,
	"domain" text NOT NULL,
	"title" jsonb NOT NULL,
	"description" jsonb NOT NULL,
	"product_ids" jsonb NOT NULL,
	"contract_id" text,
	"use_id" text,
	"synthetic" boolean NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_uses" (
	"id" text PRIMARY KEY NOT NULL,
	"contract_id" text NOT NULL,
	"product_id" text NOT NULL,
	"provider_tenant_id" text NOT NULL,
	"consumer_tenant_id" text NOT NULL,
	"query" jsonb NOT NULL,
	"state" text NOT NULL,
	"job_id" text,
	"site_id" text NOT NULL,
	"result" jsonb,
	"refusal" jsonb,
	"epsilon_spent" double precision DEFAULT 0 NOT NULL,
	"fee_fen" integer DEFAULT 0 NOT NULL,
	"idempotency_key" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	CONSTRAINT "data_uses_job_id_unique" UNIQUE("job_id")
);
--> statement-breakpoint
CREATE INDEX "data_contracts_product" ON "data_contracts" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "data_contracts_consumer" ON "data_contracts" USING btree ("consumer_tenant_id");--> statement-breakpoint
CREATE INDEX "data_contracts_provider" ON "data_contracts" USING btree ("provider_tenant_id");--> statement-breakpoint
CREATE UNIQUE INDEX "data_contracts_idempotency" ON "data_contracts" USING btree ("consumer_tenant_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "data_products_domain" ON "data_products" USING btree ("domain");--> statement-breakpoint
CREATE INDEX "data_products_provider" ON "data_products" USING btree ("provider_tenant_id");--> statement-breakpoint
CREATE INDEX "data_uses_contract" ON "data_uses" USING btree ("contract_id");--> statement-breakpoint
CREATE INDEX "data_uses_product" ON "data_uses" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "data_uses_state" ON "data_uses" USING btree ("state");--> statement-breakpoint
CREATE UNIQUE INDEX "data_uses_idempotency" ON "data_uses" USING btree ("consumer_tenant_id","idempotency_key");