import { caseRecord, shanghaiDate, type Application, type Item, type PrefillResult, type Service, type WorkingCalendar } from '@shuzhi/gov';

export interface CaseFigures {
  steps: number;
  materials: number;
  trips: number;
  workingDays: number;
}

export interface MeasuredCase {
  after: CaseFigures;
  /** The same case handled the old way, one service at a time (see beforeFigures). */
  before: CaseFigures;
  slaMet: boolean;
}

/** Longest chain of SLAs through the item's dependency graph: the promise when the item names none. */
export function criticalPathDays(item: Item, services: readonly Service[]): number {
  const byId = new Map(services.map((s) => [s.id, s]));
  const memo = new Map<string, number>();
  const longest = (id: string): number => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const s = byId.get(id);
    if (!s) return 0;
    const v = s.slaWorkingDays + Math.max(0, ...s.dependsOn.filter((d) => item.services.includes(d)).map(longest));
    memo.set(id, v);
    return v;
  };
  return Math.max(0, ...item.services.map(longest));
}

/**
 * The counterfactual "before" of a real case: the same services applied for one by one, as before the
 * reform. Each service is its own application (one step each, plus the case's supplements), asks its own full
 * set of materials (no library, no sharing between services), takes one visit to its department (plus one per
 * supplement), and starts only after the previous one finished, each taking at least one working day. The
 * rules are stated here so the report can be read against them; they are not published figures.
 */
export function beforeFigures(app: Application, services: readonly Service[], calendar: WorkingCalendar): CaseFigures {
  const tasks = app.order.map((id) => app.tasks[id]!);
  const supplements = tasks.reduce((n, t) => n + t.history.filter((e) => e.action === 'submit_supplement').length, 0);
  const byId = new Map(services.map((s) => [s.id, s]));
  const materials = tasks.reduce((n, t) => n + (byId.get(t.serviceId)?.materials.length ?? 0), 0);
  const departments = new Set(tasks.map((t) => t.departmentId));
  const workingDays = tasks.reduce((n, t) => {
    const done = [...t.history].reverse().find((e) => e.to === 'approved' || e.to === 'rejected');
    if (t.readyAt === undefined || !done) return n + 1;
    return n + Math.max(1, calendar.workingDaysBetween(shanghaiDate(t.readyAt), shanghaiDate(done.at)));
  }, 0);
  return { steps: tasks.length + supplements, materials, trips: departments.size + supplements, workingDays };
}

/** Figures of a closed case, measured from its own history. */
export function measureCase(app: Application, prefill: PrefillResult, item: Item, services: readonly Service[], calendar: WorkingCalendar): MeasuredCase {
  const rec = caseRecord(app, prefill, calendar);
  const after = { steps: rec.steps, materials: rec.materials, trips: rec.trips, workingDays: rec.workingDays ?? 0 };
  const promise = item.promisedWorkingDays ?? criticalPathDays(item, services);
  return { after, before: beforeFigures(app, services, calendar), slaMet: after.workingDays <= promise };
}
