ALTER TABLE "jobs" ADD COLUMN "sites" jsonb DEFAULT '[]'::jsonb NOT NULL;
