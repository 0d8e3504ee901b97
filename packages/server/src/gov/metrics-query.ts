import { sql } from 'drizzle-orm';
import { addCalendarDays, shanghaiDate, shanghaiMidnight } from '@shuzhi/gov';
import type { GovMetrics } from '@shuzhi/schema';
import type { Db } from '../db/client.ts';
import type { CatalogueStore } from './catalogue-store.ts';
import { govApplications, govTasks } from './db-schema.ts';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/**
 * The supervisor dashboard: per item, each figure reported on its own — the published before/after from the
 * catalogue next to what closed cases measured (after) and what the same cases would have taken one service at
 * a time (before) — with case counts, channels and SLA compliance, and today's cases (`now` fixes the day).
 */
export async function govMetrics(db: Db, catalogue: CatalogueStore, now: number): Promise<GovMetrics> {
  const cat = await catalogue.load();
  const perItem = await db
    .select({
      itemId: govApplications.itemId,
      cases: sql<number>`count(*)::int`,
      closed: sql<number>`count(${govApplications.closedAt})::int`,
      steps: sql`avg(${govApplications.steps})`,
      materials: sql`avg(${govApplications.materials})`,
      trips: sql`avg(${govApplications.trips})`,
      days: sql`avg(${govApplications.workingDays})`,
      bSteps: sql`avg(${govApplications.beforeSteps})`,
      bMaterials: sql`avg(${govApplications.beforeMaterials})`,
      bTrips: sql`avg(${govApplications.beforeTrips})`,
      bDays: sql`avg(${govApplications.beforeWorkingDays})`,
      sla: sql`avg(case when ${govApplications.slaMet} then 1.0 when ${govApplications.slaMet} = false then 0.0 end)`,
    })
    .from(govApplications)
    .groupBy(govApplications.itemId);
  const channels = await db
    .select({ itemId: govApplications.itemId, channel: govApplications.channel, n: sql<number>`count(*)::int` })
    .from(govApplications)
    .groupBy(govApplications.itemId, govApplications.channel);
  const depts = await db
    .select({
      departmentId: govTasks.departmentId,
      open: sql<number>`count(*) filter (where ${govTasks.state} in ('ready','accepted','supplement_requested'))::int`,
      approved: sql<number>`count(*) filter (where ${govTasks.state} = 'approved')::int`,
      overdue: sql<number>`count(*) filter (where ${govTasks.escalation} in ('overdue','supervisor') and ${govTasks.state} in ('ready','accepted','supplement_requested'))::int`,
      onTime: sql<number>`count(*) filter (where ${govTasks.state} = 'approved' and ${govTasks.updatedAt} < ${govTasks.dueAt})::int`,
      timed: sql<number>`count(*) filter (where ${govTasks.state} = 'approved' and ${govTasks.dueAt} is not null)::int`,
    })
    .from(govTasks)
    .groupBy(govTasks.departmentId);
  const [demo] = await db.select({ n: sql<number>`count(*)::int` }).from(govApplications).where(sql`${govApplications.demo}`);
  const date = shanghaiDate(now);
  const dayStart = new Date(shanghaiMidnight(date)).toISOString();
  const dayEnd = new Date(shanghaiMidnight(addCalendarDays(date, 1))).toISOString();
  const [day] = await db
    .select({
      cases: sql<number>`count(*) filter (where ${govApplications.submittedAt} >= ${dayStart}::timestamptz and ${govApplications.submittedAt} < ${dayEnd}::timestamptz)::int`,
      closed: sql<number>`count(*) filter (where ${govApplications.closedAt} >= ${dayStart}::timestamptz and ${govApplications.closedAt} < ${dayEnd}::timestamptz)::int`,
    })
    .from(govApplications);
  const byItem = new Map(perItem.map((r) => [r.itemId, r]));
  const items = cat.latest.items.map((item) => {
    const r = byItem.get(item.id);
    const fig = (before: unknown, after: unknown, published: { before: number | null; after: number | null }) => ({ before: num(before), after: num(after), published });
    return {
      itemId: item.id,
      itemName: item.name,
      cases: r?.cases ?? 0,
      closedCases: r?.closed ?? 0,
      steps: fig(r?.bSteps, r?.steps, item.baseline.steps),
      materials: fig(r?.bMaterials, r?.materials, item.baseline.materials),
      workingDays: fig(r?.bDays, r?.days, item.baseline.workingDays),
      trips: fig(r?.bTrips, r?.trips, item.baseline.trips),
      slaCompliance: num(r?.sla),
      byChannel: Object.fromEntries(channels.filter((c) => c.itemId === item.id).map((c) => [c.channel, c.n])),
    };
  });
  const timed = depts.reduce((n, d) => n + d.timed, 0);
  return {
    items,
    totals: {
      cases: items.reduce((n, i) => n + i.cases, 0),
      closedCases: items.reduce((n, i) => n + i.closedCases, 0),
      openTasks: depts.reduce((n, d) => n + d.open, 0),
      escalated: depts.reduce((n, d) => n + d.overdue, 0),
      taskSlaCompliance: timed ? depts.reduce((n, d) => n + d.onTime, 0) / timed : null,
      demoCases: demo?.n ?? 0,
    },
    today: { date, cases: day?.cases ?? 0, closedCases: day?.closed ?? 0 },
    byDepartment: depts.map((d) => ({
      departmentId: d.departmentId,
      name: cat.department(d.departmentId)?.name ?? { zh: d.departmentId, en: d.departmentId },
      open: d.open,
      approved: d.approved,
      overdue: d.overdue,
    })),
  };
}
