CREATE TABLE "gov_ticket_counters" (
	"day" text PRIMARY KEY NOT NULL,
	"last" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "gov_tickets" ADD COLUMN "day" text;--> statement-breakpoint
ALTER TABLE "gov_tickets" ADD COLUMN "seq" integer;--> statement-breakpoint
-- Tickets issued before the counter: day and seq come from the printed number. Where two windows were
-- given the same number (count(*)+1 raced), the earliest ticket keeps day/seq and the others keep only
-- their printed number, so the unique index below cannot fail on an old database.
UPDATE "gov_tickets" SET "day" = n."day", "seq" = n."seq"
FROM (
	SELECT "id",
		substring("number" from '^([0-9]{4}-[0-9]{2}-[0-9]{2})-A[0-9]+$') AS "day",
		substring("number" from '^[0-9]{4}-[0-9]{2}-[0-9]{2}-A([0-9]+)$')::integer AS "seq",
		row_number() OVER (PARTITION BY "number" ORDER BY "created_at", "id") AS "k"
	FROM "gov_tickets"
	WHERE "number" ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}-A[0-9]+$'
) n
WHERE "gov_tickets"."id" = n."id" AND n."k" = 1;--> statement-breakpoint
-- Each day's counter continues after the highest number that day has already seen.
INSERT INTO "gov_ticket_counters" ("day", "last")
SELECT "day", max("seq") FROM "gov_tickets" WHERE "day" IS NOT NULL GROUP BY "day";--> statement-breakpoint
-- 出生登记 records a birth (免申办): said by the catalogue since this release, so say it in catalogues seeded before.
UPDATE "gov_services" SET "data" = jsonb_set("data", '{lifeEvent}', '"birth_registered"')
WHERE "id" = 'svc_nb_household_registration' AND "created_by" = 'seed' AND "data"->'lifeEvent' IS NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "gov_tickets_day_seq" ON "gov_tickets" USING btree ("day","seq");