ALTER TABLE "sites" ADD COLUMN "owner_tenant_id" text REFERENCES "tenants"("id");
--> statement-breakpoint
-- Site-bound agent tokens are retired: workers are enrolled with credentials of their own.
DELETE FROM "api_tokens" WHERE "site_id" IS NOT NULL;
