CREATE TABLE "billing_data_fees" (
	"use_id" text PRIMARY KEY NOT NULL,
	"txn_id" text NOT NULL,
	"contract_id" text NOT NULL,
	"product_id" text NOT NULL,
	"consumer_tenant_id" text NOT NULL,
	"provider_tenant_id" text NOT NULL,
	"site_id" text NOT NULL,
	"fee_fen" bigint NOT NULL,
	"platform_fee_fen" bigint NOT NULL,
	"month" text NOT NULL,
	"released_at" timestamp with time zone NOT NULL,
	"billed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE INDEX "billing_data_fees_consumer" ON "billing_data_fees" USING btree ("consumer_tenant_id","month");--> statement-breakpoint
CREATE INDEX "billing_data_fees_provider" ON "billing_data_fees" USING btree ("provider_tenant_id","month");
