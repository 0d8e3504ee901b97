/** SLA clocks in working days: a change of escalation level is an event; the supervisor level shows on the dashboard. */
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { escalationLevel } from '@shuzhi/gov';
import type { PublishedEvent } from '../../events/bus.ts';
import { govTasks } from '../db-schema.ts';
import type { GovDeps } from '../deps.ts';
import { OPEN_STATES } from '../reads.ts';

export async function sweepSla(d: GovDeps): Promise<{ changed: number }> {
  const now = d.clock.now();
  const rows = await d.db.select().from(govTasks).where(and(inArray(govTasks.state, [...OPEN_STATES]), isNotNull(govTasks.dueAt)));
  let changed = 0;
  const ev: PublishedEvent[] = [];
  await d.db.transaction(async (tx) => {
    for (const r of rows) {
      const level = escalationLevel(r.dueAt!.getTime(), now, d.calendar);
      if (level === r.escalation) continue;
      changed++;
      await tx.update(govTasks).set({ escalation: level }).where(and(eq(govTasks.applicationId, r.applicationId), eq(govTasks.serviceId, r.serviceId)));
      await d.bus.record(tx, ev, { kind: 'gov.sla.escalated', entity: 'gov_application', entityId: r.applicationId, actor: 'system', data: { serviceId: r.serviceId, department: r.departmentId, level } });
    }
  });
  d.bus.publish(ev);
  return { changed };
}
