import type { GapParts, PlanResult } from '@shuzhi/compute';

/** One scenario at one slot length: every policy's result and every bound computed for it (fen). */
export interface PlannerRun {
  slotMinutes: number;
  /** seconds every policy was given */
  timeLimitSec: number;
  results: PlanResult[];
  bounds: {
    lagrangian: number | null;
    /** the job-level model's LP relaxation */
    lp: number | null;
    /** objective: HiGHS' proven bound, null where none was proven (rootSolved false: its dual bound before the root LP bounds nothing worth printing) */
    mip: { objective: number | null; incumbent: number | null; gap: number | null; status: string; timeLimitSec: number; rootSolved?: boolean } | null;
    /** the Lagrangian dual by column generation (bench/planner/column-bound.ts), outside optimal's time limit */
    columns?: { bound: number; start: number; rounds: number; columns: number; seconds: number; master: number | null; converged: boolean; groups?: number | null; masterSlots?: number } | null;
    /** the optimal plan's gap to `columns.bound` in parts, at its multipliers */
    gapParts?: GapParts | null;
    best: number | null;
    /** which bound the best one is, and where it came from */
    bestFrom: string | null;
  };
}

export const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const yuan = (fen: number | null | undefined) => (fen === null || fen === undefined ? '–' : n(fen / 100));
export const gapTo = (v: number, bound: number | null) => (bound !== null && bound > 0 ? `${n(((v - bound) / bound) * 100, 2)}%` : '–');

/** How far below the LP relaxation a root's bound may lie and still count as solved (HiGHS' tolerances; unsolved roots were 80 % below). */
const ROOT_TOLERANCE = 1e-3;
/**
 * The exact MIP's bound as the bench reports it. HiGHS' dual bound before its root LP is solved is only what
 * presolve proves (medium hourly, 60 s: 2,361 ¥ against bounds near 12,700 ¥): a number with nothing behind
 * it. The root LP is the job-level LP relaxation (presolve can only tighten it), so a MIP not solved whose
 * bound lies below that relaxation, or whose relaxation did not solve in the same seconds, proved no bound.
 */
export function provenMip(m: { objective: number | null; incumbent: number | null; gap: number | null; status: string }, lp: number | null, timeLimitSec: number) {
  const rootSolved = m.status === 'optimal' || (lp !== null && m.objective !== null && m.objective >= lp - ROOT_TOLERANCE * Math.max(1, Math.abs(lp)));
  return { ...m, objective: rootSolved ? m.objective : null, gap: rootSolved ? m.gap : null, timeLimitSec, rootSolved };
}

export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Per policy: objective, cost, carbon, green share, misses, unserved work, solve time and gap to the best bound; then the bounds. */
export function runTable(run: PlannerRun): string {
  const b = run.bounds;
  const rows = run.results.map((r) => [
    r.policy, yuan(r.objective), yuan(r.costFen), n(r.carbonKg), n(r.greenShare * 100, 1), String(r.deadlineMisses),
    n(r.unservedUnitHours, 1), n(r.solveMs), gapTo(r.objective, b.best), r.method ?? '',
  ]);
  const mip = b.mip;
  const hourly = (b.columns?.masterSlots ?? 1) > 1;
  const boundLines = [
    `Lagrangian bound (aggregated LP's duals, optimal's own): ${yuan(b.lagrangian)} ¥`,
    `LP bound (job-level LP relaxation): ${yuan(b.lp)} ¥`,
    b.columns
      ? `Lagrangian bound by columns (the Lagrangian dual by column generation from optimal's multipliers, ${b.columns.groups ? `a master row per group of jobs (${b.columns.groups} groups)` : 'a master row per job'}${hourly ? `, shared rows summed over ${b.columns.masterSlots} slots` : ''}, ${b.columns.rounds} rounds, ${b.columns.columns} columns in ${n(b.columns.seconds, 1)} s${b.columns.converged ? ', converged' : b.columns.master === null ? ', not converged' : `, not converged: the dual${hourly ? ' over multipliers constant over those slots' : ''} is at most ${yuan(b.columns.master)} ¥`}): ${yuan(b.columns.bound)} ¥`
      : 'Lagrangian bound by columns: not computed',
    mip
      ? `MIP bound (exact job-level MIP, HiGHS, ${mip.timeLimitSec} s limit, status ${mip.status}): ${mip.rootSolved === false ? 'no bound proven (its root LP was not solved in time)' : `${yuan(mip.objective)} ¥`}; HiGHS' best plan ${yuan(mip.incumbent)} ¥, its gap ${mip.gap === null || mip.rootSolved === false ? '–' : `${n(mip.gap * 100, 2)}%`}`
      : 'MIP bound: not computed (job-level model above the size limit)',
    `best bound: ${yuan(b.best)} ¥${b.bestFrom ? ` — ${b.bestFrom}` : ''}; "gap to best bound" is measured against it`,
  ];
  return [table(['policy', 'objective ¥', 'cost ¥', 'carbon kg', 'green %', 'misses', 'unserved u·h', 'solve ms', 'gap to best bound', 'how optimal planned'], rows), ...boundLines].join('\n');
}

/**
 * One scenario planned at several slot lengths, one row per policy (and the bounds), one column group
 * per slot length: how much of a policy's result is the slot length rather than the policy.
 */
export function sideBySide(runs: readonly PlannerRun[]): string {
  const metrics: { name: string; of: (r: PlanResult) => string }[] = [
    { name: 'objective ¥', of: (r) => yuan(r.objective) },
    { name: 'cost ¥', of: (r) => yuan(r.costFen) },
    { name: 'carbon kg', of: (r) => n(r.carbonKg) },
    { name: 'green %', of: (r) => n(r.greenShare * 100, 1) },
    { name: 'misses', of: (r) => String(r.deadlineMisses) },
    { name: 'unserved u·h', of: (r) => n(r.unservedUnitHours, 1) },
    { name: 'solve ms', of: (r) => n(r.solveMs) },
  ];
  const head = ['policy', ...metrics.flatMap((m) => runs.map((x) => `${m.name} @${x.slotMinutes}`))];
  const policies = runs[0]?.results.map((r) => r.policy) ?? [];
  const rows = policies.map((p) => [p, ...metrics.flatMap((m) => runs.map((x) => {
    const r = x.results.find((y) => y.policy === p);
    return r ? m.of(r) : '–';
  }))]);
  const boundRow = (name: string, of: (b: PlannerRun['bounds']) => number | null | undefined) =>
    [name, ...metrics.flatMap((m) => runs.map((x) => (m.name === 'objective ¥' ? yuan(of(x.bounds)) : '')))];
  rows.push(
    boundRow('Lagrangian bound', (b) => b.lagrangian), boundRow('Lagrangian by columns, per job', (b) => (b.columns?.groups ? null : b.columns?.bound)),
    boundRow('Lagrangian by columns, by groups', (b) => (b.columns?.groups ? b.columns.bound : null)),
    boundRow('LP bound', (b) => b.lp), boundRow('MIP bound', (b) => b.mip?.objective),
  );
  return table(head, rows);
}
