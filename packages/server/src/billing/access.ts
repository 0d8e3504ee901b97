import { eq } from 'drizzle-orm';
import type { Principal } from '../auth/principal.ts';
import type { Db } from '../db/client.ts';
import { errors } from '../errors.ts';
import { billingProgrammeAdmins } from './db-schema.ts';

const READ_ALL: readonly Principal['role'][] = ['operator', 'viewer'];

/**
 * The tenant whose money a caller may see: tenants only their own (another tenant's id is answered
 * as not found, so its existence is not revealed); operators and viewers must name one.
 */
export function tenantScope(p: Principal, requested: string | undefined): string {
  if (p.role === 'tenant') {
    if (!p.tenantId) throw errors.forbidden('read billing without a tenant');
    if (requested && requested !== p.tenantId) throw errors.notFound('tenant', requested);
    return p.tenantId;
  }
  if (READ_ALL.includes(p.role)) {
    if (!requested) throw errors.validation([{ path: 'tenantId', message: 'name the tenant (operators see every tenant)' }]);
    return requested;
  }
  throw errors.forbidden('read tenant billing');
}

/** The programme a `programme` user administers; null for operators and viewers (they see all). */
export async function adminProgramme(db: Db, p: Principal): Promise<string | null> {
  if (READ_ALL.includes(p.role)) return null;
  if (p.role !== 'programme') throw errors.forbidden('administer voucher programmes');
  const [row] = await db.select().from(billingProgrammeAdmins).where(eq(billingProgrammeAdmins.userId, p.userId));
  if (!row) throw errors.forbidden('administer a programme: this user is bound to none');
  return row.programmeId;
}

/** Programme admins reach only their own programme; others' ids are answered as not found. */
export async function requireProgrammeAccess(db: Db, p: Principal, programmeId: string, write: boolean): Promise<void> {
  if (write && p.role === 'viewer') throw errors.forbidden('decide on voucher applications');
  const own = await adminProgramme(db, p);
  if (own !== null && own !== programmeId) throw errors.notFound('programme', programmeId);
}
