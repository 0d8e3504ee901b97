import { sql } from 'drizzle-orm';
import { index, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';

const ts = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' });

/**
 * Enrolled workers: who may run work at which site. The credential is stored only as a hash; a
 * revoked row stays for the audit trail and its id is never reused.
 */
export const workers = pgTable(
  'workers',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    siteId: text('site_id').notNull(),
    ownerTenantId: text('owner_tenant_id'),
    credentialHash: text('credential_hash').notNull().unique(),
    enrolledBy: text('enrolled_by').notNull(),
    enrolledAt: ts('enrolled_at').notNull().defaultNow(),
    rotatedAt: ts('rotated_at'),
    revokedAt: ts('revoked_at'),
    revokedBy: text('revoked_by'),
    lastSeenAt: ts('last_seen_at'),
  },
  (t) => [
    index('workers_site').on(t.siteId),
    // One live worker per name at a site; a revoked name may be enrolled again.
    uniqueIndex('workers_active_name').on(t.siteId, t.name).where(sql`${t.revokedAt} is null`),
  ],
);
