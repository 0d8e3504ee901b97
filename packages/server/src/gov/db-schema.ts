import { bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

// ---- catalogue as data: one row per record, the engine's zod model in `data` --------------------------

export const govDepartments = pgTable('gov_departments', {
  id: text('id').primaryKey(),
  data: jsonb('data').notNull(),
});

export const govCertificateTypes = pgTable('gov_certificate_types', {
  id: text('id').primaryKey(),
  data: jsonb('data').notNull(),
});

export const govServices = pgTable('gov_services', {
  id: text('id').primaryKey(),
  data: jsonb('data').notNull(),
  createdBy: text('created_by'),
  createdAt: ts('created_at').notNull().defaultNow(),
});

/** Every published version is kept: an application names the version it was filed under. */
export const govItems = pgTable(
  'gov_items',
  {
    id: text('id').notNull(),
    version: integer('version').notNull(),
    data: jsonb('data').notNull(),
    createdBy: text('created_by'),
    createdAt: ts('created_at').notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.id, t.version] })],
);

// ---- base registries and the e-licence library (synthetic data, every row fictional) ------------------

export const govPeople = pgTable(
  'gov_people',
  {
    residentId: text('resident_id').primaryKey(),
    householdId: text('household_id').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [index('gov_people_household').on(t.householdId)],
);

export const govHouseholds = pgTable('gov_households', {
  id: text('id').primaryKey(),
  data: jsonb('data').notNull(),
});

export const govMarriages = pgTable(
  'gov_marriages',
  {
    id: text('id').primaryKey(),
    partyA: text('party_a').notNull(),
    partyB: text('party_b').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [index('gov_marriages_a').on(t.partyA), index('gov_marriages_b').on(t.partyB)],
);

export const govEnterprises = pgTable('gov_enterprises', {
  creditCode: text('credit_code').primaryKey(),
  data: jsonb('data').notNull(),
});

export const govSocialInsurance = pgTable('gov_social_insurance', {
  residentId: text('resident_id').primaryKey(),
  data: jsonb('data').notNull(),
});

/** The e-licence library: certificates from the seed (lic_…) and certificates this platform issued. */
export const govLibrary = pgTable(
  'gov_library',
  {
    id: text('id').primaryKey(),
    type: text('type').notNull(),
    holderId: text('holder_id').notNull(),
    status: text('status').notNull(),
    data: jsonb('data').notNull(),
  },
  (t) => [index('gov_library_holder').on(t.holderId)],
);

/** Which synthetic person or company a platform user is. */
export const govUserLinks = pgTable('gov_user_links', {
  userId: text('user_id').primaryKey(),
  kind: text('kind').notNull(),
  residentId: text('resident_id').notNull(),
  creditCode: text('credit_code'),
});

// ---- applications and their tasks --------------------------------------------------------------------

export const govApplications = pgTable(
  'gov_applications',
  {
    id: text('id').primaryKey(),
    itemId: text('item_id').notNull(),
    itemVersion: integer('item_version').notNull(),
    /** Resident ID or credit code of the applicant: the person or company the case is about. */
    subjectId: text('subject_id').notNull(),
    applicantUserId: text('applicant_user_id'),
    /** Window staff who filed it on the applicant's behalf. */
    filedBy: text('filed_by'),
    channel: text('channel').notNull(),
    ticketId: text('ticket_id'),
    idempotencyKey: text('idempotency_key').notNull(),
    status: text('status').notNull(),
    /** The engine's Application, the source of truth for tasks and history. */
    state: jsonb('state').notNull(),
    /** Prefill result without the access list, what the applicant answered, consent, materials. */
    form: jsonb('form').notNull(),
    submittedAt: ts('submitted_at').notNull(),
    updatedAt: ts('updated_at').notNull(),
    closedAt: ts('closed_at'),
    /** Measured when the case closes (metrics). */
    steps: integer('steps'),
    materials: integer('materials'),
    trips: integer('trips'),
    workingDays: integer('working_days'),
    beforeSteps: integer('before_steps'),
    beforeMaterials: integer('before_materials'),
    beforeTrips: integer('before_trips'),
    beforeWorkingDays: integer('before_working_days'),
    slaMet: boolean('sla_met'),
    /** Filed by the living demo's synthetic applicants or clerks (gov_demo_users): the dashboard says "demo data". */
    demo: boolean('demo').notNull().default(false),
  },
  (t) => [
    uniqueIndex('gov_applications_idem').on(t.idempotencyKey),
    index('gov_applications_subject').on(t.subjectId),
    index('gov_applications_item').on(t.itemId, t.status),
  ],
);

/** One row per task, kept in step with `state` in the same transaction: the department work queues. */
export const govTasks = pgTable(
  'gov_tasks',
  {
    applicationId: text('application_id').notNull(),
    serviceId: text('service_id').notNull(),
    departmentId: text('department_id').notNull(),
    state: text('state').notNull(),
    readyAt: ts('ready_at'),
    dueAt: ts('due_at'),
    escalation: text('escalation').notNull().default('none'),
    supplement: jsonb('supplement'),
    updatedAt: ts('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.applicationId, t.serviceId] }), index('gov_tasks_queue').on(t.departmentId, t.state)],
);

/** Issued e-certificates: the canonical signed text is what verification checks. */
export const govCertificates = pgTable(
  'gov_certificates',
  {
    id: text('id').primaryKey(),
    applicationId: text('application_id').notNull(),
    serviceId: text('service_id').notNull(),
    type: text('type').notNull(),
    holderId: text('holder_id').notNull(),
    text: text('text').notNull(),
    status: text('status').notNull(),
    issuedAt: ts('issued_at').notNull(),
    revokedAt: ts('revoked_at'),
    revokedReason: text('revoked_reason'),
  },
  (t) => [uniqueIndex('gov_certificates_once').on(t.applicationId, t.serviceId, t.type), index('gov_certificates_holder').on(t.holderId)],
);

export const govKeys = pgTable('gov_keys', {
  keyId: text('key_id').primaryKey(),
  publicKeyPem: text('public_key_pem').notNull(),
  privateKeyPem: text('private_key_pem').notNull(),
  active: boolean('active').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
});

export const govSerials = pgTable('gov_serials', {
  issuerCode: text('issuer_code').primaryKey(),
  next: integer('next').notNull(),
});

/** Every read of a person's or company's data: who, for which application, when; one row per data owner. */
export const govAccessLog = pgTable(
  'gov_access_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ownerId: text('owner_id').notNull(),
    recordId: text('record_id').notNull(),
    registry: text('registry').notNull(),
    source: text('source').notNull(),
    actorUserId: text('actor_user_id'),
    actorName: text('actor_name').notNull(),
    actorRole: text('actor_role').notNull(),
    departmentId: text('department_id'),
    applicationId: text('application_id'),
    purpose: text('purpose').notNull(),
    /** false for a refused attempt (403), which is recorded too. */
    allowed: boolean('allowed').notNull().default(true),
    at: ts('at').notNull().defaultNow(),
  },
  (t) => [index('gov_access_owner').on(t.ownerId, t.at)],
);

export const govNotifications = pgTable(
  'gov_notifications',
  {
    id: text('id').primaryKey(),
    /** Resident ID or credit code: the family or company told. */
    recipientId: text('recipient_id').notNull(),
    applicationId: text('application_id'),
    kind: text('kind').notNull(),
    message: jsonb('message').notNull(),
    at: ts('at').notNull(),
    readAt: ts('read_at'),
  },
  (t) => [index('gov_notifications_recipient').on(t.recipientId, t.at), uniqueIndex('gov_notifications_once').on(t.applicationId, t.kind)],
);

export const govGrants = pgTable('gov_grants', {
  id: text('id').primaryKey(),
  ruleId: text('rule_id').notNull(),
  eventId: text('event_id').notNull(),
  beneficiaryId: text('beneficiary_id').notNull(),
  familyId: text('family_id').notNull(),
  departmentId: text('department_id').notNull(),
  benefit: jsonb('benefit').notNull(),
  grantedAt: ts('granted_at').notNull(),
});

/**
 * A hall ticket. `day` (Asia/Shanghai) and `seq` are what `number` prints; the unique index makes a number
 * issued twice impossible. Tickets from before the counter existed that shared a number keep it but have
 * no `day`/`seq` (see migration 0001).
 */
export const govTickets = pgTable(
  'gov_tickets',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull(),
    day: text('day'),
    seq: integer('seq'),
    status: text('status').notNull(),
    windowUserId: text('window_user_id'),
    applicationId: text('application_id'),
    createdAt: ts('created_at').notNull(),
    calledAt: ts('called_at'),
  },
  (t) => [uniqueIndex('gov_tickets_day_seq').on(t.day, t.seq)],
);

/** The last ticket number issued on each day: one row per day, bumped atomically by every new ticket. */
export const govTicketCounters = pgTable('gov_ticket_counters', {
  day: text('day').primaryKey(),
  last: integer('last').notNull(),
});

// ---- notifications beyond the app: contacts and the outbox ------------------------------------------

/** How an applicant (person or company) wants to be told: their own contact details, set by themselves. */
export const govContacts = pgTable('gov_contacts', {
  /** Resident ID or credit code, as gov_notifications.recipient_id. */
  subjectId: text('subject_id').primaryKey(),
  email: text('email'),
  phone: text('phone'),
  /** Language of e-mails and SMS: zh, en (ug once its texts exist; falls back to zh). */
  lang: text('lang').notNull().default('zh'),
  updatedAt: ts('updated_at').notNull(),
});

/**
 * One row per notification and channel, written in the transaction that made the notification; the sender
 * loop claims rows with a lease (FOR UPDATE SKIP LOCKED), so a killed sender's rows are taken up again once
 * the lease runs out. The address is read at send time from gov_contacts, never copied here.
 */
export const govOutbox = pgTable(
  'gov_outbox',
  {
    id: text('id').primaryKey(),
    notificationId: text('notification_id').notNull(),
    channel: text('channel').notNull(),
    /** pending → sent | failed (after the last attempt) | skipped (no contact for this channel any more). */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAt: ts('next_at').notNull(),
    claimedBy: text('claimed_by'),
    claimedUntil: ts('claimed_until'),
    lastError: text('last_error'),
    createdAt: ts('created_at').notNull(),
    sentAt: ts('sent_at'),
  },
  (t) => [uniqueIndex('gov_outbox_once').on(t.notificationId, t.channel), index('gov_outbox_due').on(t.status, t.nextAt)],
);

/** Users the living demo created (synthetic applicants, clerks, officers): what they file is demo data. */
export const govDemoUsers = pgTable('gov_demo_users', {
  userId: text('user_id').primaryKey(),
  kind: text('kind').notNull(),
});
