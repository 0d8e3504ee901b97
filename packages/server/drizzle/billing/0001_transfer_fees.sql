ALTER TABLE "billing_charges" ADD COLUMN "transfer_fen" bigint DEFAULT 0 NOT NULL;
