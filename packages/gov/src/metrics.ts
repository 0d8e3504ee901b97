/**
 * Per-item service figures measured from closed cases, each reported on its own against its before value
 * (domain sheet §1: a combined reduction is not any single metric), plus SLA compliance.
 */
import type { Figure, Item } from './catalogue/model.ts';
import type { PrefillResult } from './prefill.ts';
import { applicationStatus, type Application, type Channel } from './workflow/application.ts';
import { shanghaiDate, type WorkingCalendar } from './calendar/working-days.ts';

export interface CaseRecord {
  readonly applicationId: string;
  readonly itemId: string;
  readonly channel: Channel;
  /** Things the applicant had to do: submit once, plus each supplement. */
  readonly steps: number;
  /** Materials the applicant had to provide (uploads and commitments); fetched and generated ones do not count. */
  readonly materials: number;
  /** Visits in person: actions taken at a window or kiosk. */
  readonly trips: number;
  /** Working days from submission to issuance; null while open. */
  readonly workingDays: number | null;
}

export function caseRecord(app: Application, prefillResult: PrefillResult, calendar: WorkingCalendar): CaseRecord {
  const inPerson = (c: Channel | undefined) => c === 'window' || c === 'kiosk';
  const supplements = app.order.flatMap((id) => app.tasks[id]!.history.filter((e) => e.action === 'submit_supplement'));
  const done = app.issuance !== undefined || applicationStatus(app) === 'completed';
  const finishedAt = app.issuance?.issuedAt ?? Math.max(...app.order.flatMap((id) => app.tasks[id]!.history.map((e) => e.at)));
  return {
    applicationId: app.id,
    itemId: app.itemId,
    channel: app.channel,
    steps: 1 + supplements.length,
    materials: prefillResult.form.materials.length,
    trips: (inPerson(app.channel) ? 1 : 0) + supplements.filter((e) => inPerson(e.channel)).length,
    workingDays: done ? calendar.workingDaysBetween(shanghaiDate(app.submittedAt), shanghaiDate(finishedAt)) : null,
  };
}

export interface FigureReport {
  readonly before: number | null;
  /** Mean over the cases that have the figure; null without cases. */
  readonly after: number | null;
  /** Catalogue's published "after" (target), for comparison. */
  readonly target: number | null;
  /** (before − after) / before, null when either is missing or before is 0. */
  readonly reduction: number | null;
}

export interface ItemMetrics {
  readonly itemId: string;
  readonly cases: number;
  readonly completedCases: number;
  readonly steps: FigureReport;
  readonly materials: FigureReport;
  readonly workingDays: FigureReport;
  readonly trips: FigureReport;
  /** Share of completed cases finished within the item's promised working days; null without a promise or cases. */
  readonly slaCompliance: number | null;
  readonly byChannel: Readonly<Partial<Record<Channel, number>>>;
}

function mean(xs: readonly number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((a, b) => a + b, 0) / xs.length;
}

function report(baseline: Figure, values: readonly number[]): FigureReport {
  const after = mean(values);
  const before = baseline.before;
  return { before, after, target: baseline.after, reduction: before !== null && before > 0 && after !== null ? (before - after) / before : null };
}

export function itemMetrics(item: Item, cases: readonly CaseRecord[]): ItemMetrics {
  const mine = cases.filter((c) => c.itemId === item.id);
  const completed = mine.filter((c) => c.workingDays !== null);
  const days = completed.map((c) => c.workingDays!);
  const byChannel: Partial<Record<Channel, number>> = {};
  for (const c of mine) byChannel[c.channel] = (byChannel[c.channel] ?? 0) + 1;
  return {
    itemId: item.id,
    cases: mine.length,
    completedCases: completed.length,
    steps: report(item.baseline.steps, mine.map((c) => c.steps)),
    materials: report(item.baseline.materials, mine.map((c) => c.materials)),
    workingDays: report(item.baseline.workingDays, days),
    trips: report(item.baseline.trips, mine.map((c) => c.trips)),
    slaCompliance: item.promisedWorkingDays === undefined || days.length === 0
      ? null
      : days.filter((d) => d <= item.promisedWorkingDays!).length / days.length,
    byChannel,
  };
}

/** Share of tasks (across applications) approved by their SLA due time. */
export function taskSlaCompliance(apps: readonly Application[]): { tasks: number; onTime: number; rate: number | null } {
  let tasks = 0;
  let onTime = 0;
  for (const app of apps) {
    for (const id of app.order) {
      const t = app.tasks[id]!;
      const approval = t.history.find((e) => e.to === 'approved');
      if (!approval || t.dueAt === undefined) continue;
      tasks++;
      if (approval.at < t.dueAt) onTime++;
    }
  }
  return { tasks, onTime, rate: tasks === 0 ? null : onTime / tasks };
}
