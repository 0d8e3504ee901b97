-- A studio's own render job types (the shipped ones are files): the validated document, one per name per tenant.
CREATE TABLE "render_job_types" (
	"tenant_id" text NOT NULL,
	"name" text NOT NULL,
	"doc" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "render_job_types_tenant_id_name_pk" PRIMARY KEY("tenant_id","name")
);
