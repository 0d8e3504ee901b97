import { bigserial, boolean, doublePrecision, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/** A longwall face: its PLC endpoint and equipment configuration (sequence timings, methane limits). */
export const mineFaces = pgTable('mine_faces', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  mineId: text('mine_id').notNull(),
  endpoint: text('endpoint').notNull(),
  config: jsonb('config').notNull(),
  createdAt: ts('created_at').notNull().defaultNow(),
  updatedAt: ts('updated_at').notNull().defaultNow(),
});

/** Every alarm ever raised, with its lifecycle: raised → cleared → acknowledged (history). */
export const mineAlarms = pgTable(
  'mine_alarms',
  {
    id: text('id').primaryKey(),
    faceId: text('face_id').notNull(),
    code: text('code').notNull(),
    source: text('source').notNull(),
    severity: integer('severity').notNull(),
    message: text('message').notNull(),
    active: boolean('active').notNull(),
    raisedAt: ts('raised_at').notNull(),
    clearedAt: ts('cleared_at'),
    silencedAt: ts('silenced_at'),
    acknowledgedBy: text('acknowledged_by'),
    acknowledgedAt: ts('acknowledged_at'),
    comment: text('comment'),
  },
  (t) => [index('mine_alarms_face_raised').on(t.faceId, t.raisedAt), index('mine_alarms_ack_by').on(t.acknowledgedBy)],
);

/**
 * Append-only command audit (after Ignition's AUDIT_EVENTS): who, from where, what, on what, old and
 * new value, result. A trigger in the migration refuses UPDATE, DELETE and TRUNCATE.
 */
export const mineAudit = pgTable(
  'mine_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: ts('at').notNull().defaultNow(),
    faceId: text('face_id'),
    userId: text('user_id'),
    username: text('username').notNull(),
    role: text('role'),
    origin: text('origin'),
    action: text('action').notNull(),
    target: text('target').notNull(),
    result: text('result').notNull(),
    code: text('code'),
    reason: text('reason'),
    comment: text('comment'),
    oldValue: jsonb('old_value'),
    newValue: jsonb('new_value'),
  },
  (t) => [index('mine_audit_face_at').on(t.faceId, t.at), index('mine_audit_user').on(t.username)],
);

/** The historian: one row per tag sample (deadband: a sample is stored when the value changed). */
export const mineHistory = pgTable(
  'mine_history',
  {
    faceId: text('face_id').notNull(),
    tag: text('tag').notNull(),
    at: ts('at').notNull(),
    value: doublePrecision('value').notNull(),
  },
  (t) => [index('mine_history_face_tag_at').on(t.faceId, t.tag, t.at)],
);
