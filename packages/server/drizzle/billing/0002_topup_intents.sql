CREATE TABLE "billing_topups" (
	"id" text PRIMARY KEY NOT NULL,
	"tenant_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"state" text NOT NULL,
	"idem_key" text NOT NULL,
	"request_hash" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone,
	"decided_by" text,
	"credited_via" text,
	"payment_ref" text,
	"txn_id" text
);
--> statement-breakpoint
CREATE TABLE "billing_payment_callbacks" (
	"nonce" text PRIMARY KEY NOT NULL,
	"topup_id" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"result" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "billing_topups_key" ON "billing_topups" USING btree ("idem_key");--> statement-breakpoint
CREATE INDEX "billing_topups_tenant" ON "billing_topups" USING btree ("tenant_id","created_at");--> statement-breakpoint
CREATE INDEX "billing_topups_state" ON "billing_topups" USING btree ("state","expires_at");
