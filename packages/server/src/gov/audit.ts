/** The data-use log: every read of someone's data, allowed or refused, is a row the owner can see. */
import type { Principal } from '../auth/principal.ts';
import type { Db, Tx } from '../db/client.ts';
import { slices } from '../db/slices.ts';
import type { PublishedEvent } from '../events/bus.ts';
import { govAccessLog } from './db-schema.ts';
import type { GovDeps } from './deps.ts';
import { departmentOf } from './roles.ts';
import type { ApplicationRecord } from './rows.ts';

export interface Read {
  recordId: string;
  owners: string[];
  registry: string;
  source: string;
}

export async function recordReads(d: GovDeps, q: Db | Tx, p: Principal, reads: Read[], applicationId: string | null, purpose: string, allowed = true): Promise<void> {
  const rows = reads.flatMap((r) =>
    r.owners.map((ownerId) => ({
      ownerId,
      recordId: r.recordId,
      registry: r.registry,
      source: r.source,
      actorUserId: p.userId,
      actorName: p.displayName,
      actorRole: p.role,
      departmentId: departmentOf(p),
      applicationId,
      purpose,
      allowed,
      at: new Date(d.clock.now()),
    })),
  );
  for (const slice of slices(rows, 500)) await q.insert(govAccessLog).values(slice);
}

/** A read of the case itself (not of a registry). */
export const caseRead = (row: ApplicationRecord, source = 'application'): Read => ({ recordId: row.id, owners: [row.subjectId], registry: 'application', source });

/** An officer reaching outside their department: logged for the owner to see, and an event for the supervisor. */
export async function refuse(d: GovDeps, p: Principal, row: ApplicationRecord, serviceId: string | null, what: string): Promise<void> {
  const ev: PublishedEvent[] = [];
  await d.db.transaction(async (tx) => {
    await recordReads(d, tx, p, [caseRead(row, serviceId ?? 'application')], row.id, `refused: ${what}`, false);
    await d.bus.record(tx, ev, { kind: 'gov.access.refused', entity: 'gov_application', entityId: row.id, actor: p.userId, data: { what, serviceId, department: departmentOf(p) } });
  });
  d.bus.publish(ev);
}
