-- One row per singleton role ("leader"): who holds it, where it answers, its fencing epoch and when the lease ends.
CREATE TABLE IF NOT EXISTS "leadership" (
	"name" text PRIMARY KEY NOT NULL,
	"holder" text NOT NULL,
	"url" text,
	"epoch" bigint NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL
);
