import type { PlanReport } from '@shuzhi/server';

const n = (v: number, digits = 0) => v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * One scenario planned at several slot lengths, one row per policy (and the bound), one column group
 * per slot length: how much of a policy's result is the slot length rather than the policy.
 */
export function sideBySide(runs: readonly { slotMinutes: number; rep: PlanReport }[]): string {
  const metrics: { name: string; of: (r: PlanReport['results'][number]) => string; bound?: (b: NonNullable<PlanReport['lowerBound']>) => string }[] = [
    { name: 'objective ¥', of: (r) => n(r.objective / 100), bound: (b) => n(b.objective / 100) },
    { name: 'cost ¥', of: (r) => n(r.costFen / 100), bound: (b) => n(b.costFen / 100) },
    { name: 'carbon kg', of: (r) => n(r.carbonKg), bound: (b) => n(b.carbonKg) },
    { name: 'energy kWh', of: (r) => n(r.energyKWh) },
    { name: 'green %', of: (r) => n(r.greenShare * 100, 1) },
    { name: 'unserved u·h', of: (r) => n(r.unservedUnitHours, 1) },
    { name: 'solve ms', of: (r) => String(r.solveMs) },
  ];
  const head = ['policy', ...metrics.flatMap((m) => runs.map((x) => `${m.name} @${x.slotMinutes}`))];
  const policies = runs[0]?.rep.results.map((r) => r.policy) ?? [];
  const rows = policies.map((p) => [p, ...metrics.flatMap((m) => runs.map((x) => {
    const r = x.rep.results.find((y) => y.policy === p);
    return r ? m.of(r) : '–';
  }))]);
  rows.push(['bound', ...metrics.flatMap((m) => runs.map((x) => (x.rep.lowerBound && m.bound ? m.bound(x.rep.lowerBound) : '')))]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
